"""Application responses: the list item, the full detail (read model of samples/README.md plus ids,
status, findings, provenance and history), and PII as masked-or-clear pairs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

ApplicationStatus = Literal["processed", "review_required", "rejected", "duplicate", "failed"]


class PiiValue(BaseModel):
    """A PII value: always masked; `value` in clear only for callers with `pii:read`."""

    masked: str
    value: str | None = None


class Finding(BaseModel):
    """A review reason or warning."""

    code: str
    message: str
    field: str | None = None
    document_id: str | None = None


class Address(BaseModel):
    """A postal address."""

    street: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None


class Merchant(BaseModel):
    """The business applying for funding."""

    legal_name: str | None = None
    dba_name: str | None = None
    ein: str | None = None
    address: Address
    phone: str | None = None
    email: str | None = None
    industry: str | None = None
    business_start_date: date | None = None
    entity_type: str | None = None
    annual_revenue: Decimal | None = None


class Funding(BaseModel):
    """What the merchant asks for."""

    amount_requested: Decimal | None = None
    use_of_funds: str | None = None


class Owner(BaseModel):
    """An owner (guarantor); SSN and date of birth as PII values."""

    name: str | None = None
    ssn: PiiValue | None = None
    date_of_birth: PiiValue | None = None
    address: Address
    ownership_pct: Decimal | None = None
    phone: str | None = None
    email: str | None = None


class McaPosition(BaseModel):
    """An existing MCA position seen in a statement (recurring fixed debits to one funder)."""

    lender: str
    frequency: str
    amount: Decimal
    occurrences: int | None = None


class BankStatement(BaseModel):
    """One monthly bank statement and the MCA positions seen in it."""

    document_id: str
    bank_name: str | None = None
    account_last4: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    beginning_balance: Decimal | None = None
    ending_balance: Decimal | None = None
    total_deposits: Decimal | None = None
    deposit_count: int | None = None
    total_withdrawals: Decimal | None = None
    nsf_count: int | None = None
    negative_days: int | None = None
    average_daily_balance: Decimal | None = None
    reconciled: bool | None = None
    true_revenue: Decimal | None = None
    mca_positions: list[McaPosition] = Field(default_factory=list)


class BankSummary(BaseModel):
    """Totals over every statement of the application."""

    months_covered: int | None = None
    period_start: date | None = None
    period_end: date | None = None
    gap_months: list[str] = Field(default_factory=list)
    total_deposits: Decimal | None = None
    true_revenue: Decimal | None = None
    average_monthly_true_revenue: Decimal | None = None
    mca_debits: Decimal | None = None
    position_load: float | None = None


class VoidedCheck(BaseModel):
    """The voided check of the merchant's business account; routing and account numbers as PII values."""

    document_id: str | None = None
    bank_name: str | None = None
    routing_number: PiiValue | None = None
    account_number: PiiValue | None = None
    routing_checksum_valid: bool | None = None


class Document(BaseModel):
    """One document of the submission and where to download its original bytes."""

    document_id: str
    submission_id: str
    filename: str | None = None
    content_type: str
    doc_type: str
    status: str
    reason: str | None = None
    detail: str | None = None
    pages: int
    raster: bool
    skew_deg: float | None = None
    size: int | None = None
    sha256: str | None = None
    container: str | None = None
    download_url: str = Field(description="Where the API streams the original bytes (access is logged).")


class Box(BaseModel):
    """A box on a page, in fractions of the page width and height."""

    x0: float
    y0: float
    x1: float
    y1: float


class Provenance(BaseModel):
    """Where a field's current value came from: document, page, box and confidence."""

    path: str
    document_id: str | None = None
    page: int | None = None
    box: Box | None = None
    confidence: float | None = None
    source: str
    errors: list[str] = Field(default_factory=list)


class Correction(BaseModel):
    """A value a person set by hand (kept across reprocessing unless discarded)."""

    command_id: str
    path: str
    value: Any = Field(default=None, description="The corrected value; PII as a PiiValue object.")
    value_type: str | None = None
    actor: str
    reason: str | None = None
    at: datetime | None = None


class Review(BaseModel):
    """A reviewer's sign-off."""

    decision: str
    actor: str | None = None
    note: str | None = None
    at: datetime | None = None


class HistoryEvent(BaseModel):
    """One step of the processing history (an `mca.application.event`)."""

    event_id: str
    type: str
    version: int
    occurred_at: datetime
    status: str | None = None
    previous_status: str | None = None
    reasons: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    extractor_version: str | None = None
    actor: str | None = None
    command_id: str | None = None
    corrected_fields: list[str] = Field(default_factory=list)


class Submission(BaseModel):
    """The email the application came in."""

    submission_id: str
    message_id: str | None = None
    sender: str
    subject: str
    email_date: datetime | None = None
    received_at: datetime
    document_count: int


class ApplicationSummary(BaseModel):
    """One application in a list."""

    application_id: str
    version: int
    status: ApplicationStatus
    submission_id: str = Field(description="The email this application came from (sha256 of its bytes).")
    iso_broker: str
    merchant_name: str | None = None
    ein: str | None = None
    amount_requested: Decimal | None = None
    review_reasons: list[str] = Field(default_factory=list)
    received_at: datetime
    updated_at: datetime


class ApplicationPage(BaseModel):
    """A page of applications, newest first; pass `next_cursor` as `cursor` for the next page."""

    items: list[ApplicationSummary]
    next_cursor: str | None = None


class ApplicationDetail(BaseModel):
    """The full application as underwriters read it."""

    application_id: str
    version: int
    status: ApplicationStatus
    status_detail: str | None = None
    review_reasons: list[Finding]
    warnings: list[Finding]
    extractor_version: str
    iso_broker: str
    duplicate_of: str | None = None
    related_application_ids: list[str]
    submission: Submission | None = None
    merchant: Merchant | None = None
    funding: Funding | None = None
    owners: list[Owner]
    bank_statements: list[BankStatement]
    bank_summary: BankSummary | None = None
    voided_check: VoidedCheck | None = None
    documents: list[Document]
    fields: list[Provenance]
    corrections: list[Correction]
    review: Review | None = None
    history: list[HistoryEvent]
    received_at: datetime
    updated_at: datetime
