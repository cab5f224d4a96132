"""Transaction table layout: header lines naming the columns (labels.json "statement.columns"),
their x-spans, and section headings that give a table's rows their side (credits / debits)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from streams.stages.extract.labels import label_data
from streams.stages.extract.lines import LabelHit, Line, Vocabulary, find_labels, norm_token
from streams.stages.text import Word

MONEY_COLUMNS = ("amount", "credit", "debit", "balance")


@dataclass(frozen=True)
class Columns:
    """A transaction table's money columns: x-span by kind, and the side its section gives its rows."""

    spans: dict[str, tuple[float, float]]
    sign: int  # +1 / -1 for a section of only credits / debits, 0 when the rows say it


@cache
def _column_vocabulary() -> Vocabulary:
    return Vocabulary.build(label_data()["statement"]["columns"])


@cache
def _section_phrases() -> dict[tuple[str, ...], str]:
    data = label_data()["statement"]
    phrases: dict[tuple[str, ...], str] = {}
    for kind, key in (
        ("credit", "credit_sections"),
        ("debit", "debit_sections"),
        ("balance", "balance_sections"),
    ):
        for phrase in data[key]:
            phrases.setdefault(tuple(t for t in (norm_token(w) for w in phrase.split()) if t), kind)
    return phrases


def section_kind(line: Line) -> str | None:
    """'credit', 'debit' or 'balance' for a section heading line ("Deposits and other additions",
    "Checks paid", "Daily ending balance"), else None. Headings hold no digits."""
    return line.memo("section_kind", lambda: _section_kind(line))


def _section_kind(line: Line) -> str | None:
    if any(map(str.isdigit, line.text)):
        return None
    tokens = [t for t in (norm_token(w.text) for w in line.words) if t]
    phrases = _section_phrases()
    for size in range(min(len(tokens), 6), 0, -1):
        kind = phrases.get(tuple(tokens[:size]))
        if kind is not None:
            return kind
    return None


def _section_sign(lines: Sequence[Line], index: int) -> int:
    """+1 or -1 when one of the two lines above a header names a deposits or withdrawals section."""
    for back in (1, 2):
        if index - back < 0 or lines[index - back].page != lines[index].page:
            break
        kind = section_kind(lines[index - back])
        if kind in ("credit", "debit"):
            return 1 if kind == "credit" else -1
    return 0


def column_hits(lines: Sequence[Line], index: int) -> list[LabelHit]:
    line = lines[index]
    vocabulary = _column_vocabulary()
    if not line.memo("column_words", lambda: _names_a_column(line, vocabulary)):
        return []
    return find_labels(line, index, vocabulary)


def _names_a_column(line: Line, vocabulary: Vocabulary) -> bool:
    """Whether one of the line's first three words may start a column name (a header's first is)."""
    return any(vocabulary.candidates(norm_token(w.text)) for w in line.words[:3])


def header_columns(lines: Sequence[Line], index: int, hits: list[LabelHit] | None = None) -> Columns | None:
    """Column spans of a transaction header line, or None when the line is not one."""
    line = lines[index]
    hits = column_hits(lines, index) if hits is None else hits
    kinds = {h.key for h in hits}
    if "date" not in kinds or not kinds & {"amount", "credit", "debit"}:
        return None
    spans: dict[str, tuple[float, float]] = {}
    for hit in hits:
        words = line.words[hit.start : hit.end]
        spans.setdefault(hit.key, (words[0].box.x0, words[-1].box.x1))
    return Columns(spans, _section_sign(lines, index))


def carry_over(previous: Columns | None, found: Columns) -> Columns:
    """A header repeated on a later page, partly misread, keeps the columns it lost from the last
    header whose date column sits at the same place (same table, same layout)."""
    if previous is None or "date" not in previous.spans or "date" not in found.spans:
        return found
    if abs(previous.spans["date"][0] - found.spans["date"][0]) > 0.02:
        return found
    spans = dict(previous.spans)
    spans.update(found.spans)
    return Columns(spans, found.sign)


def is_other_header(hits: list[LabelHit]) -> bool:
    """A header of some other table (e.g. a daily balance list: date and balance only)."""
    kinds = {h.key for h in hits}
    return "date" in kinds and len(kinds) >= 2


def nearest_column(word: Word, columns: Columns) -> str | None:
    best, best_distance = None, float("inf")
    centre = (word.box.x0 + word.box.x1) / 2
    for kind in MONEY_COLUMNS:
        if kind not in columns.spans:
            continue
        x0, x1 = columns.spans[kind]
        distance = min(abs(word.box.x1 - x1), abs(centre - (x0 + x1) / 2))
        if distance < best_distance:
            best, best_distance = kind, distance
    flows = {"credit", "debit"} & set(columns.spans)
    if best_distance > 0.05 and len(flows) == 1 and best != "balance":
        # a money column whose header OCR lost: the other side of the one it kept
        return "debit" if "credit" in flows else "credit"
    return best
