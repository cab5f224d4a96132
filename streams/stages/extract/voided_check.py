"""Voided checks -> bank name, routing number (ABA checksum) and account number.

The MICR line at the bottom of a check prints, between its symbols, the routing number (9
digits, transit symbols around it), the account number (on-us symbol after it) and the check
number. OCR reads the symbols as stray characters ("|5", "[2", '1"'). Where the reading marks the symbols
themselves (the second engine tells them from digits by their ink, see streams/stages/micr_band.py)
the line is parsed by its structure: the routing number is the nine digits between two transit
symbols, the account number the digits from there to the on-us symbol. Otherwise the parser looks
for a 9-digit run that passes the ABA checksum and takes the next long digit run as the account.
A printed "Routing Number" / "Account Number" label, as on specimen checks, wins over the MICR line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from streams.stages.extract.fields import Field, field_from_words
from streams.stages.extract.lines import Line, document_lines, norm_token, segments
from streams.stages.extract.validators import digits, is_valid_aba
from streams.stages.micr_band import ON_US, TRANSIT
from streams.stages.text import DocumentText, Word

BANK_WORDS = (
    "bank",
    "bancorp",
    "banco",
    "credit union",
    "savings",
    "trust",
    "n.a.",
    "federal",
    "chase",
    "fargo",
)
MICR_FIELDS_CONFIDENCE = 0.95  # nine digits between two transit symbols, passing the ABA checksum
MICR_ACCOUNT_CONFIDENCE = 0.9  # the digits between the routing number's transit symbol and an on-us symbol
MICR_FIELDS_LABEL = "MICR fields"  # the label of values parsed from a line whose symbols were read
UNDELIMITED_MICR = "MICR"  # ... and of values parsed from a line read without them
MICR_EXACT_CONFIDENCE = 0.9  # nine digits between symbols passing the ABA checksum
MICR_WINDOW_CONFIDENCE = 0.5  # nine digits cut from a longer run: a checksum hit by chance is likely
_ROUTING_LABELS = ("routing", "routing number", "routing #", "aba", "transit", "rtn", "aba number")
_ACCOUNT_LABELS = ("account", "account number", "account #", "acct", "acct #", "account no")


@dataclass(frozen=True)
class MicrLine:
    """What a MICR line gave: the routing number and, when found, the account and check numbers."""

    routing: str
    account: str | None
    check_number: str | None
    words: tuple[Word, ...]
    page: int
    exact: bool = True
    delimited: bool = False  # the routing number sat between two transit symbols
    account_delimited: bool = False  # the account number ended at an on-us symbol


@dataclass(frozen=True)
class VoidedCheck:
    """bank_name, routing_number and account_number as Fields (any may be missing)."""

    fields: Mapping[str, Field]
    micr_found: bool


def _runs(text: str) -> list[str]:
    """Digit runs of a MICR line, with the on-us symbol's '1"' / 'll' tail dropped."""
    cleaned = re.sub(r'[1lI]["”]', '"', text)
    return re.findall(r"\d+", cleaned)


def _micr_tokens(text: str) -> list[str]:
    """Symbols and digit runs of a line; runs between the same two symbols joined (a field printed
    or read with a space inside), other characters dropped."""
    tokens: list[str] = []
    for piece in re.findall(rf"[{TRANSIT}{ON_US}]|[^{TRANSIT}{ON_US}]+", text):
        if piece in (TRANSIT, ON_US):
            tokens.append(piece)
        else:
            tokens += [" ".join(re.findall(r"\d+", piece))] if re.search(r"\d", piece) else []
    return tokens


def parse_delimited(line: Line) -> MicrLine | None:
    """The numbers of a MICR line whose symbols were read as TRANSIT / ON_US: the routing number
    between two transit symbols (or beside one, when the other was lost), the account number up to
    the on-us symbol after it, the check number in the remaining field. None without such a
    routing number."""
    tokens = _micr_tokens(line.text)
    found: list[tuple[bool, int]] = []
    for i, token in enumerate(tokens):
        number = token.replace(" ", "")
        if token in (TRANSIT, ON_US) or len(number) != 9 or not is_valid_aba(number):
            continue
        sides = (tokens[i - 1] if i > 0 else None, tokens[i + 1] if i + 1 < len(tokens) else None)
        if TRANSIT in sides:
            found.append((sides[0] == sides[1] == TRANSIT, i))
    if not found:
        return None
    both, i = max(found, key=lambda f: (f[0], -f[1]))  # between two symbols first, then leftmost
    after = tokens[i + 1] if i + 1 < len(tokens) else None
    rest = tokens[i + 2 :] if after == TRANSIT else tokens[i + 1 :]
    account, bounded = _account_field(rest)
    check_number = _check_number(tokens[: max(i - 1, 0)], rest, account)
    routing = tokens[i].replace(" ", "")
    return MicrLine(routing, account, check_number, line.words, line.page,
                    delimited=both, account_delimited=bounded)


def _account_field(rest: list[str]) -> tuple[str | None, bool]:
    """The account number from the tokens after the routing field, and whether an on-us symbol
    ends it (without one, only the first run is taken: a check number may follow a space)."""
    if not rest or rest[0] in (TRANSIT, ON_US):
        return None, False
    if len(rest) > 1 and rest[1] == ON_US:
        return rest[0].replace(" ", ""), True
    first = rest[0].split()[0]
    return (first if len(first) >= 4 else None), False


