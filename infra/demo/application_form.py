"""The fillable ISO application: an AcroForm whose values live only in its form fields.

The page content holds labels alone; each value is a text field (named after its label, or an
opaque `TextN` the way many form designers leave them), so a reader must open the fields to see it.
"""

from __future__ import annotations

import io
import random
import re

from reportlab.lib.colors import Color, white
from reportlab.pdfgen.canvas import Canvas

from infra.demo.application_content import ApplicationContent
from infra.demo.pdf_kit import Pager, new_canvas

LEFT, RIGHT = 40.0, 572.0
FIELD_BG = Color(0.9, 0.93, 1.0)


def field_name(label: str, suffix: str) -> str:
    """A form field name from a label: `Legal/Corporate Name` -> `LegalCorporateName`."""
    return "".join(w.capitalize() for w in re.findall(r"[A-Za-z0-9]+", label)) + suffix


def render_fillable(content: ApplicationContent, rng: random.Random) -> tuple[bytes, int]:
    """The application as a fillable PDF (values only in AcroForm fields) and its page count."""
    opaque = rng.random() < 0.3
    buf = io.BytesIO()
    c = new_canvas(
        buf, title=content.title.title(), author=content.iso_company, creator="Fillable Form Builder"
    )

    def header(canvas: Canvas, page: int) -> float:
        canvas.setFont("Helvetica-Bold", 13 if page == 1 else 9)
        canvas.drawString(LEFT, 752, content.title if page == 1 else content.iso_company)
        canvas.setFont("Helvetica", 8)
        canvas.drawRightString(RIGHT, 752, f"{content.iso_company} | Rep: {content.iso_rep}")
        return 720

    def footer(canvas: Canvas, page: int) -> None:
        canvas.setFont("Helvetica", 7)
        canvas.drawRightString(RIGHT, 36, f"Page {page}")

    pager = Pager(c, header, footer)
    used: set[str] = set()
    counter = 0
    half = (RIGHT - LEFT) / 2
    for n, section in enumerate((content.business, content.funding, *content.owners)):
        pager.ensure(50)
        c.setFont("Helvetica-Bold", 10)
        c.drawString(LEFT, pager.y, section.title)
        c.line(LEFT, pager.y - 3, RIGHT, pager.y - 3)
        pager.y -= 22
        column = 0
        for f in section.fields:
            wide = f.span >= 2
            if wide and column == 1:
                pager.y -= 28
                column = 0
            if column == 0:
                pager.ensure(24)
            x = LEFT + column * half
            width = (RIGHT - LEFT if wide else half) - 8
            c.setFont("Helvetica", 7.5)
            c.drawString(x, pager.y + 12, f.label)
            counter += 1
            name = f"Text{counter}" if opaque else field_name(f.label, f"_{n}" if n > 1 else "")
            while name in used:
                name += "_"
            used.add(name)
            c.acroForm.textfield(
                name=name,
                tooltip=f.label,
                value=f.value,
                x=x,
                y=pager.y - 6,
                width=width,
                height=15,
                fontName="Helvetica",
                fontSize=9,
                borderWidth=0.5,
                fillColor=FIELD_BG,
                borderColor=Color(0.4, 0.4, 0.5),
                textColor=Color(0, 0, 0),
            )
            if wide or column == 1:
                pager.y -= 28
                column = 0
            else:
                column = 1
        if column == 1:
            pager.y -= 28
        pager.y -= 6
    pager.ensure(60)
    c.setFont("Helvetica", 7.5)
    c.drawString(LEFT, pager.y, "Applicant signature")
    c.acroForm.textfield(
        name="Signature" if not opaque else f"Text{counter + 1}",
        value="",
        x=LEFT,
        y=pager.y - 22,
        width=240,
        height=18,
        borderWidth=0.5,
        fillColor=white,
    )
    c.drawString(LEFT + 300, pager.y, "Date")
    c.acroForm.textfield(
        name="SignDate" if not opaque else f"Text{counter + 2}",
        value=content.signed_on,
        x=LEFT + 300,
        y=pager.y - 22,
        width=120,
        height=18,
        borderWidth=0.5,
        fillColor=white,
        fontName="Helvetica",
        fontSize=9,
    )
    pages = pager.finish()
    c.save()
    return buf.getvalue(), pages
