"""The attachments of a submission, each with the truth entry that describes it.

A `Deal` is the merchant's side of the story (applicant, bank statements, check); documents render
it as an ISO broker would send it: text or scanned application, text or scanned statements,
a voided check photo or scan, and now and then something irrelevant.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from faker import Faker

from infra.demo import edge_cases, filenames
from infra.demo.application_content import application_content, pick_value_style
from infra.demo.application_form import render_fillable
from infra.demo.application_pdf import render_application
from infra.demo.check_image import CheckFace, render_check
from infra.demo.identities import Applicant, IsoBroker, make_applicant
from infra.demo.ledger import AccountHolder, build_statements
from infra.demo.scan import scan_pdf
from infra.demo.statement import Statement
from infra.demo.statement_pdf import StatementStyle, pick_style, render_statement

APP_LAYOUTS = ("boxed", "twocol", "grid", "fillable")
MONTH_COUNT_WEIGHTS = (10, 25, 40, 25)  # 1, 2, 3 or 4 statements


@dataclass(frozen=True)
class Deal:
    """What is true about one merchant at submission time, whoever sends it."""

    applicant: Applicant
    statements: tuple[Statement, ...]
    style: StatementStyle
    check_number: int
    submitted: dt.datetime


@dataclass(frozen=True)
class Doc:
    """One attachment and what the truth says about it."""

    filename: str
    data: bytes
    content_type: str
    doc_type: str
    pages: int
    raster: bool
    skew_deg: float
    layout_family: str
    statement: Statement | None = None

    def entry(self) -> dict[str, object]:
        """The truth file's entry for this document."""
        return {
            "filename": self.filename,
            "doc_type": self.doc_type,
            "pages": self.pages,
            "raster": self.raster,
            "skew_deg": float(self.skew_deg),
            "layout_family": self.layout_family,
        }


def months_before(day: dt.date, count: int) -> list[tuple[int, int]]:
    """The `count` calendar months that end before `day`'s month, oldest first."""
    y, m = day.year, day.month
    out = []
    for _ in range(count):
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
        out.append((y, m))
    return out[::-1]


def make_deal(rng: random.Random, fake: Faker, submitted: dt.datetime) -> Deal:
    """A merchant with 1-4 consecutive monthly statements ending the month before `submitted`."""
    applicant = make_applicant(rng, fake, submitted.date())
    m, acct = applicant.merchant, applicant.account
    holder = AccountHolder(
        acct.bank_name,
        acct.service_phone,
        acct.account_number,
        m.legal_name,
        (m.address.street, m.address.city_line()),
    )
    count = rng.choices((1, 2, 3, 4), weights=MONTH_COUNT_WEIGHTS)[0]
    statements = build_statements(rng, holder, m.annual_revenue, months_before(submitted.date(), count))
    return Deal(applicant, tuple(statements), pick_style(rng), rng.randint(1001, 9999), submitted)


def _pdf_type(rng: random.Random) -> str:
    return "application/pdf" if rng.random() < 0.85 else "application/octet-stream"


def application_doc(
    rng: random.Random, deal: Deal, broker: IsoBroker, taken: set[str], scanned: bool | None = None
) -> Doc:
    """The ISO application of `deal` on `broker`'s form; scanned (image-only) about a third of the time."""
    layout = rng.choice(APP_LAYOUTS)
    scanned = rng.random() < 0.35 if scanned is None else scanned
    signed = (deal.submitted - dt.timedelta(days=rng.randint(0, 6))).date()
    content = application_content(rng, deal.applicant, broker, signed, pick_value_style(rng))
    if layout == "fillable":
        data, pages = render_fillable(content, rng)
    else:
        data, pages = render_application(content, layout, rng, by_hand=scanned and rng.random() < 0.4)
    skew = 0.0
    if scanned:
        result = scan_pdf(data, rng)
        data, pages, skew = result.data, result.pages, result.skew_deg
    name = filenames.unique(filenames.application_name(rng, deal.applicant.merchant.trade_name), taken)
    return Doc(name, data, _pdf_type(rng), "iso_application", pages, scanned, skew, layout)


