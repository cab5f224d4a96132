"""Submissions for the pipeline tests: a merchant's text-layer application and statement (from the
project's demo generator) in emails, plain or spoilt the ways samples/README.md names."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from functools import cache

from infra.demo import documents as D
from infra.demo import edge_cases
from infra.demo.email_compose import Attachment, MessageSpec, compose
from infra.demo.identities import make_broker, new_faker

SENT = dt.datetime(2024, 9, 2, 10, 30, tzinfo=dt.UTC)


@dataclass(frozen=True)
class MerchantFiles:
    """A merchant's application form and one monthly statement (text-layer PDFs) and its EIN."""

    application: bytes
    statement: bytes
    ein: str
    legal_name: str


@cache
def merchant_files(seed: int = 5) -> MerchantFiles:
    """One merchant's documents, the same for the same seed."""
    rng = random.Random(f"pipeline-tests/{seed}")
    fake = new_faker(rng)
    deal = D.make_deal(rng, fake, SENT)
    broker = make_broker(rng, fake, set())
    taken: set[str] = set()
    app = D.application_doc(rng, deal, broker, taken, scanned=False)
    while app.layout_family == "fillable":  # AcroForm-only values: fine, but keep the fixture plain
        app = D.application_doc(rng, deal, broker, taken, scanned=False)
    statement = D.statement_doc(rng, deal, deal.statements[-1], taken, scanned=False)
    merchant = deal.applicant.merchant
    return MerchantFiles(app.data, statement.data, merchant.ein, merchant.legal_name)


@cache
def fillable_application(seed: int = 5) -> bytes:
    """An application whose values live only in its AcroForm fields."""
    rng = random.Random(f"pipeline-tests/fillable/{seed}")
    fake = new_faker(rng)
    deal = D.make_deal(rng, fake, SENT)
    broker = make_broker(rng, fake, set())
    app = D.application_doc(rng, deal, broker, set(), scanned=False)
    while app.layout_family != "fillable":
        app = D.application_doc(rng, deal, broker, set(), scanned=False)
    return app.data


@cache
def scanned_statement(seed: int = 5) -> bytes:
    """A statement printed, scanned and sent as an image-only PDF."""
    rng = random.Random(f"pipeline-tests/scanned/{seed}")
    fake = new_faker(rng)
    deal = D.make_deal(rng, fake, SENT)
    return D.statement_doc(rng, deal, deal.statements[-1], set(), scanned=True).data


def email(
    attachments: list[tuple[str, bytes, str]],
    *,
    sender: str = "deals@first-iso.example",
    message_id: str = "<case-1@first-iso.example>",
    date: dt.datetime = SENT,
    subject: str = "New submission",
    resent: bool = False,
) -> bytes:
    """A submission email with these (filename, bytes, content type) attachments."""
    spec = MessageSpec(
        sender_name="Rep",
        sender=sender,
        to="submissions@funder.example",
        subject=subject,
        date=date,
        message_id=message_id,
        text="Please find the documents attached.",
        attachments=tuple(Attachment(name, data, ctype) for name, data, ctype in attachments),
        headers=(("Resent-From", sender),) if resent else (),
    )
    return compose(spec, random.Random(f"{message_id}/{resent}/{len(attachments)}"))


def application_and_statement(files: MerchantFiles) -> list[tuple[str, bytes, str]]:
    """The two good attachments of a submission."""
    return [
        ("Application.pdf", files.application, "application/pdf"),
        ("Statement.pdf", files.statement, "application/pdf"),
    ]


def spoilt(kind: str, files: MerchantFiles) -> tuple[str, bytes, str]:
    """A third attachment spoilt the way `kind` says (the README's bad or edge kinds)."""
    rng = random.Random(f"spoilt/{kind}")
    if kind == "truncated":
        return "Truncated.pdf", edge_cases.truncated(files.statement, rng), "application/pdf"
    if kind == "password_protected":
        return "Locked.pdf", edge_cases.password_locked(files.statement, rng), "application/pdf"
    if kind == "owner_password_only":
        return "Restricted.pdf", edge_cases.owner_locked(files.statement, rng), "application/pdf"
    if kind == "zero_byte":
        return "Empty.pdf", b"", "application/pdf"
    if kind == "html_as_pdf":
        return "Saved.pdf", edge_cases.html_page("First Example Bank"), "application/pdf"
    if kind == "decompression_bomb":
        return "Scan.png", edge_cases.bomb_png(rng), "image/png"
    if kind == "three_hundred_pages":
        return "Lease Agreement.pdf", edge_cases.long_terms_pdf(rng, pages=300), "application/pdf"
    raise ValueError(kind)
