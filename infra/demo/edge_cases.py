"""Attachments a funder must survive: broken, locked, empty, mislabelled, oversized or beside the point.

Each function returns file bytes; none of them is a valid document of the kind its name suggests,
except `owner_locked` (encrypted, but opens with the empty user password) and the irrelevant extras.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import struct
import zlib
from decimal import Decimal

import pypdfium2 as pdfium
from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, ByteStringObject

from infra.demo.image_kit import add_noise, encode, font
from infra.demo.pdf_kit import fmt_money, new_canvas
from infra.demo.scan import image_pdf


class _SeededWriter(PdfWriter):
    """A PdfWriter whose file identifier comes from the demo seed, so encrypted output is reproducible."""

    def __init__(self, file_id: bytes, clone_from: PdfReader) -> None:
        super().__init__(clone_from=clone_from)
        self._file_id = file_id

    def generate_file_identifiers(self) -> None:
        ident = ByteStringObject(self._file_id)
        self._ID = ArrayObject((ident, ident))


def truncated(pdf: bytes, rng: random.Random) -> bytes:
    """The first part of a PDF, as an interrupted upload leaves it, cut short enough that PDFium cannot
    rebuild it (a cut just before the trailer would still open)."""
    cut = rng.uniform(0.35, 0.75)
    for _ in range(20):
        data = pdf[: int(len(pdf) * cut)]
        try:
            pdfium.PdfDocument(data).close()
        except pdfium.PdfiumError:
            return data
        cut *= 0.7
    return pdf[:64]


def encrypt(pdf: bytes, rng: random.Random, user_password: str, owner_password: str) -> bytes:
    """`pdf` encrypted (RC4-128, whose only randomness is the file id, taken from `rng`)."""
    writer = _SeededWriter(rng.randbytes(16), clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def password_locked(pdf: bytes, rng: random.Random) -> bytes:
    """Needs a user password nobody sent."""
    secret = "".join(rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(10))
    return encrypt(pdf, rng, secret, secret + "!")


def owner_locked(pdf: bytes, rng: random.Random) -> bytes:
    """Restricted by an owner password only: opens (and reads) with the empty user password."""
    return encrypt(pdf, rng, "", "owner-" + str(rng.randrange(10**6)))


def html_page(bank_name: str) -> bytes:
    """An online-banking page saved under a .pdf name."""
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{bank_name} Online Banking</title>'
        '</head>\n<body><div class="banner">Your session has expired</div>\n<p>For your security you '
        "have been signed out. Please sign in again to view or download your statements.</p>\n"
        '<form action="/login" method="post"><input name="user"><input type="password" '
        'name="pw"><button>Sign in</button></form></body></html>\n'
    ).encode()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def bomb_png(rng: random.Random) -> bytes:
    """A PNG that declares tens of thousands of pixels a side but carries a few kilobytes of data."""
    side = rng.randint(40000, 65000)
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" + b"\xff" * 2048, 9) * 4
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", rows) + _chunk(b"IEND", b"")


def invoice_pdf(rng: random.Random, customer: str, day: dt.date) -> bytes:
    """A supplier's invoice to the merchant: a real document, but not one the funder asked for."""
    buf = io.BytesIO()
    c = new_canvas(buf, title="Invoice", creator="Invoicing")
    vendor = rng.choice(
        (
            "Tri-County Restaurant Supply",
            "Allied Parts & Service",
            "Metro Office Solutions",
            "Greenway Packaging Co.",
        )
    )
    c.setFont("Helvetica-Bold", 18)
    c.drawString(50, 730, vendor)
    c.setFont("Helvetica-Bold", 24)
    c.drawRightString(560, 730, "INVOICE")
    c.setFont("Helvetica", 10)
    number = rng.randint(10000, 99999)
    c.drawRightString(560, 708, f"Invoice #{number}   Date {day:%m/%d/%Y}")
    c.drawString(50, 680, f"Bill to: {customer}")
    y, total = 630, Decimal(0)
    c.setFont("Helvetica-Bold", 10)
    for x, head in ((50, "Item"), (330, "Qty"), (400, "Unit price"), (560, "Amount")):
        (c.drawRightString if x == 560 else c.drawString)(x, y, head)
    c.setFont("Helvetica", 10)
    for _ in range(rng.randint(3, 8)):
        y -= 18
        qty, price = rng.randint(1, 40), Decimal(rng.randint(300, 25000)) / 100
        total += qty * price
        c.drawString(
            50,
            y,
            rng.choice(
                (
                    "Cases, assorted",
                    "Service call",
                    "Replacement part",
                    "Supplies",
                    "Labor (hours)",
                    "Delivery",
                )
            ),
        )
        c.drawString(330, y, str(qty))
        c.drawString(400, y, fmt_money(price))
        c.drawRightString(560, y, fmt_money(qty * price))
    c.setFont("Helvetica-Bold", 11)
    c.drawRightString(560, y - 30, f"Total due: {fmt_money(total, 'dollar')}")
    c.showPage()
    c.save()
    return buf.getvalue()


