"""The assembled application on the wire: the mca.application record (latest full state, PII
encrypted field by field), built from the pipeline's Application."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from infra.crypto import KeyRing
from streams.pipeline import DocumentEntry, SubmissionInfo
from streams.stages.application_json import CHECK_KEYS, STATEMENT_KEYS
from streams.stages.assemble import Application, DocumentResult, ReviewItem, status_detail
from streams.stages.extract.fields import Field
from streams.stages.extract.iso_application import MERCHANT_KEYS, OWNER_KEYS
from streams.stages.extract.revenue import statement_true_revenue
from streams.stages.extract.validators import is_valid_aba
from streams.wire.provenance import field_provenance
from streams.wire.records import submission_context
from streams.wire.values import as_date, as_money, leaf, to_wire

CENT = Decimal("0.01")
FIELD_REASONS = frozenset({"required_field_missing", "low_confidence", "invalid_value"})
COUNT_KEYS = frozenset({"deposit_count", "nsf_count", "negative_days"})


@dataclass(frozen=True)
class DocumentMeta:
    """What the record lists of a document beside what was extracted from it."""

    entry: DocumentEntry
    blob: Mapping[str, Any] | None
    raster: bool = False
    skew_deg: float | None = None
    detail: str | None = None


def _typed_value(path: str, value: Any, ring: KeyRing) -> Any:
    """A read-model value typed for the record: PII encrypted; money, dates and counts typed, or
    null when the value read is not one (its provenance still lists it, with its errors)."""
    name = leaf(path)
    if value is None:
        return None
    wired = to_wire(path, value, ring)
    if name in ("annual_revenue", "amount_requested", "ownership_pct") or name in STATEMENT_MONEY:
        return as_money(wired)
    if name in ("business_start_date", "period_start", "period_end"):
        return as_date(wired)
    if name in COUNT_KEYS:
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    return wired if isinstance(wired, dict) else str(wired)


STATEMENT_MONEY = frozenset(
    {"beginning_balance", "ending_balance", "total_deposits", "total_withdrawals", "average_daily_balance"}
)


def _nested(fields: Mapping[str, Field], keys: Sequence[str], ring: KeyRing) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in keys:
        value = _typed_value(key, fields[key].value, ring) if key in fields else None
        head, _, tail = key.partition(".")
        if tail:
            out.setdefault(head, {})[tail] = value
        else:
            out[key] = value
    return out


def _finding(item: ReviewItem | str, documents: Sequence[DocumentMeta]) -> dict[str, Any]:
    code, subject = (item, None) if isinstance(item, str) else (item.reason, item.subject)
    document = next((d for d in documents if subject and d.entry.filename == subject), None)
    field = subject if code in FIELD_REASONS else None
    message = code.replace("_", " ")
    if subject and (document is not None or field is not None):
        message = f"{message}: {subject}"
    return {
        "code": code,
        "message": message,
        "field": field,
        "document_id": document.entry.document_id if document else None,
    }


def _document_of(
    app: Application, metas: Sequence[DocumentMeta], value: object, attribute: str
) -> str | None:
    for meta, result in zip(metas, app.documents, strict=True):
        extraction = result.extraction
        if extraction is not None and getattr(extraction, attribute, None) is value:
            return meta.entry.document_id
    return None


def _statement(
    app: Application, metas: Sequence[DocumentMeta], statement: Any, ring: KeyRing
) -> dict[str, Any]:
    out = _nested(statement.fields, STATEMENT_KEYS, ring)
    out["document_id"] = _document_of(app, metas, statement, "statement") or ""
    out["reconciled"] = statement.reconciled
    out["true_revenue"] = statement_true_revenue(statement, app.bank_statements)
    out["mca_positions"] = [
        {
            "lender": p.lender,
            "frequency": p.frequency,
            "amount": as_money(p.amount) or Decimal(0),
            "occurrences": p.occurrences,
        }
        for p in statement.mca_positions
    ]
    return out


def _dates(app: Application, key: str) -> list[dt.date]:
    found = (as_date(s.fields[key].value) for s in app.bank_statements if key in s.fields)
    return [d for d in found if d is not None]


def _summary(app: Application) -> dict[str, Any] | None:
    analysis = app.analysis
    if analysis is None:
        return None
    starts = _dates(app, "period_start")
    ends = _dates(app, "period_end")
    months = len(analysis.months_covered)
    return {
        "months_covered": months,
        "period_start": min(starts, default=None),
        "period_end": max(ends, default=None),
        "gap_months": list(analysis.missing_months),
        "total_deposits": analysis.total_deposits.quantize(CENT),
        "true_revenue": analysis.true_revenue.quantize(CENT),
        "average_monthly_true_revenue": (analysis.true_revenue / months).quantize(CENT) if months else None,
        "mca_debits": analysis.mca_debits.quantize(CENT),
        "position_load": float(analysis.position_load) if analysis.position_load is not None else None,
    }


def _check(app: Application, metas: Sequence[DocumentMeta], ring: KeyRing) -> dict[str, Any] | None:
    if app.voided_check is None:
        return None
    out = _nested(app.voided_check, CHECK_KEYS, ring)
    routing = app.voided_check.get("routing_number")
    out["document_id"] = next(
        (
            m.entry.document_id
            for m, r in zip(metas, app.documents, strict=True)
            if r.doc_type == "voided_check" and r.status == "read"
        ),
        "",
    )
    out["routing_checksum_valid"] = is_valid_aba(str(routing.value)) if routing and routing.value else None
    return out


def _document(meta: DocumentMeta, result: DocumentResult, submission_id: str) -> dict[str, Any]:
    entry = meta.entry
    return {
        "document_id": entry.document_id,
        "submission_id": submission_id,
        "filename": entry.filename,
        "content_type": entry.content_type,
        "doc_type": result.doc_type,
        "status": result.status,
        "reason": result.reason,
        "detail": meta.detail or None,
        "pages": result.pages,
        "raster": meta.raster,
        "skew_deg": meta.skew_deg,
        "blob": dict(meta.blob) if meta.blob else None,
        "container": entry.container,
    }


def application_record(
    app: Application,
    metas: Sequence[DocumentMeta],
    info: SubmissionInfo,
    *,
    version: int,
    ring: KeyRing,
    updated_at: dt.datetime,
    related: Sequence[str] = (),
) -> dict[str, Any]:
    """The mca.application record of `app` (documents described by `metas`, in the same order)."""
    merchant = funding = None
    owners: list[dict[str, Any]] = []
    if app.merchant is not None:
        merchant = _nested(app.merchant, MERCHANT_KEYS, ring)
        funding = _nested(app.funding or {}, ("amount_requested", "use_of_funds"), ring)
        owners = [_nested(owner, OWNER_KEYS, ring) for owner in app.owners]
    return {
        "application_id": app.application_id,
        "version": version,
        "status": app.status,
        "status_detail": status_detail(app),
        "review_reasons": [_finding(item, metas) for item in app.review],
        "warnings": [_finding(code, metas) for code in app.warnings],
        "extractor_version": app.extractor_version,
        "iso_broker": info.iso_broker,
        "duplicate_of": app.duplicate_of,
        "related_application_ids": [r for r in dict.fromkeys(related) if r != app.application_id],
        "submission": submission_context(info, len(metas)),
        "merchant": merchant,
        "funding": funding,
        "owners": owners,
        "bank_statements": [_statement(app, metas, s, ring) for s in app.bank_statements],
        "bank_summary": _summary(app),
        "voided_check": _check(app, metas, ring),
        "documents": [_document(m, r, info.submission_id) for m, r in zip(metas, app.documents, strict=True)],
        "fields": field_provenance(app, metas),
        "corrections": [],
        "review": None,
        "received_at": info.received_at,
        "updated_at": updated_at,
    }
