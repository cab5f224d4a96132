"""Rows of values under rows of labels: a word there that happens to be a label is a value.

Forms that print each label above its box (fillable forms, boxed forms) give a row of labels,
then the row of their values. When a value starts with a word of the `ignore` vocabulary
("Seasonal inventory" under "Purpose of Funds": "Seasonal" is a yes/no question on other forms),
it must not be read as a label, or the value above it is lost. A real label in that row keeps
its place when it is a field label or ends with a colon.
"""

from __future__ import annotations

from collections.abc import Mapping

from streams.stages.extract.lines import LabelHit, Line, has_content

COLUMN_SLACK = 0.01  # page widths a value may start left of its label (a box's inner margin)


def label_row(line: Line, hits: list[LabelHit]) -> bool:
    """Whether every word of `line` with content belongs to one of its labels (no value beside them)."""
    covered = {i for hit in hits for i in range(hit.start, hit.end)}
    return all(i in covered for i, word in enumerate(line.words) if has_content(word.text))


def drop_ignored_in_value_rows(
    lines: list[Line], hits_by_line: Mapping[int, list[LabelHit]]
) -> dict[int, list[LabelHit]]:
    """`hits_by_line` without the `ignore` labels (no colon) that start in the column of a field
    label on the line right above, when that line is a row of labels only."""
    kept: dict[int, list[LabelHit]] = {}
    for index, hits in hits_by_line.items():
        above = hits_by_line.get(index - 1)
        if above and lines[index - 1].page == lines[index].page and label_row(lines[index - 1], above):
            columns = _columns(lines[index - 1], above)
            hits = [h for h in hits if not _value_word(lines[index], h, columns)]
        if hits:
            kept[index] = hits
    return kept


def _columns(line: Line, hits: list[LabelHit]) -> list[tuple[float, float]]:
    """The [left, right) page spans of the field labels (not `ignore` ones) of a label row."""
    spans = []
    for n, hit in enumerate(hits):
        right = line.words[hits[n + 1].start].box.x0 if n + 1 < len(hits) else 1.0
        if hit.key != "ignore":
            spans.append((line.words[hit.start].box.x0 - COLUMN_SLACK, right))
    return spans


def _value_word(line: Line, hit: LabelHit, columns: list[tuple[float, float]]) -> bool:
    if hit.key != "ignore" or any(w.text.endswith(":") for w in line.words[hit.start : hit.end]):
        return False
    x0 = line.words[hit.start].box.x0
    return any(left <= x0 < right for left, right in columns)