def statement_doc(
    rng: random.Random, deal: Deal, statement: Statement, taken: set[str], scanned: bool | None = None
) -> Doc:
    """One monthly statement in the bank's layout; scanned about a fifth of the time."""
    data, pages = render_statement(statement, deal.style)
    scanned = rng.random() < 0.2 if scanned is None else scanned
    skew = 0.0
    if scanned:
        result = scan_pdf(data, rng)
        data, pages, skew = result.data, result.pages, result.skew_deg
    name = filenames.unique(
        filenames.statement_name(
            rng,
            statement.period_end,
            deal.applicant.merchant.trade_name,
            statement.bank_name,
            statement.account_last4,
        ),
        taken,
    )
    return Doc(
        name, data, _pdf_type(rng), "bank_statement", pages, scanned, skew, deal.style.layout, statement
    )


def check_doc(rng: random.Random, deal: Deal, taken: set[str]) -> Doc:
    """The voided check of the statements' account: phone photo, flat scan or image-only PDF."""
    m, acct = deal.applicant.merchant, deal.applicant.account
    face = CheckFace(
        m.legal_name if rng.random() < 0.7 else m.trade_name,
        (m.address.street, m.address.city_line()),
        acct.bank_name,
        f"{acct.branch.city}, {acct.branch.state}",
        acct.routing_number,
        acct.account_number,
        deal.check_number,
    )
    kind = rng.choice(("photo", "photo", "png", "jpeg", "pdf"))
    data, skew, family = render_check(face, rng, kind)
    name = filenames.unique(filenames.check_name(rng, kind, m.trade_name, deal.submitted.date()), taken)
    content_type = {"png": "image/png", "pdf": "application/pdf"}.get(kind, "image/jpeg")
    if rng.random() < 0.15:
        content_type = "application/octet-stream"
    return Doc(name, data, content_type, "voided_check", 1, True, skew, family)


def extra_doc(rng: random.Random, deal: Deal, taken: set[str], kind: str) -> Doc:
    """An irrelevant attachment: `invoice`, `blank` (scanner page), `id_card` (photo), `long` (300 pages)."""
    m, owner = deal.applicant.merchant, deal.applicant.owners[0]
    if kind == "invoice":
        name = filenames.unique(rng.choice(("Invoice.pdf", f"INV-{rng.randint(1000, 9999)}.pdf")), taken)
        data = edge_cases.invoice_pdf(rng, m.legal_name, deal.submitted.date())
        return Doc(name, data, "application/pdf", "other", 1, False, 0.0, "invoice")
    if kind == "blank":
        name = filenames.unique(rng.choice(("scan0002.pdf", "Document.pdf", "page2.pdf")), taken)
        return Doc(name, edge_cases.blank_scan(rng), "application/pdf", "other", 1, True, 0.0, "blank")
    if kind == "id_card":
        data, skew = edge_cases.id_card_photo(rng, owner.name, owner.address.one_line(), owner.date_of_birth)
        name = filenames.unique(
            rng.choice((f"DL_{owner.last}.jpg", "drivers license.jpg", "ID front.jpeg")), taken
        )
        return Doc(name, data, "image/jpeg", "other", 1, True, skew, "id_card")
    name = filenames.unique(
        rng.choice(("Program Guide.pdf", "Terms and Conditions.pdf", "Lease Agreement.pdf")), taken
    )
    return Doc(
        name, edge_cases.long_terms_pdf(rng), "application/pdf", "other", 300, False, 0.0, "long_document"
    )


def invalid_doc(rng: random.Random, source: Doc, kind: str, bank_name: str) -> Doc:
    """`source` spoilt the way `kind` says: truncated, locked, zero_byte, html or bomb (keeps its name)."""
    if kind == "truncated":
        data = edge_cases.truncated(source.data, rng)
    elif kind == "locked":
        data = edge_cases.password_locked(source.data, rng)
    elif kind == "zero_byte":
        data = b""
    elif kind == "html":
        data = edge_cases.html_page(bank_name)
    else:
        data = edge_cases.bomb_png(rng)
    name, content_type = source.filename, source.content_type
    if kind == "bomb":
        name, content_type = name.rpartition(".")[0] + ".png", "image/png"
    return Doc(name, data, content_type, "invalid", 0, False, 0.0, kind)
