"""Word breaks an OCR engine dropped from a scanned form's values, put back ("WellsEnterprises LLC",
"23064EParkRd,Minneapolis,MN55487"), and a state code read with a digit for a letter ("0H 44196").

Spaces are put back only at junctions that a single written word rarely has: a lower-case run of
three or more letters meeting a capital ("SquareLiquors", not "McDonald" or "LaSalle"), capitals
meeting a capitalised word ("HVACRepair", "EPark"), a house number touching a compass letter or a
word ("2057S Market", "11533Canyon"), a comma touching the next word. Splitting words is only
done for a reading that shows the habit (see `runs_words_together`): a clean scan of a camel-case
brand name ("BrightPath") keeps it. Text-layer values are never changed (callers only pass OCR'd
text).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from streams.stages.extract.lines import LabelValue, Line
from streams.stages.extract.validators import US_STATES
from streams.stages.text import DocumentText

# junctions that betray a dropped space; their count over a page tells a reading's habit
_LOWER_UPPER = re.compile(r"(?<=[a-z]{3})(?=[A-Z])")
_UPPER_WORD = re.compile(r"(?<=[A-Z])(?=[A-Z][a-z]{2,})")
_NUMBER_COMPASS = re.compile(r"\b(\d+)([NSEW])(?=\s|[A-Z][a-z])")
_NUMBER_WORD = re.compile(r"\b(\d{2,})(?=[A-Za-z]{3,})")
_WORD_NUMBER = re.compile(r"(?<=[A-Za-z]{2})(?=\d{3,}\b)")
_COMMA_WORD = re.compile(r"(?<=[A-Za-z\d]),(?=[A-Za-z])|(?<=[A-Za-z]),(?=\d)")
ADDRESS_FIELDS = frozenset({"address", "city_state_zip", "city"})
# where dropped spaces are put back: names, addresses and free text, never numbers or e-mails
TEXT_FIELDS = frozenset({"legal_name", "dba_name", "name", "industry", "entity_type", "use_of_funds"})
RESPACED_FIELDS = ADDRESS_FIELDS | TEXT_FIELDS
_BOX_EDGES = re.compile(r"^[\[\]|{}]+|[\[\]|{}]+$")  # a form box's edge read as a bracket or bar
# street types whose "l" an OCR engine reads as a capital I ("River PI", "Ocean BIvd")
_STREET_TYPES = {"PI": "Pl", "BIvd": "Blvd", "BIVD": "BLVD"}
_STREET_TYPE_SLIP = re.compile(r"(?<=[A-Za-z] )(PI|BIvd|BIVD)(?=[,.]|\s|$)")
GLUED_WORDS_EVIDENCE = 3  # junctions on one page from which a reading is taken to run words together
_LOOKALIKE_LETTERS = str.maketrans("0125869l", "OIZSBGGI")
# the last two characters of an address, before its ZIP if it has one
_STATE_AT_END = re.compile(r"(?<![A-Za-z\d])([A-Z\d][A-Z\dl])\s*(\d{5}(?:-\d{4})?)?\s*$")


def glued_junctions(text: str) -> int:
    """How many places in `text` look like two words run together (see the module docstring)."""
    patterns = (_LOWER_UPPER, _UPPER_WORD, _NUMBER_COMPASS, _COMMA_WORD)
    return sum(len(pattern.findall(text)) for pattern in patterns)


def runs_words_together(texts: Iterable[str]) -> bool:
    """Whether a reading (the word texts of one page) shows the habit of dropping spaces."""
    return sum(glued_junctions(text) for text in texts) >= GLUED_WORDS_EVIDENCE


def respace(text: str, *, split_words: bool) -> str:
    """`text` with a space after a comma that touches the next word, and with `split_words` also
    with spaces put back at the junctions of the module docstring; nothing else changes."""
    text = _COMMA_WORD.sub(", ", text)
    if not split_words:
        return text
    text = _NUMBER_COMPASS.sub(r"\1 \2", text)
    text = _NUMBER_WORD.sub(r"\1 ", text)
    text = _WORD_NUMBER.sub(" ", text)
    text = _UPPER_WORD.sub(" ", text)
    return _LOWER_UPPER.sub(" ", text)


def repair_state_before_zip(text: str) -> str:
    """An address whose state code, just before the ZIP at its end (or last, after a comma), was
    read with a look-alike digit or a lower-case l ("Cleveland, 0H 44196", "Detroit, Ml 48290")
    gets its capitals back when that makes a US state."""
    match = _STATE_AT_END.search(text)
    if match is None or (match.group(1).isalpha() and match.group(1).isupper()):
        return text
    if match.group(2) is None and not text[: match.start()].rstrip().endswith(","):
        return text  # without a ZIP, only what follows the last comma is taken for the state
    state = match.group(1).translate(_LOOKALIKE_LETTERS)
    if not state.isalpha() or state not in US_STATES:
        return text
    zip_code = f" {match.group(2)}" if match.group(2) else ""
    return f"{text[: match.start()]}{state}{zip_code}"


def scanned_pages(document: DocumentText, lines: list[Line]) -> dict[int, bool]:
    """The OCR'd pages of `document` (numbers), each with whether its reading runs words together."""
    ocr = {page.page_number for page in document.pages if page.source == "ocr"}
    texts: dict[int, list[str]] = {number: [] for number in ocr}
    for line in lines:
        if line.page in texts:
            texts[line.page] += [w.text for w in line.words]
    return {number: runs_words_together(found) for number, found in texts.items()}


def repaired_text(pair: LabelValue, name: str, scanned: Mapping[int, bool]) -> str | None:
    """The text of an OCR'd value without the box edges read into its words ("[03/08/2009"), with
    dropped word breaks put back (names, addresses, free text) and an address's state code and
    street type read with look-alike characters repaired; None for text-layer values."""
    if pair.page not in scanned:
        return None
    words = [_BOX_EDGES.sub("", w.text) for w in pair.words]
    if name not in RESPACED_FIELDS:
        return " ".join(w for w in words if w)
    text = " ".join(respace(w, split_words=scanned[pair.page]) for w in words if w)
    if name in ADDRESS_FIELDS:
        text = _STREET_TYPE_SLIP.sub(lambda m: _STREET_TYPES[m.group(1)], repair_state_before_zip(text))
    return text
