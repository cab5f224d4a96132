"""How a broker wraps the documents: attached directly, zipped, or inside a forwarded message."""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass

from PIL import Image, ImageDraw

from infra.demo.documents import Doc
from infra.demo.email_compose import Attachment, MessageSpec, message_id, zip_bytes
from infra.demo.image_kit import encode, font

FUNDER_INBOX = (
    "submissions@mca.localhost",
    "Submissions <submissions@mca.localhost>",
    "MCA Underwriting <submissions@mca.localhost>",
    "New Deals <submissions@mca.localhost>",
)


@dataclass(frozen=True)
class Package:
    """Top-level attachments, an optional forwarded message holding the documents, and notes on both."""

    attachments: tuple[Attachment, ...]
    forwarded: MessageSpec | None
    ordered_docs: tuple[Doc, ...]  # documents in the order a MIME walk meets them
    notes: tuple[str, ...]


def logo_png(company: str, rng: random.Random) -> bytes:
    """A small company logo for the HTML signature."""
    img = Image.new("RGB", (360, 90), (255, 255, 255))
    d = ImageDraw.Draw(img)
    colour = rng.choice(((20, 60, 130), (150, 30, 40), (20, 110, 80), (60, 60, 60)))
    d.rectangle((0, 0, 90, 90), fill=colour)
    d.text(
        (18, 24), "".join(w[0] for w in company.split()[:2]), font=font(38, bold=True), fill=(255, 255, 255)
    )
    d.text((104, 30), company, font=font(22, bold=True), fill=colour)
    return encode(img, "PNG")


def attachment(doc: Doc) -> Attachment:
    """The document as an email attachment."""
    return Attachment(doc.filename, doc.data, doc.content_type)


def package(
    rng: random.Random,
    docs: list[Doc],
    *,
    trade: str,
    rep_email: str,
    merchant_email: str,
    merchant_contact: str,
    when: dt.datetime,
    zip_chance: float = 0.15,
    forward_chance: float = 0.12,
) -> Package:
    """Wrap `docs`: sometimes some or all in a zip, sometimes everything inside a forwarded message."""
    if not docs:
        return Package((), None, (), ())
    notes: list[str] = []
    items: list[Attachment | Doc] = list(docs)
    ordered: list[Doc] = list(docs)
    if len(docs) > 1 and rng.random() < zip_chance:
        pdf_only = rng.random() < 0.6
        chosen = [i for i, d in enumerate(docs) if not pdf_only or d.filename.lower().endswith(".pdf")]
        if chosen:
            members = [docs[i] for i in chosen]
            zip_name = rng.choice(
                (
                    f"{re.sub(r'[^A-Za-z0-9]+', '_', trade)}_docs.zip",
                    "statements.zip",
                    "Submission.zip",
                    f"{trade}.zip",
                )
            )
            archive = Attachment(
                zip_name,
                zip_bytes([attachment(d) for d in members], when),
                rng.choice(("application/zip", "application/x-zip-compressed", "application/octet-stream")),
            )
            first = chosen[0]  # every document before the first member stays outside the zip
            rest = [d for i, d in enumerate(docs) if i not in chosen]
            items = [*rest[:first], archive, *rest[first:]]
            ordered = [*rest[:first], *members, *rest[first:]]
            notes.append(
                f"{len(members)} documents are inside the zip attachment {zip_name}; the truth lists them "
                "by member name."
            )
    attachments = tuple(i if isinstance(i, Attachment) else attachment(i) for i in items)
    if rng.random() < forward_chance:
        inner = MessageSpec(
            sender_name=merchant_contact,
            sender=merchant_email,
            to=rep_email,
            subject=rng.choice(
                ("documents", f"{trade} paperwork", "Re: what you need", "Statements and app")
            ),
            date=when - dt.timedelta(hours=rng.randint(2, 60)),
            message_id=message_id(rng, merchant_email.split("@")[1], merchant_email.split("@")[0]),
            text=rng.choice(
                (
                    "Here is everything you asked for.\n",
                    "Attached. Let me know if you need more.\n",
                    "Sent from my phone\n",
                )
            ),
            attachments=attachments,
        )
        notes.append("Forwarded as an attachment: the documents are inside a message/rfc822 part.")
        return Package((), inner, tuple(ordered), tuple(notes))
    return Package(attachments, None, tuple(ordered), tuple(notes))
