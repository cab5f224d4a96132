"""Builds synthetic DocumentText in code, so extraction tests need no sample files.

A row is a string of cells separated by " | "; cell i starts at COLUMNS[i] unless it begins with
"@0.42 " (an explicit x position). Words get boxes from a fixed character width and line height,
so a space between words is a normal gap and the jump between cells a wide one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from streams.stages.text import Box, DocumentText, PageText, Word

CHAR_WIDTH = 0.0085
LINE_HEIGHT = 0.0126
ROW_STEP = 0.02
COLUMNS = (0.07, 0.38, 0.64, 0.77, 0.88)


def _cells(row: str, columns: Sequence[float]) -> list[tuple[float, str]]:
    cells = []
    for index, cell in enumerate(row.split(" | ")):
        cell = cell.strip()
        if cell.startswith("@"):
            position, _, cell = cell[1:].partition(" ")
            cells.append((float(position), cell))
        else:
            cells.append((columns[min(index, len(columns) - 1)], cell))
    return cells


def page_factory(
    rows: Iterable[str],
    *,
    page_number: int = 1,
    confidence: float = 1.0,
    columns: Sequence[float] = COLUMNS,
    top: float = 0.05,
    source: str = "text_layer",
) -> PageText:
    """A page whose rows are laid out top to bottom, ROW_STEP apart."""
    words: list[Word] = []
    for line_number, row in enumerate(rows):
        y0 = top + line_number * ROW_STEP
        for x, cell in _cells(row, columns):
            cursor = x
            for text in cell.split():
                width = CHAR_WIDTH * len(text)
                words.append(
                    Word(text, Box(cursor, y0, cursor + width, y0 + LINE_HEIGHT), confidence, line_number)
                )
                cursor += width + CHAR_WIDTH
    return PageText(page_number, 612.0, 792.0, tuple(words), source)  # type: ignore[arg-type]


def document_factory(*pages: Iterable[str], confidence: float = 1.0, **kwargs) -> DocumentText:
    """A document of one or more pages given as lists of rows."""
    return DocumentText(
        tuple(
            page_factory(rows, page_number=i + 1, confidence=confidence, **kwargs)
            for i, rows in enumerate(pages)
        )
    )
