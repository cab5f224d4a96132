"""AcroForm values laid out as words where their widgets are, so a fillable form reads like a filled
one: each value spread over its widget's box, a line of its own after the page's printed words."""

from __future__ import annotations

from streams.stages.forms import FieldWidget
from streams.stages.text import Box, Word
from streams.stages.textlayer import Rect, to_fraction


def widget_words(
    widgets: tuple[FieldWidget, ...], crop: Rect, rotation: int, words: tuple[Word, ...]
) -> tuple[Word, ...]:
    """Form values (from `widgets`) as words spread over each widget's box, each widget a line of its
    own after the page's `words`; a ticked box becomes a ballot-box mark."""
    line = max((w.line for w in words), default=-1) + 1
    block = max((w.block for w in words), default=-1) + 1
    placed: list[Word] = []
    for widget in widgets:
        tokens = widget.display_text.split()
        if not tokens:
            continue
        left, bottom, right, top = widget.rect
        x0, y0 = to_fraction(left, top, crop, rotation)
        x1, y1 = to_fraction(right, bottom, crop, rotation)
        x0, x1, y0, y1 = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
        total = sum(len(t) for t in tokens) + len(tokens) - 1
        offset = 0
        for token in tokens:
            start, end = offset / total, (offset + len(token)) / total
            box = Box(x0 + (x1 - x0) * start, y0, x0 + (x1 - x0) * end, y1)
            placed.append(Word(token, box, 1.0, line, block))
            offset += len(token) + 1
        line += 1
    return tuple(placed)
