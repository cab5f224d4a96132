"""ISO application forms as text PDFs, in three layouts of the project's own.

- `boxed`: each value in a ruled box with its label in the corner; entity type sometimes as tick boxes;
- `twocol`: "Label: value" lines over rules, two columns per section;
- `grid`: a table of shaded label cells beside value cells.

With `by_hand` the values are drawn slanted, in ink blue and slightly off the baseline, the way a
merchant fills a printed form before it is scanned.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable

from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from infra.demo.application_content import ENTITY_OPTIONS, ENTITY_WORDS, ApplicationContent, Field, Section
from infra.demo.pdf_kit import Pager, fit, new_canvas, two_pass

LAYOUTS = ("boxed", "twocol", "grid")
LEFT, RIGHT = 40.0, 572.0


class Ink:
    """Draws values: typed, or hand-filled (slant, blue, jitter from a seeded RNG)."""

    def __init__(self, rng: random.Random, by_hand: bool, typed_font: str) -> None:
        self.rng, self.by_hand, self.typed_font = rng, by_hand, typed_font

    def value(self, c: Canvas, x: float, y: float, text: str, width: float, size: float = 10) -> None:
        font = "Helvetica-Oblique" if self.by_hand else self.typed_font
        size = size + 1.5 if self.by_hand else size
        text = fit(c, text, font, size, width)
        if self.by_hand:
            c.setFillColorRGB(0.08, 0.12, 0.5)
            x += self.rng.uniform(0, 6)
            y += self.rng.uniform(-1.5, 1.5)
        c.setFont(font, size)
        c.drawString(x, y, text)
        c.setFillColorRGB(0, 0, 0)

    def signature(self, c: Canvas, x: float, y: float) -> None:
        c.setStrokeColorRGB(0.08, 0.12, 0.5)
        c.setLineWidth(1.1)
        path = c.beginPath()
        path.moveTo(x, y)
        for i in range(5):
            dx = x + 18 * (i + 1)
            path.curveTo(dx - 12, y + self.rng.uniform(8, 18), dx - 6, y - self.rng.uniform(4, 10), dx, y)
        c.drawPath(path, stroke=1, fill=0)
        c.setLineWidth(1)
        c.setStrokeColorRGB(0, 0, 0)


def render_application(
    content: ApplicationContent, layout: str, rng: random.Random, by_hand: bool = False
) -> tuple[bytes, int]:
    """The application as PDF bytes and its page count (1-2 pages)."""
    body = {"boxed": _boxed, "twocol": _twocol, "grid": _grid}[layout]
    ticks = layout == "boxed" and rng.random() < 0.5
    typed_font = rng.choice(("Courier", "Helvetica", "Times-Roman"))
    seed = rng.randrange(2**32)
    form_code = f"Rev. {rng.randint(1, 12):02d}/{rng.randint(19, 24)}"

    def render(total: int | None) -> tuple[bytes, int]:
        buf = io.BytesIO()
        c = new_canvas(
            buf,
            title=content.title.title(),
            author=content.iso_company,
            creator="Form Designer" if layout != "grid" else "Office Suite PDF Export",
        )
        ink = Ink(random.Random(seed), by_hand, typed_font)
        pager = Pager(c, _header(content), _footer(content, form_code, total))
        for section in (content.business, content.funding, *content.owners):
            _section_title(c, pager, section.title)
            body(c, pager, section, ink, ticks, content)
        _signature(c, pager, content, ink)
        pages = pager.finish()
        c.save()
        return buf.getvalue(), pages

    return two_pass(render)


def _header(content: ApplicationContent) -> Callable[[Canvas, int], float]:
    def header(c: Canvas, page: int) -> float:
        c.setFont("Helvetica-Bold", 9)
        c.drawString(LEFT, 758, content.iso_company.upper())
        c.setFont("Helvetica", 8)
        c.drawRightString(RIGHT, 758, f"ISO Representative: {content.iso_rep}")
        if page > 1:
            c.line(LEFT, 750, RIGHT, 750)
            return 730
        c.setFont("Helvetica-Bold", 15)
        c.drawCentredString(306, 728, content.title)
        return 700

    return header


def _footer(content: ApplicationContent, code: str, total: int | None) -> Callable[[Canvas, int], None]:
    def footer(c: Canvas, page: int) -> None:
        c.setFont("Helvetica", 7)
        c.drawString(LEFT, 36, f"{content.iso_company} - {code}")
        c.drawRightString(RIGHT, 36, f"Page {page} of {total}" if total else f"Page {page}")

    return footer


def _section_title(c: Canvas, pager: Pager, title: str) -> None:
    pager.ensure(60)
    c.setFillColorRGB(0.15, 0.15, 0.15)
    c.rect(LEFT, pager.y - 4, RIGHT - LEFT, 15, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.setFont("Helvetica-Bold", 9.5)
    c.drawString(LEFT + 6, pager.y, title.upper())
    c.setFillColorRGB(0, 0, 0)
    pager.y -= 14


def _rows(fields: tuple[Field, ...], per_row: int = 3) -> list[list[Field]]:
    rows: list[list[Field]] = [[]]
    for f in fields:
        if sum(x.span for x in rows[-1]) + f.span > per_row:
            rows.append([])
        rows[-1].append(f)
    return [r for r in rows if r]


def _ticks(c: Canvas, pager: Pager, field: Field, ink: Ink, content: ApplicationContent) -> None:
    c.setFont("Helvetica", 6.5)
    c.drawString(LEFT + 3, pager.y - 8, field.label.upper())
    x = LEFT + 10
    for option in ENTITY_OPTIONS:
        c.rect(x, pager.y - 24, 8, 8)
        if content.entity_printed in ENTITY_WORDS[option]:
            ink.value(c, x + 1, pager.y - 23, "X", 8, 8)
        c.setFont("Helvetica", 8.5)
        c.drawString(x + 12, pager.y - 23, option)
        x += 24 + c.stringWidth(option, "Helvetica", 8.5)


def _boxed(
    c: Canvas, pager: Pager, section: Section, ink: Ink, ticks: bool, content: ApplicationContent
) -> None:
    unit = (RIGHT - LEFT) / 3
    for row in _rows(section.fields):
        pager.ensure(30)
        if ticks and row[0].key == "entity_type" and len(row) == 1:
            c.rect(LEFT, pager.y - 28, RIGHT - LEFT, 30)
            _ticks(c, pager, row[0], ink, content)
            pager.y -= 30
            continue
        x = LEFT
        for k, f in enumerate(row):
            w = unit * f.span if k < len(row) - 1 else RIGHT - x  # the last box takes the rest of the row
            c.rect(x, pager.y - 28, w, 30)
            c.setFont("Helvetica", 6.5)
            c.drawString(x + 3, pager.y - 6, f.label.upper())
            ink.value(c, x + 6, pager.y - 22, f.value, w - 10)
            x += w
        pager.y -= 30
    pager.y -= 10


def _pairs(fields: tuple[Field, ...]) -> list[list[Field]]:
    """Fields two by two; a wide field (span 3) gets a row of its own."""
    rows: list[list[Field]] = []
    for f in fields:
        if f.span == 3 or not rows or len(rows[-1]) == 2 or rows[-1][0].span == 3:
            rows.append([f])
        else:
            rows[-1].append(f)
    return rows


def _twocol(
    c: Canvas, pager: Pager, section: Section, ink: Ink, ticks: bool, content: ApplicationContent
) -> None:
    pager.y -= 6
    for row in _pairs(section.fields):
        pager.ensure(20)
        width = (RIGHT - LEFT) / (1 if row[0].span == 3 else 2)
        for j, f in enumerate(row):
            x = LEFT + j * width
            c.setFont("Helvetica-Bold", 8.5)
            label = f"{f.label}:"
            c.drawString(x + 4, pager.y - 10, label)
            start = x + 10 + c.stringWidth(label, "Helvetica-Bold", 8.5)
            c.setStrokeColorRGB(0.5, 0.5, 0.5)
            c.line(start, pager.y - 13, x + width - 8, pager.y - 13)
            c.setStrokeColorRGB(0, 0, 0)
            ink.value(c, start + 2, pager.y - 10, f.value, x + width - start - 12, 9.5)
        pager.y -= 20
    pager.y -= 8


def _grid(
    c: Canvas, pager: Pager, section: Section, ink: Ink, ticks: bool, content: ApplicationContent
) -> None:
    label_w = 110.0
    for pair in _pairs(section.fields):
        pager.ensure(18)
        w = (RIGHT - LEFT) / len(pair)
        x = LEFT
        for f in pair:
            c.setFillColorRGB(0.88, 0.9, 0.94)
            c.rect(x, pager.y - 14, label_w, 17, stroke=1, fill=1)
            c.setFillColorRGB(0, 0, 0)
            c.rect(x + label_w, pager.y - 14, w - label_w, 17)
            c.setFont("Helvetica-Bold", 7.5)
            c.drawString(x + 3, pager.y - 8, fit(c, f.label, "Helvetica-Bold", 7.5, label_w - 5))
            ink.value(c, x + label_w + 4, pager.y - 9, f.value, w - label_w - 8, 9)
            x += w
        pager.y -= 17
    pager.y -= 12


def _signature(c: Canvas, pager: Pager, content: ApplicationContent, ink: Ink) -> None:
    lines = simpleSplit(content.consent, "Helvetica", 7.5, RIGHT - LEFT)
    pager.ensure(len(lines) * 9 + 60)
    c.setFont("Helvetica", 7.5)
    for line in lines:
        c.drawString(LEFT, pager.y, line)
        pager.y -= 9
    pager.y -= 30
    ink.signature(c, LEFT + 10, pager.y + 4)
    c.line(LEFT, pager.y, LEFT + 230, pager.y)
    c.line(LEFT + 300, pager.y, LEFT + 420, pager.y)
    ink.value(c, LEFT + 304, pager.y + 4, content.signed_on, 110, 9)
    c.setFont("Helvetica", 7.5)
    c.drawString(LEFT, pager.y - 10, f"Signature - {content.signer}")
    c.drawString(LEFT + 300, pager.y - 10, "Date")
    pager.y -= 20
