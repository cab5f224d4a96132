"""One representative, schema-valid value per value schema, for tests and documentation.

Every name, number and id here is invented. Encrypted values carry placeholder ciphertext that
no key opens: they show the shape, not a usable secret. Each call returns a fresh copy.
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from infra.topics import BY_NAME
from schemas.catalog import UnknownTopicError

RECEIVED_AT = datetime(2025, 3, 4, 15, 30, 12, 345000, tzinfo=UTC)
SUBMISSION_ID = "5f2b" * 16
APPLICATION_ID = "a1c3" * 16
DOCUMENT_ID = "d0c5" * 16


def _blob(key: str, size: int, content_type: str) -> dict[str, Any]:
    return {"uri": f"file:///var/mca/objects/{key}", "size": size, "sha256": "ab" * 32,
            "content_type": content_type}


def _encrypted(masked: str) -> dict[str, Any]:
    return {"key_id": "k1", "ciphertext": b"\x00" * 12 + b"placeholder-ciphertext", "masked": masked}


def _address(street: str, city: str, state: str, zip_code: str) -> dict[str, Any]:
    return {"street": street, "city": city, "state": state, "zip": zip_code}


SUBMISSION = {
    "submission_id": SUBMISSION_ID, "application_id": APPLICATION_ID,
    "message_id": "<20250304153012.77A1@mail.example-iso.com>", "iso_broker": "example-iso.com",
    "sender": "deals@example-iso.com", "subject": "New deal: Example Bakery LLC, $50k",
    "email_date": RECEIVED_AT, "received_at": RECEIVED_AT, "document_count": 3, "reading": 0,
}
DOCUMENT = {
    "document_id": DOCUMENT_ID, "index": 1, "position": "1", "filename": "March statement.pdf",
    "content_type": "application/pdf", "size": 48213, "sha256": "cd" * 32,
    "blob": _blob("documents/cdcd.pdf", 48213, "application/pdf"), "container": None,
}
PAGE = {
    "page_number": 1, "raster": True, "text_layer": False, "rotation": 90, "skew_degrees": -2.5,
    "width_pt": 612.0, "height_pt": 792.0, "dpi": 300, "image": _blob("pages/cdcd-1.png", 90211, "image/png"),
    "words": _blob("words/cdcd-1.json", 15872, "application/json"), "word_count": 412,
    "mean_confidence": 0.91, "engine": "tesseract 5.3.0",
}
TIMINGS = {"render": 180.5, "deskew": 22.0, "ocr": 1450.0}

EMAIL_RECEIVED = {
    "submission_id": SUBMISSION_ID, "raw": _blob("raw/5f2b.eml", 312004, "message/rfc822"), "channel": "smtp",
    "sender": "deals@example-iso.com", "sender_domain": "example-iso.com",
    "envelope_sender": "bounces@example-iso.com", "recipients": ["submissions@funder.example"],
    "subject": SUBMISSION["subject"], "message_id": SUBMISSION["message_id"], "date": RECEIVED_AT,
    "received_at": RECEIVED_AT, "body_preview": "Please find attached the application and statements.",
    "authentication": {"spf": "pass", "dkim": "pass", "dmarc": "pass", "source": "header",
                       "authserv_id": "mx.funder.example"},
    "attachments": [{"position": 0, "filename": "application.pdf", "content_type": "application/pdf",
                     "size": 80211, "sha256": "ef" * 32, "uri": "file:///var/mca/objects/att/efef.pdf",
                     "inline_cid": None, "nested_path": "", "note": None}],
    "defects": [],
    "reading": 0,
}
DOCUMENT_RECEIVED = {"submission": SUBMISSION, "document": DOCUMENT, "doc_type": None, "status": None,
                     "reason": None, "detail": None}
PAGE_EVENT = {"submission": SUBMISSION, "document": DOCUMENT, "page_count": 3, "page": PAGE,
              "form_fields": None, "timings_ms": TIMINGS}
DOCUMENT_READ = {"submission": SUBMISSION, "document": DOCUMENT, "doc_type": None, "status": None,
                 "reason": None, "detail": None, "page_count": 1, "pages": [PAGE], "form_fields": None,
                 "timings_ms": TIMINGS}
BOX = {"x0": 0.61, "y0": 0.12, "x1": 0.78, "y1": 0.14}
DOCUMENT_EXTRACTED = {
    "submission": SUBMISSION, "document": DOCUMENT, "doc_type": "bank_statement", "status": "read",
    "reason": None, "detail": None, "page_count": 1, "pages": [PAGE], "classification_confidence": 0.97,
    "fields": [
        {"path": "bank_statement.bank_name", "value": "First Example Bank", "confidence": 0.95, "page": 1,
         "box": BOX, "source": "ocr", "label": None, "errors": []},
        {"path": "bank_statement.period_start", "value": date(2025, 2, 1), "confidence": 0.9, "page": 1,
         "box": BOX, "source": "ocr", "label": "Statement Period", "errors": []},
        {"path": "bank_statement.total_deposits", "value": Decimal("42388.80"), "confidence": 0.99,
         "page": None, "box": None, "source": "computed", "label": None, "errors": []},
        {"path": "bank_statement.deposit_count", "value": 39, "confidence": 0.99, "page": None, "box": None,
         "source": "computed", "label": None, "errors": []},
        {"path": "bank_statement.reconciled", "value": True, "confidence": 1.0, "page": None, "box": None,
         "source": "computed", "label": None, "errors": []},
        {"path": "voided_check.account_number", "value": _encrypted("******6911"), "confidence": 0.8,
         "page": 1, "box": BOX, "source": "ocr", "label": None, "errors": []},
    ],
    "transactions": _blob("transactions/d0c5.json", 20411, "application/json"),
    "extractor_version": "0.1.0", "extracted_at": RECEIVED_AT, "timings_ms": {"extract": 35.0},
}
STATEMENT = {
    "document_id": DOCUMENT_ID, "bank_name": "First Example Bank", "account_last4": "9529",
    "period_start": date(2025, 2, 1), "period_end": date(2025, 2, 28),
    "beginning_balance": Decimal("2547.14"), "ending_balance": Decimal("4819.25"),
    "total_deposits": Decimal("42388.80"), "deposit_count": 39,
    "total_withdrawals": Decimal("40116.69"), "nsf_count": 2, "negative_days": 3,
    "average_daily_balance": Decimal("2361.10"), "reconciled": True, "true_revenue": Decimal("40100.00"),
    "mca_positions": [{"lender": "EXAMPLE CAP", "frequency": "daily", "amount": Decimal("528.00"),
                       "occurrences": 20}],
}
APPLICATION = {
    "application_id": APPLICATION_ID, "version": 2, "status": "review_required", "status_detail": None,
    "review_reasons": [{"code": "statements_missing", "message": "Only one bank statement was attached.",
                        "field": None, "document_id": None}],
    "warnings": [{"code": "ownership_below_100", "message": "Owners listed hold 90.00%.",
                  "field": "owners", "document_id": None}],
    "extractor_version": "0.1.0", "iso_broker": "example-iso.com", "duplicate_of": None,
    "related_application_ids": [], "submission": SUBMISSION,
    "merchant": {"legal_name": "Example Bakery LLC", "dba_name": "Example Bakery", "ein": "12-3456789",
                 "address": _address("1 Main St", "Springfield", "IL", "62701"), "phone": "+12175550123",
                 "email": "owner@examplebakery.test", "industry": "Bakery",
                 "business_start_date": date(2015, 5, 11), "entity_type": "LLC",
                 "annual_revenue": Decimal("822500.00")},
    "funding": {"amount_requested": Decimal("50000.00"), "use_of_funds": "Equipment purchase"},
    "owners": [{"name": "Pat Example", "ssn": _encrypted("***-**-6789"),
                "date_of_birth": _encrypted("****-**-**"),
                "address": _address("2 Oak Ave", "Springfield", "IL", "62702"),
                "ownership_pct": Decimal("90.00"), "phone": "+12175550124",
                "email": "pat@examplebakery.test"}],
    "bank_statements": [STATEMENT],
    "bank_summary": {"months_covered": 1, "period_start": date(2025, 2, 1), "period_end": date(2025, 2, 28),
                     "gap_months": [], "total_deposits": Decimal("42388.80"),
                     "true_revenue": Decimal("40100.00"),
                     "average_monthly_true_revenue": Decimal("40100.00"), "mca_debits": Decimal("10560.00"),
                     "position_load": 0.263},
    "voided_check": {"document_id": "c4ec" * 16, "bank_name": "First Example Bank",
                     "routing_number": _encrypted("*****5266"), "account_number": _encrypted("******6911"),
                     "routing_checksum_valid": True},
    "documents": [{"document_id": DOCUMENT_ID, "submission_id": SUBMISSION_ID,
                   "filename": "March statement.pdf",
                   "content_type": "application/pdf", "doc_type": "bank_statement", "status": "read",
                   "reason": None, "detail": None, "pages": 1, "raster": True, "skew_deg": -2.5,
                   "blob": DOCUMENT["blob"], "container": None}],
    "fields": [{"path": "merchant.ein", "document_id": "a99a" * 16, "page": 1, "box": BOX, "confidence": 0.97,
                "source": "extracted", "errors": []}],
    "corrections": [{"command_id": "0b0e7f0c-8f5e-4c0a-9a57-3c1f1d1a2b3c", "path": "funding.amount_requested",
                     "value": Decimal("50000.00"), "actor": "user:42", "reason": "Per phone call",
                     "at": RECEIVED_AT}],
    "review": None, "received_at": RECEIVED_AT, "updated_at": RECEIVED_AT,
}
APPLICATION_EVENT = {
    "event_id": "3f0d3c1e-3b0a-5e57-8f4b-0f9c1d2e3a4b", "type": "application.review_required",
    "application_id": APPLICATION_ID, "version": 2, "occurred_at": RECEIVED_AT, "status": "review_required",
    "previous_status": None, "reasons": ["statements_missing"], "warnings": ["ownership_below_100"],
    "submission_id": SUBMISSION_ID, "iso_broker": "example-iso.com", "duplicate_of": None,
    "merchant_name": "Example Bakery LLC", "amount_requested": Decimal("50000.00"),
    "extractor_version": "0.1.0",
    "actor": None, "command_id": None, "corrected_fields": [],
}
APPLICATION_CORRECTION = {
    "command_id": "0b0e7f0c-8f5e-4c0a-9a57-3c1f1d1a2b3c", "type": "correct_field",
    "application_id": APPLICATION_ID, "field": "owners[0].ssn", "value": _encrypted("***-**-6789"),
    "document_id": None, "decision": None, "expected_version": 2, "actor": "user:42",
    "reason": "Typo on the form", "at": RECEIVED_AT,
}
DEAD_LETTER = {
    "stage": "render", "error_type": "SerializationError", "error_message": "bad magic byte",
    "source_topic": "mca.document.received", "source_partition": 3, "source_offset": 1234,
    "source_timestamp": RECEIVED_AT, "key": APPLICATION_ID.encode(), "value": b"\x01not-avro",
    "headers": [{"key": "traceparent", "value": b"00-abc-def-01"}], "application_id": APPLICATION_ID,
    "attempts": 1, "worker": "worker-1:4242", "at": RECEIVED_AT,
}
WEBHOOK_DELIVERY = {
    "delivery_id": "msg_" + "9f" * 16, "endpoint_id": "ep_7", "event_id": APPLICATION_EVENT["event_id"],
    "event_type": "application.review_required", "application_id": APPLICATION_ID,
    "payload": '{"type": "application.review_required", "data": {"application_id": "a1c3"}}', "attempt": 1,
    "created_at": RECEIVED_AT, "next_attempt_at": RECEIVED_AT, "last_attempt_at": RECEIVED_AT,
    "last_status_code": 503, "last_error": None, "last_latency_ms": 212,
}

EXAMPLES: dict[str, dict[str, Any]] = {
    "email_received": EMAIL_RECEIVED, "document_received": DOCUMENT_RECEIVED, "page_ready": PAGE_EVENT,
    "page_read": PAGE_EVENT, "document_read": DOCUMENT_READ, "document_extracted": DOCUMENT_EXTRACTED,
    "application": APPLICATION, "application_event": APPLICATION_EVENT,
    "application_correction": APPLICATION_CORRECTION, "dead_letter": DEAD_LETTER,
    "webhook_delivery": WEBHOOK_DELIVERY,
}


def example_value(topic: str) -> dict[str, Any]:
    """A fresh, schema-valid example value for `topic` (a topic name of infra/topics.py)."""
    spec = BY_NAME.get(topic)
    if spec is None:
        raise UnknownTopicError(f"unknown topic {topic!r}")
    return copy.deepcopy(EXAMPLES[spec.value_schema])
