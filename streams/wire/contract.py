"""The samples contract (../shared/samples/README.md) of an application, from either form it takes:
`mca extract`'s JSON or an mca.application record (PII decrypted). Two paths that agree give equal
contracts; the end-to-end test compares them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from infra.crypto import KeyRing
from schemas.pii import decrypt_field, is_encrypted_value
from streams.stages.application_json import CHECK_KEYS, STATEMENT_KEYS
from streams.stages.extract.iso_application import FUNDING_KEYS, MERCHANT_KEYS, OWNER_KEYS
from streams.stages.extract.validators import format_money

DOCUMENT_KEYS = ("filename", "doc_type", "status", "reason", "pages")
POSITION_KEYS = ("lender", "frequency", "amount")


def _text(value: Any, name: str, ring: KeyRing | None) -> Any:
    if is_encrypted_value(value):
        if ring is None:
            raise ValueError(f"{name} is encrypted and no key ring was given")
        return decrypt_field(ring, value, field=name)
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def _pick(source: Mapping[str, Any] | None, keys: tuple[str, ...], ring: KeyRing | None) -> Any:
    if source is None:
        return None
    out: dict[str, Any] = {}
    for key in keys:
        head, _, tail = key.partition(".")
        value = (source.get(head) or {}).get(tail) if tail else source.get(key)
        out[key] = _text(value, tail or key, ring)
    return out


def contract(application: Mapping[str, Any], ring: KeyRing | None = None) -> dict[str, Any]:
    """The contract view of an application: status, reasons, warnings, email, documents and the
    merchant / funding / owners / statements / check values, as text in the README's conventions.
    `application` is `mca extract`'s JSON or an mca.application record (then `ring` decrypts PII)."""
    record = "submission" in application
    email = application.get("email") or {}
    submission = application.get("submission") or {}
    reasons = application.get("review_reasons") or []
    warnings = application.get("warnings") or []
    return {
        "status": application["status"],
        "review_reasons": list(dict.fromkeys(r["code"] if isinstance(r, Mapping) else r for r in reasons)),
        "warnings": [w["code"] if isinstance(w, Mapping) else w for w in warnings],
        "extractor_version": application.get("extractor_version"),
        "duplicate_of": application.get("duplicate_of"),
        "email": {
            "message_id": submission.get("message_id") if record else email.get("message_id"),
            "from": submission.get("sender") if record else email.get("from"),
            "subject": submission.get("subject") if record else email.get("subject"),
        },
        "documents": [
            {**_pick(d, DOCUMENT_KEYS, ring), "filename": d.get("filename") or ""}
            for d in application.get("documents") or []
        ],
        "merchant": _pick(application.get("merchant"), MERCHANT_KEYS, ring),
        "funding": _pick(application.get("funding"), FUNDING_KEYS, ring),
        "owners": [_pick(o, OWNER_KEYS, ring) for o in application.get("owners") or []],
        "bank_statements": [
            {
                **(_pick(s, STATEMENT_KEYS, ring) or {}),
                "mca_positions": [_pick(p, POSITION_KEYS, ring) for p in s.get("mca_positions") or []],
            }
            for s in application.get("bank_statements") or []
        ],
        "voided_check": _pick(application.get("voided_check"), CHECK_KEYS, ring),
    }
