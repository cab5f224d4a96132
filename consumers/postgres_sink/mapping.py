"""An `mca.application` value (the decoded Avro dict) as rows of the projection tables, pure.

Keys are content-derived (application, submission and document ids) or positions inside one
application, so mapping the same event twice gives the same rows: the writer's upserts are then
idempotent. PII stays encrypted: an EncryptedValue becomes three columns (`<name>_key_id`,
`<name>_ciphertext`, `<name>_masked`), and anything else where PII belongs is refused rather than
written in clear. Values that go into JSON columns (findings, corrections) are made JSON-safe
here; a correction keeps its type in `value_type` and PII in it stays ciphertext (base64).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from infra.errors import PoisonMessageError
from schemas.pii import is_encrypted_value

Row = dict[str, Any]


class UnprojectableError(PoisonMessageError):
    """An application value the projection cannot store (e.g. PII that is not encrypted)."""


@dataclass(frozen=True)
class ProjectedApplication:
    """The rows of one application version: table name -> rows (applications holds exactly one).

    Every table of schemas.db.projection.APPLICATION_TABLES is present, empty when the version
    has nothing for it, so the writer knows to remove rows an older version had there.
    """

    application_id: str
    version: int
    rows: Mapping[str, tuple[Row, ...]]


def project_application(value: Mapping[str, Any]) -> ProjectedApplication:
    """The projection rows of one decoded `mca.application` value; raises UnprojectableError."""
    try:
        application_id = str(value["application_id"])
        version = int(value["version"])
        rows: dict[str, tuple[Row, ...]] = {
            "applications": (application_row(value),),
            "submissions": (submission_row(application_id, value["submission"]),),
            "merchants": _optional(merchant_row, application_id, value.get("merchant")),
            "funding_requests": _optional(funding_row, application_id, value.get("funding")),
            "owners": tuple(
                owner_row(application_id, position, owner) for position, owner in enumerate(value["owners"])
            ),
            "documents": tuple(
                document_row(application_id, position, document)
                for position, document in enumerate(value["documents"])
            ),
            "bank_statements": tuple(
                statement_row(application_id, position, statement)
                for position, statement in enumerate(value["bank_statements"])
            ),
            "mca_positions": tuple(
                position_row(application_id, statement_position, statement["document_id"], position, item)
                for statement_position, statement in enumerate(value["bank_statements"])
                for position, item in enumerate(statement.get("mca_positions") or ())
            ),
            "field_provenance": _provenance_rows(application_id, value.get("fields") or ()),
        }
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UnprojectableError(f"application value does not fit the projection: {exc!r}") from exc
    return ProjectedApplication(application_id, version, rows)


def application_row(value: Mapping[str, Any]) -> Row:
    """The `applications` row: status, findings, bank summary, voided check, corrections, review."""
    summary = value.get("bank_summary") or {}
    check = value.get("voided_check") or {}
    review = value.get("review") or {}
    return {
        "application_id": value["application_id"],
        "version": int(value["version"]),
        "status": value["status"],
        "status_detail": value.get("status_detail"),
        "review_reasons": [_finding(item) for item in value.get("review_reasons") or ()],
        "warnings": [_finding(item) for item in value.get("warnings") or ()],
        "extractor_version": value["extractor_version"],
        "iso_broker": value["iso_broker"],
        "duplicate_of": value.get("duplicate_of"),
        "related_application_ids": list(value.get("related_application_ids") or ()),
        "submission_id": value["submission"]["submission_id"],
        "bank_months_covered": summary.get("months_covered"),
        "bank_period_start": summary.get("period_start"),
        "bank_period_end": summary.get("period_end"),
        "bank_gap_months": list(summary.get("gap_months") or ()) if summary else None,
        "bank_total_deposits": summary.get("total_deposits"),
        "bank_true_revenue": summary.get("true_revenue"),
        "bank_average_monthly_true_revenue": summary.get("average_monthly_true_revenue"),
        "bank_mca_debits": summary.get("mca_debits"),
        "bank_position_load": summary.get("position_load"),
        "voided_check_document_id": check.get("document_id"),
        "voided_check_bank_name": check.get("bank_name"),
        **encrypted_columns("voided_check_routing_number", check.get("routing_number")),
        **encrypted_columns("voided_check_account_number", check.get("account_number")),
        "voided_check_routing_checksum_valid": check.get("routing_checksum_valid"),
        "corrections": [_correction(item) for item in value.get("corrections") or ()],
        "review_decision": review.get("decision"),
        "review_actor": review.get("actor"),
        "review_note": review.get("note"),
        "reviewed_at": _timestamp(review.get("at")),
        "received_at": _timestamp(value["received_at"]),
        "updated_at": _timestamp(value["updated_at"]),
    }


def submission_row(application_id: str, submission: Mapping[str, Any]) -> Row:
    """The `submissions` row of the email the application came in."""
    return {
        "submission_id": submission["submission_id"],
        "application_id": application_id,
        "message_id": submission.get("message_id"),
        "iso_broker": submission["iso_broker"],
        "sender": submission["sender"],
        "subject": submission["subject"],
        "email_date": _timestamp(submission.get("email_date")),
        "received_at": _timestamp(submission["received_at"]),
        "document_count": submission["document_count"],
    }


def merchant_row(application_id: str, merchant: Mapping[str, Any]) -> Row:
    """The `merchants` row (address flattened)."""
    names = ("legal_name", "dba_name", "ein", "phone", "email", "industry", "business_start_date",
             "entity_type", "annual_revenue")
    return {"application_id": application_id, **_pick(merchant, names),
            **address_columns(merchant.get("address"))}


def funding_row(application_id: str, funding: Mapping[str, Any]) -> Row:
    """The `funding_requests` row."""
    return {"application_id": application_id, "amount_requested": funding.get("amount_requested"),
            "use_of_funds": funding.get("use_of_funds")}


def owner_row(application_id: str, position: int, owner: Mapping[str, Any]) -> Row:
    """The `owners` row of the owner at `position` (form order); SSN and birth date encrypted."""
    return {
        "application_id": application_id, "position": position, "name": owner.get("name"),
        **encrypted_columns("ssn", owner.get("ssn")),
        **encrypted_columns("date_of_birth", owner.get("date_of_birth")),
        **address_columns(owner.get("address")),
        "ownership_pct": owner.get("ownership_pct"), "phone": owner.get("phone"), "email": owner.get("email"),
    }


def document_row(application_id: str, position: int, document: Mapping[str, Any]) -> Row:
    """The `documents` row (blob reference flattened with the prefix `blob_`)."""
    blob = document.get("blob") or {}
    names = ("document_id", "submission_id", "filename", "content_type", "doc_type", "status", "reason",
             "detail", "pages", "raster", "skew_deg", "container")
    return {
        "application_id": application_id, "position": position, **_pick(document, names),
        "blob_uri": blob.get("uri"), "blob_size": blob.get("size"), "blob_sha256": blob.get("sha256"),
        "blob_content_type": blob.get("content_type"),
    }


def statement_row(application_id: str, position: int, statement: Mapping[str, Any]) -> Row:
    """The `bank_statements` row of the statement at `position` (oldest period first)."""
    names = ("document_id", "bank_name", "account_last4", "period_start", "period_end", "beginning_balance",
             "ending_balance", "total_deposits", "deposit_count", "total_withdrawals", "nsf_count",
             "negative_days", "average_daily_balance", "reconciled", "true_revenue")
    return {"application_id": application_id, "position": position, **_pick(statement, names)}


def position_row(
    application_id: str, statement_position: int, document_id: str, position: int, item: Mapping[str, Any]
) -> Row:
    """The `mca_positions` row of one MCA position of one statement."""
    return {
        "application_id": application_id, "statement_position": statement_position, "position": position,
        "document_id": document_id, "lender": item["lender"], "frequency": item["frequency"],
        "amount": item["amount"], "occurrences": item.get("occurrences"),
    }


def _provenance_rows(application_id: str, fields: Sequence[Mapping[str, Any]]) -> tuple[Row, ...]:
    # One row per path: should the pipeline ever list a path twice, the last entry wins.
    rows: dict[str, Row] = {}
    for field in fields:
        box = field.get("box") or {}
        rows[field["path"]] = {
            "application_id": application_id, "path": field["path"], "document_id": field.get("document_id"),
            "page": field.get("page"), "box_x0": box.get("x0"), "box_y0": box.get("y0"),
            "box_x1": box.get("x1"), "box_y1": box.get("y1"), "confidence": field.get("confidence"),
            "source": field["source"], "errors": list(field.get("errors") or ()),
        }
    return tuple(rows.values())


def encrypted_columns(prefix: str, value: Any) -> Row:
    """`<prefix>_key_id`, `<prefix>_ciphertext`, `<prefix>_masked` of an EncryptedValue (all None for
    None); raises UnprojectableError for anything else, so PII never reaches a column in clear."""
    if value is None:
        return {f"{prefix}_key_id": None, f"{prefix}_ciphertext": None, f"{prefix}_masked": None}
    if not is_encrypted_value(value):
        raise UnprojectableError(f"{prefix} is not an EncryptedValue; refusing to store it")
    return {f"{prefix}_key_id": value["key_id"], f"{prefix}_ciphertext": bytes(value["ciphertext"]),
            f"{prefix}_masked": value["masked"]}


def encrypted_value(row: Mapping[str, Any], prefix: str) -> dict[str, Any] | None:
    """The EncryptedValue dict stored in a row's `<prefix>_*` columns (for schemas.pii.decrypt_field),
    or None when there is none."""
    key_id = row.get(f"{prefix}_key_id")
    if key_id is None:
        return None
    ciphertext = bytes(row[f"{prefix}_ciphertext"])
    return {"key_id": key_id, "ciphertext": ciphertext, "masked": row[f"{prefix}_masked"]}


def address_columns(address: Mapping[str, Any] | None) -> Row:
    """An address as `address_street`, `address_city`, `address_state`, `address_zip`."""
    address = address or {}
    return {f"address_{name}": address.get(name) for name in ("street", "city", "state", "zip")}


def _pick(source: Mapping[str, Any], names: Sequence[str]) -> Row:
    return {name: source.get(name) for name in names}


def _optional(make: Any, application_id: str, value: Mapping[str, Any] | None) -> tuple[Row, ...]:
    return () if value is None else (make(application_id, value),)


def _finding(item: Mapping[str, Any]) -> Row:
    return {"code": item["code"], "message": item["message"], "field": item.get("field"),
            "document_id": item.get("document_id")}


def _correction(item: Mapping[str, Any]) -> Row:
    value_type, value = json_value(item.get("value"))
    return {
        "command_id": item["command_id"], "path": item["path"], "value_type": value_type, "value": value,
        "actor": item["actor"], "reason": item.get("reason"), "at": _iso(_timestamp(item["at"])),
    }


def json_value(value: Any) -> tuple[str | None, Any]:
    """(type name, JSON-safe value) of a correction value: money as a 2-decimal string ("decimal"),
    dates ISO ("date"), EncryptedValue with base64 ciphertext ("encrypted"); booleans, integers
    ("long"), floats ("double") and text ("string") as they are; (None, None) for None."""
    if value is None:
        return None, None
    if is_encrypted_value(value):
        return "encrypted", {"key_id": value["key_id"], "masked": value["masked"],
                             "ciphertext": base64.b64encode(bytes(value["ciphertext"])).decode("ascii")}
    if isinstance(value, Mapping):
        raise UnprojectableError("a correction value that is a record must be an EncryptedValue")
    if isinstance(value, bool):
        return "boolean", value
    if isinstance(value, int):
        return "long", value
    if isinstance(value, float):
        return "double", value
    if isinstance(value, Decimal):
        return "decimal", f"{value:.2f}"
    if isinstance(value, datetime):
        raise UnprojectableError("a correction value cannot be a timestamp")
    if isinstance(value, date):
        return "date", value.isoformat()
    return "string", str(value)


def _timestamp(value: Any) -> datetime | None:
    """Aware UTC datetime from what fastavro gives for timestamp-millis (datetime, or epoch ms)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