def blank_scan(rng: random.Random) -> bytes:
    """The blank page a feeder scanner adds: an image-only PDF of paper grain."""
    page = Image.new("L", (1275, 1650), rng.randint(238, 252))
    return image_pdf([add_noise(page, rng, 3)], 150, 60, title="Scan")


def long_terms_pdf(rng: random.Random, pages: int = 300) -> bytes:
    """A very long, irrelevant document (a program guide or terms booklet) of `pages` text pages."""
    buf = io.BytesIO()
    c = new_canvas(buf, title="Program Terms and Conditions", creator="Publishing")
    words = (
        "agreement",
        "party",
        "shall",
        "terms",
        "notice",
        "provided",
        "merchant",
        "program",
        "fees",
        "section",
        "applicable",
        "service",
        "obligation",
        "schedule",
        "herein",
        "account",
    )
    for p in range(1, pages + 1):
        c.setFont("Helvetica-Bold", 11)
        c.drawString(60, 740, f"Section {p}. General Provisions")
        c.setFont("Helvetica", 9)
        for line in range(52):
            c.drawString(60, 715 - line * 12.5, " ".join(rng.choice(words) for _ in range(14)))
        c.drawCentredString(306, 30, f"- {p} -")
        c.showPage()
    c.save()
    return buf.getvalue()


def id_card_photo(rng: random.Random, name: str, address: str, birth: dt.date) -> tuple[bytes, float]:
    """A driver-licence-like card photographed on a table (JPEG) and its skew; an `other` document."""
    card = Image.new("RGB", (1012, 638), (214, 226, 236))
    d = ImageDraw.Draw(card)
    d.rectangle((0, 0, 1012, 90), fill=(40, 70, 120))
    d.text(
        (30, 22),
        rng.choice(("STATE OF ISSUE", "DRIVER LICENSE", "IDENTIFICATION CARD")),
        font=font(40, True),
        fill=(255, 255, 255),
    )
    d.rectangle((30, 120, 300, 460), fill=(150, 160, 170))
    for i, (label, value) in enumerate(
        (
            ("DL", str(rng.randrange(10**8, 10**9))),
            ("NAME", name.upper()),
            ("ADDRESS", address.upper()[:34]),
            ("DOB", f"{birth:%m/%d/%Y}"),
            ("EXP", f"{rng.randint(1, 12):02d}/{rng.randint(2026, 2031)}"),
        )
    ):
        d.text((330, 120 + i * 70), label, font=font(18), fill=(90, 30, 30))
        d.text((330, 142 + i * 70), value, font=font(28, True), fill=(20, 20, 20))
    skew = round(rng.uniform(-10, 10), 1)
    photo = Image.new("RGB", (1400, 1000), (95, 80, 65))
    photo.paste(card.rotate(skew, expand=True, fillcolor=(95, 80, 65)), (120, 120))
    return encode(add_noise(photo, rng, 5), "JPEG", rng.randint(70, 88)), skew
