"""Commands as the API publishes them (mca.application.correction values), for the command tests."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from infra.crypto import new_key_spec, parse_key_ring
from schemas.pii import encrypt_field

RING = parse_key_ring(new_key_spec("commands"))
SSN_CORRECTED = encrypt_field(RING, "987-65-4321", field="owners[0].ssn")
AT = dt.datetime(2025, 3, 5, 8, 59, tzinfo=dt.UTC)


def command(
    kind: str,
    *,
    field: str | None = None,
    value: Any = None,
    decision: str | None = None,
    expected: int | None = 1,
    reason: str | None = "per phone call",
    application_id: str | None = None,
) -> dict[str, Any]:
    """A command of `kind` made against version `expected` by user:7."""
    return {
        "command_id": str(uuid.uuid4()),
        "type": kind,
        "application_id": application_id or "a" * 64,
        "field": field,
        "value": value,
        "document_id": None,
        "decision": decision,
        "expected_version": expected,
        "actor": "user:7",
        "reason": reason,
        "at": AT,
    }


def finding(code: str, field: str | None = None) -> dict[str, Any]:
    """A review reason as the record carries it."""
    return {"code": code, "message": code.replace("_", " "), "field": field, "document_id": None}
