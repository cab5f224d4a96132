"""The application read model as JSON: samples/README.md's field names and conventions, plus status.

Top level: application_id, status, review_reasons, review_details, warnings, extractor_version,
duplicate_of, email, documents (doc_type / status / reason per attachment), merchant, funding,
owners, bank_statements, voided_check (README contract: money '150000.00', EIN NN-NNNNNNN,
SSN NNN-NN-NNNN, E.164 phones, 2-letter states, ownership_pct '90.00', ISO dates, null where
not applicable), analysis (months, gaps, true revenue, position load) and provenance (for every
extracted value: confidence, page, box, label, document). Values are unmasked: masking is the
API's job, encryption the topics'.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from streams.stages.assemble import Application
from streams.stages.extract.bank_statement import BankStatement
from streams.stages.extract.fields import Field, box_to_list
from streams.stages.extract.iso_application import FUNDING_KEYS, MERCHANT_KEYS, OWNER_KEYS
from streams.stages.extract.validators import format_money

STATEMENT_KEYS = (
    "bank_name",
    "account_last4",
    "period_start",
    "period_end",
    "beginning_balance",
    "ending_balance",
    "total_deposits",
    "deposit_count",
    "total_withdrawals",
    "nsf_count",
    "negative_days",
    "average_daily_balance",
)
CHECK_KEYS = ("bank_name", "routing_number", "account_number")


def _nested(fields: Mapping[str, Field], keys: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in keys:
        value = fields[key].value if key in fields else None
        head, _, tail = key.partition(".")
        if tail:
            out.setdefault(head, {})[tail] = value
        else:
            out[key] = value
    return out


def _provenance(prefix: str, fields: Mapping[str, Field], out: dict[str, Any], document: str | None) -> None:
    for key, value in fields.items():
        out[f"{prefix}.{key}"] = {
            "confidence": value.confidence,
            "page": value.page,
            "box": box_to_list(value.box),
            "label": value.label,
            "valid": value.valid,
            "document": document,
        }


def _statement_json(statement: BankStatement) -> dict[str, Any]:
    out = _nested(statement.fields, STATEMENT_KEYS)
    out["mca_positions"] = [
        {
            "lender": p.lender,
            "frequency": p.frequency,
            "amount": format_money(p.amount),
            "occurrences": p.occurrences,
            "confidence": p.confidence,
            "page": p.page,
            "box": box_to_list(p.box),
        }
        for p in statement.mca_positions
    ]
    out["reconciled"] = statement.reconciled
    out["transaction_count"] = len(statement.transactions)
    return out


def _document_of(app: Application, doc_type: str) -> str | None:
    return next((d.filename for d in app.documents if d.doc_type == doc_type and d.status == "read"), None)


def application_to_json(app: Application) -> dict[str, Any]:
    """The application as the JSON contract of samples/README.md plus status and provenance."""
    provenance: dict[str, Any] = {}
    merchant = funding = check = None
    owners = []
    application_doc = _document_of(app, "iso_application")
    if app.merchant is not None:
        merchant = _nested(app.merchant, MERCHANT_KEYS)
        funding = _nested(app.funding or {}, FUNDING_KEYS)
        _provenance("merchant", app.merchant, provenance, application_doc)
        _provenance("funding", app.funding or {}, provenance, application_doc)
        for index, owner in enumerate(app.owners):
            owners.append(_nested(owner, OWNER_KEYS))
            _provenance(f"owners[{index}]", owner, provenance, application_doc)
    if app.voided_check is not None:
        check = _nested(app.voided_check, CHECK_KEYS)
        _provenance("voided_check", app.voided_check, provenance, _document_of(app, "voided_check"))
    statements = [_statement_json(s) for s in app.bank_statements]
    for index, statement in enumerate(app.bank_statements):
        _provenance(f"bank_statements[{index}]", statement.fields, provenance, None)
    return {
        "application_id": app.application_id,
        "status": app.status,
        "review_reasons": list(app.review_reasons),
        "review_details": [{"reason": r.reason, "subject": r.subject} for r in app.review],
        "warnings": list(app.warnings),
        "extractor_version": app.extractor_version,
        "duplicate_of": app.duplicate_of,
        "email": {
            "message_id": app.submission.message_id,
            "from": app.submission.sender,
            "subject": app.submission.subject,
            "date": app.submission.received_at.isoformat() if app.submission.received_at else None,
        },
        "documents": [
            {
                "filename": d.filename,
                "doc_type": d.doc_type,
                "status": d.status,
                "reason": d.reason,
                "pages": d.pages,
                "confidence": d.extraction.classification.confidence if d.extraction else None,
            }
            for d in app.documents
        ],
        "merchant": merchant,
        "funding": funding,
        "owners": owners,
        "bank_statements": statements,
        "voided_check": check,
        "analysis": _analysis_json(app),
        "provenance": provenance,
    }


def _analysis_json(app: Application) -> dict[str, Any] | None:
    a = app.analysis
    if a is None:
        return None
    return {
        "months_covered": list(a.months_covered),
        "missing_months": list(a.missing_months),
        "total_deposits": format_money(a.total_deposits),
        "true_revenue": format_money(a.true_revenue),
        "excluded_transfers": format_money(a.excluded_transfers),
        "excluded_loan_proceeds": format_money(a.excluded_loan_proceeds),
        "excluded_reversals": format_money(a.excluded_reversals),
        "mca_debits": format_money(a.mca_debits),
        "position_load": None if a.position_load is None else str(a.position_load),
    }