def _check_number(head: list[str], rest: list[str], account: str | None) -> str | None:
    numbers = [t.replace(" ", "") for t in head if t not in (TRANSIT, ON_US)]
    numbers += [t.replace(" ", "") for t in rest if t not in (TRANSIT, ON_US)]
    numbers = [n for n in numbers if n != account]
    return numbers[0] if numbers else None


def parse_micr(line: Line) -> MicrLine | None:
    """The routing/account/check numbers of one line, if it holds a routing number.

    A line whose symbols were read is parsed by its structure (`parse_delimited`). Otherwise a run
    of exactly nine digits passing the ABA checksum is the routing number; failing that, a
    nine-digit window of a longer run (a transit symbol read as a digit) is taken, as less certain."""
    if TRANSIT in line.text or ON_US in line.text:
        delimited = parse_delimited(line)
        if delimited is not None:
            return delimited
    runs = _runs(line.text)
    found = next(((i, run, True) for i, run in enumerate(runs) if len(run) == 9 and is_valid_aba(run)), None)
    if found is None:
        found = next(
            ((i, w, False) for i, run in enumerate(runs) for w in _windows(run) if is_valid_aba(w)), None
        )
    if found is None:
        return None
    index, routing, exact = found
    after = [r for r in runs[index + 1 :] if len(r) >= 4]
    before = [r for r in runs[:index] if len(r) >= 3]
    account = max(after, key=len) if after else None
    if account is not None and len(after) > 1 and len(after[0]) >= 6:
        account = after[0]
    check_number = next((r for r in after if r != account and len(r) <= 6), None) or (
        before[0] if before else None
    )
    return MicrLine(routing, account, check_number, line.words, line.page, exact)


def _windows(run: str) -> list[str]:
    return [run[i : i + 9] for i in range(len(run) - 8)][::-1] if len(run) > 9 else []


def micr_like(lines: Sequence[Line]) -> bool:
    """Whether the lower part of a page holds what OCR makes of a MICR line: a long digit run with
    at least a dozen digits on the line, even when no routing number in it passes the checksum."""
    for line in lines:
        if line.y0 < 0.45:
            continue
        runs = _runs(line.text)
        if any(len(r) >= 8 for r in runs) and sum(len(r) for r in runs) >= 12 and len(line.words) <= 8:
            return True
    return False


def find_micr(lines: Sequence[Line]) -> MicrLine | None:
    """The lowest line of the document that holds a valid routing number."""
    for line in sorted(lines, key=lambda ln: (-ln.page, -ln.y1)):
        found = parse_micr(line)
        if found is not None:
            return found
    return None


def _labelled_number(lines: Sequence[Line], labels: Sequence[str]) -> tuple[str, Line] | None:
    wanted = {tuple(norm_token(t) for t in label.split()) for label in labels}
    for line in lines:
        tokens = [norm_token(w.text) for w in line.words]
        for size in (3, 2, 1):
            for i in range(len(tokens) - size + 1):
                if tuple(tokens[i : i + size]) in wanted:
                    rest = digits(" ".join(w.text for w in line.words[i + size : i + size + 3]))
                    if len(rest) >= 4:
                        return rest, line
    return None


def _bank_name(lines: Sequence[Line]) -> Field | None:
    for line in lines:
        for start, end in segments(line):
            words = line.words[start:end]
            text = " ".join(w.text for w in words)
            lowered = text.lower()
            if any(w in lowered for w in BANK_WORDS) and "pay to" not in lowered and "order" not in lowered:
                keep = [w for w in words if not re.search(r"\d", w.text)]
                if keep:
                    return field_from_words(
                        " ".join(w.text for w in keep).strip(" .,"), keep, page=line.page, label=None, fit=0.8
                    )
    return None


def extract_check(document: DocumentText) -> VoidedCheck:
    """Read a voided check (photo, scan or PDF)."""
    lines = document_lines(document)
    fields: dict[str, Field] = {}
    bank = _bank_name(lines)
    if bank:
        fields["bank_name"] = bank
    micr = find_micr(lines)
    labelled_routing = _labelled_number(lines, _ROUTING_LABELS)
    labelled_account = _labelled_number(lines, _ACCOUNT_LABELS)
    if labelled_routing and len(labelled_routing[0]) == 9:
        number, line = labelled_routing
        ok = is_valid_aba(number)
        fields["routing_number"] = field_from_words(
            number, line.words, page=line.page, label="Routing Number", fit=1.0 if ok else 0.5, valid=ok
        )
    elif micr:
        # the checksum and the symbols, not the reader's confidence in E-13B glyphs, are the evidence
        confidence = MICR_EXACT_CONFIDENCE if micr.exact else MICR_WINDOW_CONFIDENCE
        fields["routing_number"] = replace(
            field_from_words(micr.routing, micr.words, page=micr.page,
                             label=MICR_FIELDS_LABEL if micr.delimited else UNDELIMITED_MICR),
            confidence=MICR_FIELDS_CONFIDENCE if micr.delimited else confidence,
        )
    if labelled_account:
        number, line = labelled_account
        fields["account_number"] = field_from_words(
            number, line.words, page=line.page, label="Account Number"
        )
    elif micr and micr.account and micr.account_delimited:
        fields["account_number"] = replace(
            field_from_words(micr.account, micr.words, page=micr.page, label=MICR_FIELDS_LABEL),
            confidence=MICR_ACCOUNT_CONFIDENCE,
        )
    elif micr and micr.account:
        fields["account_number"] = field_from_words(
            micr.account, micr.words, page=micr.page, label=UNDELIMITED_MICR, fit=0.85
        )
    return VoidedCheck(fields, micr is not None)
