"""Voided checks -> bank name, routing number (ABA checksum) and account number.

The MICR line at the bottom of a check prints, between its symbols, the routing number (9
digits, transit symbols around it), the account number (on-us symbol after it) and the check
number. OCR reads the symbols as stray characters ("|5", "[2", '1"'), so the parser looks for a
9-digit run that passes the ABA checksum and takes the next long digit run as the account. A
printed "Routing Number" / "Account Number" label, as on specimen checks, wins over the MICR line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from streams.stages.extract.fields import Field, field_from_words
from streams.stages.extract.lines import Line, document_lines, norm_token, segments
from streams.stages.extract.validators import digits, is_valid_aba
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


@dataclass(frozen=True)
class VoidedCheck:
    """bank_name, routing_number and account_number as Fields (any may be missing)."""

    fields: Mapping[str, Field]
    micr_found: bool


def _runs(text: str) -> list[str]:
    """Digit runs of a MICR line, with the on-us symbol's '1"' / 'll' tail dropped."""
    cleaned = re.sub(r'[1lI]["”]', '"', text)
    return re.findall(r"\d+", cleaned)


def parse_micr(line: Line) -> MicrLine | None:
    """The routing/account/check numbers of one line, if it holds a routing number.

    A run of exactly nine digits passing the ABA checksum is the routing number; failing that, a
    nine-digit window of a longer run (a transit symbol read as a digit) is taken, as less certain."""
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
        # the checksum, not the reader's confidence in E-13B glyphs, is the evidence here
        fields["routing_number"] = replace(
            field_from_words(micr.routing, micr.words, page=micr.page, label="MICR"),
            confidence=MICR_EXACT_CONFIDENCE if micr.exact else MICR_WINDOW_CONFIDENCE,
        )
    if labelled_account:
        number, line = labelled_account
        fields["account_number"] = field_from_words(
            number, line.words, page=line.page, label="Account Number"
        )
    elif micr and micr.account:
        fields["account_number"] = field_from_words(
            micr.account, micr.words, page=micr.page, label="MICR", fit=0.85
        )
    return VoidedCheck(fields, micr is not None)
