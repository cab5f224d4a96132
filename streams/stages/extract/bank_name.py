"""The bank's name on a statement: the top line naming a bank, else the words before 'Member FDIC',
else the statement's first words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from streams.stages.extract.fields import Field, field_from_words
from streams.stages.extract.labels import label_data
from streams.stages.extract.lines import Line, has_content, norm_token, segments
from streams.stages.text import Word

TOP_LINES = 8  # a page's lines where its header names the bank


@cache
def _fdic_markers() -> tuple[tuple[str, ...], ...]:
    return tuple(
        tuple(norm_token(t) for t in p.split()) for p in label_data()["statement"]["bank_name_markers"]
    )


def bank_name(lines: Sequence[Line]) -> Field | None:
    """The top line naming a bank ("... Bank", "... Credit Union"), else the words before
    'Member FDIC', else the first run of words on the first line.

    A scanned statement repeats its header on every page, and OCR may garble the name on one (a
    logo run into it, a letter lost): the reading most pages agree on wins, then one that holds
    another's words and more ("First Meridian Bank" over "Bank"), then the surest."""
    readings = [r for r in (_top_name(page) for page in _pages(lines)) if r is not None]
    if readings:
        return max(readings, key=lambda r: _support(r, readings))
    for line in lines:
        tokens = [norm_token(w.text) for w in line.words]
        for marker in _fdic_markers():
            for i in range(1, len(tokens) - len(marker) + 1):
                if tuple(tokens[i : i + len(marker)]) == marker:
                    words = [w for w in line.words[:i] if norm_token(w.text)]
                    text = " ".join(w.text for w in words)
                    if 0 < len(words) <= 6 and not re.search(r"[\d?]", text):
                        return field_from_words(
                            text.strip(" .,"), words, page=line.page, label="Member FDIC", fit=0.9
                        )
    for line in lines[:3]:
        start, end = segments(line)[0]
        words = list(line.words[start:end])
        text = " ".join(w.text for w in words)
        if words and not re.search(r"\d", text) and norm_token(words[0].text) not in ("page", "statement"):
            return field_from_words(text.strip(" .,"), words, page=line.page, label=None, fit=0.7)
    return None


def _pages(lines: Sequence[Line]) -> list[list[Line]]:
    pages: dict[int, list[Line]] = {}
    for line in lines:
        pages.setdefault(line.page, []).append(line)
    return list(pages.values())


def _top_name(lines: Sequence[Line]) -> Field | None:
    """The bank's name on one of the page's top lines, if one names a bank."""
    for line in lines[:TOP_LINES]:
        words = [w for w in line.words if has_content(w.text)]
        anchor = next((i for i, w in enumerate(words) if norm_token(w.text) in _BANK_TOKENS), None)
        if anchor is None:
            continue
        run = without_logo_marks(_name_run(line, words, anchor))
        return field_from_words(
            " ".join(w.text for w in run).strip(" .,"), run, page=line.page, label=None, fit=0.9
        )
    return None


def _tokens(field: Field) -> tuple[str, ...]:
    return tuple(t for t in (norm_token(w) for w in str(field.value).split()) if t)


def _support(reading: Field, readings: Sequence[Field]) -> tuple[int, int, float]:
    """How many pages read the same name, how many other readings it holds with letters to spare
    (OCR loses letters and words far more often than it invents them), and its confidence (the
    first page's reading wins a full tie)."""
    tokens = _tokens(reading)
    letters = "".join(tokens)
    same = sum(_tokens(r) == tokens for r in readings)
    holds = sum(_holds(letters, "".join(_tokens(r))) for r in readings)
    return same, holds, reading.confidence + (1e-6 if reading is readings[0] else 0.0)


def _holds(longer: str, shorter: str) -> bool:
    """Whether `shorter` is `longer` with some letters left out."""
    if len(shorter) >= len(longer):
        return False
    rest = iter(longer)
    return all(ch in rest for ch in shorter)


def without_logo_marks(run: list[Word]) -> list[Word]:
    """A bank's name without what OCR made of the logo in front of it: a monogram of the name's
    initials ("GPB Granite Peak Bank"), a single letter, or a short word in lower case before a
    capitalised name ("aid Pacific Crest Bank"). Real short names ("BMO Harris Bank") stay."""
    words = list(run)
    while len(words) >= 3:
        mark, rest = words[0].text.strip(".,"), words[1:]
        initials = "".join(w.text[:1] for w in rest if w.text[:1].isalpha()).upper()
        monogram = len(mark) >= 2 and mark.isalpha() and mark.isupper() and initials.startswith(mark)
        stray = len(mark) == 1 or (
            len(mark) <= 3 and not mark.isupper() and not mark[:1].isupper() and rest[0].text[:1].isupper()
        )
        if not (monogram or stray):
            break
        words = rest
    return words


def _name_run(line: Line, words: list[Word], anchor: int) -> list[Word]:
    """The words around `anchor` set in the same type and close together: a bank's name on a logo
    line, whose letters are spaced too wide for column gaps to delimit it."""
    size = words[anchor].box.y1 - words[anchor].box.y0

    def same_type(w: Word) -> bool:
        height = w.box.y1 - w.box.y0  # OCR boxes vary with ascenders and descenders ("Copper")
        return (
            0.5 * size <= height <= 1.7 * size
            and not re.search(r"\d", w.text)
            and norm_token(w.text) not in ("statement", "page", "account")
        )

    def near(a: Word, b: Word) -> bool:
        return (b.box.x0 - a.box.x1) * line.width_pt <= 3 * size * line.height_pt

    first, last = anchor, anchor
    while first > 0 and same_type(words[first - 1]) and near(words[first - 1], words[first]):
        first -= 1
    while last + 1 < len(words) and same_type(words[last + 1]) and near(words[last], words[last + 1]):
        last += 1
    return words[first : last + 1]


_BANK_TOKENS = frozenset(
    {
        "bank",
        "bancorp",
        "banco",
        "union",
        "savings",
        "trust",
        "federal",
        "na",
        "fargo",
        "chase",
        "keybank",
        "citibank",
        "truist",
        "bancshares",
        "financial",
    }
)
