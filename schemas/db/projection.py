"""Projection tables: the application read model, written only by the postgres-sink.

Every row derives from the `mca.application` topic, so the tables can be dropped and rebuilt by
replaying it (`application_events`, the processing history, from `mca.application.event`).
Keys are the content-derived ids of the events (application, submission, document and event
ids) or positions within one application, so a replay writes the same keys again.
Field names follow the read model of samples/README.md; nested records are flattened with their
path as prefix (`address_city`, `voided_check_bank_name`, `bank_total_deposits` for the bank
summary). PII (SSN, date of birth, routing and account numbers) is kept as the event carried it:
key id + AES-GCM ciphertext + masked form, never in clear (decrypt with schemas.pii.decrypt_field).

Values read from documents are unbounded text: a long OCR reading must not make the database
refuse an application. Lengths bound only what the platform makes itself (ids, codes, key ids).

The ORM relationships are view-only: the API reads through them, the sink writes with Core upserts.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schemas.db.base import ID_LENGTH, Base, Json, Money, Percent, UtcDateTime

_APPLICATION_FK = "applications.application_id"


def _application_fk(**kwargs: Any) -> Mapped[str]:
    return mapped_column(String(ID_LENGTH), ForeignKey(_APPLICATION_FK, ondelete="CASCADE"), **kwargs)


class Application(Base):
    """One application: status, findings, bank summary, voided check, corrections, review."""

    __tablename__ = "applications"
    __table_args__ = (Index("ix_applications_received_at_application_id", "received_at", "application_id"),)

    application_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32), index=True)
    status_detail: Mapped[str | None] = mapped_column(Text)
    review_reasons: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    extractor_version: Mapped[str] = mapped_column(String(64))
    iso_broker: Mapped[str] = mapped_column(Text, index=True)
    duplicate_of: Mapped[str | None] = mapped_column(String(ID_LENGTH), index=True)
    related_application_ids: Mapped[list[str]] = mapped_column(Json)
    submission_id: Mapped[str] = mapped_column(String(ID_LENGTH))

    bank_months_covered: Mapped[int | None] = mapped_column(Integer)
    bank_period_start: Mapped[date | None] = mapped_column(Date)
    bank_period_end: Mapped[date | None] = mapped_column(Date)
    bank_gap_months: Mapped[list[str] | None] = mapped_column(Json)
    bank_total_deposits: Mapped[Decimal | None] = mapped_column(Money)
    bank_true_revenue: Mapped[Decimal | None] = mapped_column(Money)
    bank_average_monthly_true_revenue: Mapped[Decimal | None] = mapped_column(Money)
    bank_mca_debits: Mapped[Decimal | None] = mapped_column(Money)
    bank_position_load: Mapped[float | None] = mapped_column(Float)

    voided_check_document_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    voided_check_bank_name: Mapped[str | None] = mapped_column(Text)
    voided_check_routing_number_key_id: Mapped[str | None] = mapped_column(String(64))
    voided_check_routing_number_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    voided_check_routing_number_masked: Mapped[str | None] = mapped_column(Text)
    voided_check_account_number_key_id: Mapped[str | None] = mapped_column(String(64))
    voided_check_account_number_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    voided_check_account_number_masked: Mapped[str | None] = mapped_column(Text)
    voided_check_routing_checksum_valid: Mapped[bool | None] = mapped_column(Boolean)

    corrections: Mapped[list[dict[str, Any]]] = mapped_column(Json)
    review_decision: Mapped[str | None] = mapped_column(String(16))
    review_actor: Mapped[str | None] = mapped_column(Text)
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    submission: Mapped[Submission | None] = relationship(viewonly=True)
    merchant: Mapped[Merchant | None] = relationship(viewonly=True)
    funding: Mapped[FundingRequest | None] = relationship(viewonly=True)
    owners: Mapped[list[Owner]] = relationship(viewonly=True, order_by="Owner.position")
    documents: Mapped[list[Document]] = relationship(viewonly=True, order_by="Document.position")
    bank_statements: Mapped[list[BankStatement]] = relationship(
        viewonly=True, order_by="BankStatement.position"
    )
    fields: Mapped[list[FieldProvenance]] = relationship(viewonly=True, order_by="FieldProvenance.path")


class Submission(Base):
    """The email an application came in (SubmissionContext of the event)."""

    __tablename__ = "submissions"

    submission_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    application_id: Mapped[str] = _application_fk(index=True)
    message_id: Mapped[str | None] = mapped_column(Text, index=True)
    iso_broker: Mapped[str] = mapped_column(Text)
    sender: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    email_date: Mapped[datetime | None] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    document_count: Mapped[int] = mapped_column(Integer)


class _Address:
    """Columns of a postal address, flattened with the prefix `address_`."""

    address_street: Mapped[str | None] = mapped_column(Text)
    address_city: Mapped[str | None] = mapped_column(Text)
    address_state: Mapped[str | None] = mapped_column(Text)
    address_zip: Mapped[str | None] = mapped_column(Text)


class Merchant(_Address, Base):
    """The merchant of one application (absent when no application form was readable)."""

    __tablename__ = "merchants"

    application_id: Mapped[str] = _application_fk(primary_key=True)
    legal_name: Mapped[str | None] = mapped_column(Text, index=True)
    dba_name: Mapped[str | None] = mapped_column(Text)
    ein: Mapped[str | None] = mapped_column(Text, index=True)
    phone: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    industry: Mapped[str | None] = mapped_column(Text)
    business_start_date: Mapped[date | None] = mapped_column(Date)
    entity_type: Mapped[str | None] = mapped_column(Text)
    annual_revenue: Mapped[Decimal | None] = mapped_column(Money)


class FundingRequest(Base):
    """What the merchant asks for (absent when no application form was readable)."""

    __tablename__ = "funding_requests"

    application_id: Mapped[str] = _application_fk(primary_key=True)
    amount_requested: Mapped[Decimal | None] = mapped_column(Money)
    use_of_funds: Mapped[str | None] = mapped_column(Text)


class Owner(_Address, Base):
    """An owner (guarantor), in form order; SSN and date of birth encrypted."""

    __tablename__ = "owners"

    application_id: Mapped[str] = _application_fk(primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str | None] = mapped_column(Text)
    ssn_key_id: Mapped[str | None] = mapped_column(String(64))
    ssn_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    ssn_masked: Mapped[str | None] = mapped_column(Text)
    date_of_birth_key_id: Mapped[str | None] = mapped_column(String(64))
    date_of_birth_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    date_of_birth_masked: Mapped[str | None] = mapped_column(Text)
    ownership_pct: Mapped[Decimal | None] = mapped_column(Percent)
    phone: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)


class Document(Base):
    """One document of the application (attachment or zip member) and where its bytes are stored."""

    __tablename__ = "documents"

    document_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    application_id: Mapped[str] = _application_fk(index=True)
    submission_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    position: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(Text)
    doc_type: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)
    pages: Mapped[int] = mapped_column(Integer)
    raster: Mapped[bool] = mapped_column(Boolean)
    skew_deg: Mapped[float | None] = mapped_column(Float)
    blob_uri: Mapped[str | None] = mapped_column(Text)
    blob_size: Mapped[int | None] = mapped_column(BigInteger)
    blob_sha256: Mapped[str | None] = mapped_column(String(64))
    blob_content_type: Mapped[str | None] = mapped_column(Text)
    container: Mapped[str | None] = mapped_column(Text)


class BankStatement(Base):
    """One monthly bank statement of the application, oldest period first."""

    __tablename__ = "bank_statements"

    application_id: Mapped[str] = _application_fk(primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[str] = mapped_column(String(ID_LENGTH), index=True)
    bank_name: Mapped[str | None] = mapped_column(Text)
    account_last4: Mapped[str | None] = mapped_column(Text)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    beginning_balance: Mapped[Decimal | None] = mapped_column(Money)
    ending_balance: Mapped[Decimal | None] = mapped_column(Money)
    total_deposits: Mapped[Decimal | None] = mapped_column(Money)
    deposit_count: Mapped[int | None] = mapped_column(Integer)
    total_withdrawals: Mapped[Decimal | None] = mapped_column(Money)
    nsf_count: Mapped[int | None] = mapped_column(Integer)
    negative_days: Mapped[int | None] = mapped_column(Integer)
    average_daily_balance: Mapped[Decimal | None] = mapped_column(Money)
    reconciled: Mapped[bool | None] = mapped_column(Boolean)
    true_revenue: Mapped[Decimal | None] = mapped_column(Money)

    mca_positions: Mapped[list[McaPosition]] = relationship(viewonly=True, order_by="McaPosition.position")


class McaPosition(Base):
    """An existing MCA position seen in one statement (recurring fixed debits to one funder)."""

    __tablename__ = "mca_positions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["application_id", "statement_position"],
            ["bank_statements.application_id", "bank_statements.position"],
            ondelete="CASCADE",
        ),
    )

    application_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    statement_position: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    lender: Mapped[str] = mapped_column(Text, index=True)
    frequency: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Money)
    occurrences: Mapped[int | None] = mapped_column(Integer)


class FieldProvenance(Base):
    """Where the current value of one field came from: document, page, box, confidence."""

    __tablename__ = "field_provenance"

    application_id: Mapped[str] = _application_fk(primary_key=True)
    path: Mapped[str] = mapped_column(String(255), primary_key=True)
    document_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    page: Mapped[int | None] = mapped_column(Integer)
    box_x0: Mapped[float | None] = mapped_column(Float)
    box_y0: Mapped[float | None] = mapped_column(Float)
    box_x1: Mapped[float | None] = mapped_column(Float)
    box_y1: Mapped[float | None] = mapped_column(Float)
    confidence: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16))
    errors: Mapped[list[str]] = mapped_column(Json)


class ApplicationEvent(Base):
    """One event of `mca.application.event`: an application's processing history (no PII).

    Keyed by the event's deterministic id, so a redelivered event is the same row. No foreign key
    to `applications`: events and states travel on different topics and may arrive in either order.
    """

    __tablename__ = "application_events"
    __table_args__ = (
        Index("ix_application_events_application_id_version", "application_id", "version"),
    )

    event_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    application_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    type: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str | None] = mapped_column(String(32))
    previous_status: Mapped[str | None] = mapped_column(String(32))
    reasons: Mapped[list[str]] = mapped_column(Json)
    warnings: Mapped[list[str]] = mapped_column(Json)
    submission_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    iso_broker: Mapped[str] = mapped_column(Text)
    duplicate_of: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    merchant_name: Mapped[str | None] = mapped_column(Text)
    amount_requested: Mapped[Decimal | None] = mapped_column(Money)
    extractor_version: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str | None] = mapped_column(Text)
    command_id: Mapped[str | None] = mapped_column(String(64))
    corrected_fields: Mapped[list[str]] = mapped_column(Json)


class SinkOffset(Base):
    """The next offset a sink's consumer group reads per partition, committed with the rows."""

    __tablename__ = "sink_offsets"

    group_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    topic: Mapped[str] = mapped_column(String(255), primary_key=True)
    partition: Mapped[int] = mapped_column(Integer, primary_key=True)
    next_offset: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


# Tables holding one application's rows, parents before children (insert order; delete reversed).
APPLICATION_TABLES: tuple[str, ...] = (
    "applications", "submissions", "merchants", "funding_requests", "owners", "documents",
    "bank_statements", "mca_positions", "field_provenance",
)
