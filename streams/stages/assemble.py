"""Merge a submission's documents into one application and decide its status.

Pure: the memory of earlier submissions (Message-IDs seen, EINs by ISO broker and date) is an
explicit `AssembleMemory` passed in and returned, so the Faust table and `mca extract` share the
same rules. Outcome precedence, first match wins (../shared/DESIGN.md "Statuses and events"):
duplicate > failed > rejected > review_required > processed.

`failed` is for internal errors only: a stage gave up on a message of the submission (a bug, a
library crash on a hostile file, a time limit; the Faust path dead-letters it, `mca extract`
catches it). The document concerned is `invalid` with a reason `internal_error:<stage>:<error
type>` (the document vocabulary has no `failed`), and the application is `failed` with a
`status_detail` naming the stage and the document: its other documents may have been fine, but
nobody can say what the failed one held, so neither `rejected` nor a review of what was read is
honest. A duplicate stays a duplicate: the Message-ID alone decides that.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from streams.stages.assemble_memory import AssembleMemory, SeenSubmission
from streams.stages.extract.bank_statement import BankStatement
from streams.stages.extract.document import EXTRACTOR_VERSION, DocumentExtraction
from streams.stages.extract.fields import Field
from streams.stages.extract.revenue import StatementAnalysis, analyse_statements
from streams.stages.extract.validators import ownership_total_ok

logger = logging.getLogger(__name__)

REQUIRED_MERCHANT = ("legal_name", "ein", "address.street", "address.city", "address.state")
REQUIRED_FUNDING = ("amount_requested",)
REQUIRED_OWNER = ("name", "ssn")
SAME_ISO_WINDOW = dt.timedelta(days=30)
MIN_CONFIDENCE = 0.6


@dataclass(frozen=True)
class Submission:
    """The email a submission came in: Message-ID, sender address, Date header, subject."""

    message_id: str | None
    sender: str | None
    received_at: dt.datetime | None = None
    subject: str | None = None

    @property
    def iso(self) -> str:
        """The ISO broker: the sender's domain, lower-cased ('' when unknown)."""
        return (self.sender or "").rpartition("@")[2].strip(" >").lower()


@dataclass(frozen=True)
class StageFailure:
    """A stage gave up on part of a submission (internal error): the stage, the error's type (no
    message: it may hold PII) and the document, or None when the whole submission failed (split)."""

    stage: str
    error_type: str
    document_id: str | None = None

    @property
    def reason(self) -> str:
        """The failed document's reason: `internal_error:<stage>:<error type>`."""
        return f"{FAILED_REASON}:{self.stage}:{self.error_type}"

    @property
    def detail(self) -> str:
        """What the application's status_detail says of this failure."""
        where = f"document {self.document_id}" if self.document_id else "the submission"
        return f"{self.stage} failed on {where} ({self.error_type})"


FAILED_REASON = "internal_error"


@dataclass(frozen=True)
class DocumentResult:
    """One attachment: as read (type, status, reason, pages) and, when read, what was extracted;
    `failure` when a stage failed on it (then it is `invalid` with the failure's reason)."""

    filename: str
    doc_type: str
    status: str
    reason: str | None = None
    pages: int = 0
    extraction: DocumentExtraction | None = None
    failure: StageFailure | None = None


def failed_document(filename: str, failure: StageFailure, pages: int = 0) -> DocumentResult:
    """The result of a document a stage failed on: `invalid`, its reason naming stage and error type."""
    return DocumentResult(filename, "invalid", "invalid", failure.reason, pages, None, failure)


@dataclass(frozen=True)
class ReviewItem:
    """Why an application needs review: a reason code and what it is about."""

    reason: str
    subject: str | None = None


@dataclass(frozen=True)
class Application:
    """The assembled application (read model: see application_json.application_to_json)."""

    application_id: str
    submission: Submission
    status: str
    review: tuple[ReviewItem, ...]
    warnings: tuple[str, ...]
    documents: tuple[DocumentResult, ...]
    merchant: Mapping[str, Field] | None
    funding: Mapping[str, Field] | None
    owners: tuple[Mapping[str, Field], ...]
    bank_statements: tuple[BankStatement, ...]
    voided_check: Mapping[str, Field] | None
    analysis: StatementAnalysis | None
    duplicate_of: str | None = None
    extractor_version: str = EXTRACTOR_VERSION
    sources: Mapping[str, str] = field(default_factory=dict)
    failures: tuple[StageFailure, ...] = ()

    @property
    def review_reasons(self) -> tuple[str, ...]:
        """Distinct review reason codes, in the order first raised."""
        return tuple(dict.fromkeys(item.reason for item in self.review))


def application_id_for(message_id: str | None, fallback: str = "") -> str:
    """Deterministic id from the first submission's Message-ID (or a fallback such as the raw sha256)."""
    basis = (message_id or "").strip().lower() or fallback
    return "app-" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:24]


def _read(documents: Sequence[DocumentResult], doc_type: str) -> list[DocumentResult]:
    return [
        d for d in documents if d.status == "read" and d.doc_type == doc_type and d.extraction is not None
    ]


def _merge(maps: Sequence[Mapping[str, Field]]) -> dict[str, Field]:
    merged: dict[str, Field] = {}
    for mapping in maps:
        for key, value in mapping.items():
            merged.setdefault(key, value)
    return merged


def assemble_application(
    submission: Submission,
    documents: Sequence[DocumentResult],
    memory: AssembleMemory,
    *,
    application_id: str | None = None,
    min_confidence: float = MIN_CONFIDENCE,
    failures: Sequence[StageFailure] = (),
) -> tuple[Application, AssembleMemory]:
    """Assemble one submission against the memory of earlier ones; returns the application and the
    memory including this submission (unchanged for a duplicate, which links to the original).

    `failures` are failures of the whole submission (split); documents a stage failed on carry
    their own. Any failure makes the application `failed` (see the module docstring)."""
    app_id = application_id or application_id_for(submission.message_id, submission.subject or "")
    applications = [d.extraction.application for d in _read(documents, "iso_application")]
    statements = [d.extraction.statement for d in _read(documents, "bank_statement")]
    checks = [d.extraction.check for d in _read(documents, "voided_check")]
    merchant = _merge([a.merchant for a in applications if a]) if applications else None
    funding = _merge([a.funding for a in applications if a]) if applications else None
    owners = next((a.owners for a in applications if a and a.owners), ())
    statements = sorted((s for s in statements if s), key=lambda s: _period_key(s))
    check = _merge([c.fields for c in checks if c]) if checks else None
    analysis = analyse_statements(statements) if statements else None
    base = Application(
        application_id=app_id,
        submission=submission,
        status="processed",
        review=(),
        warnings=(),
        documents=tuple(documents),
        merchant=merchant,
        funding=funding,
        owners=tuple(owners),
        bank_statements=tuple(statements),
        voided_check=check,
        analysis=analysis,
    )
    original = memory.application_for(submission.message_id)
    if original is not None:
        return replace(base, application_id=original, status="duplicate", duplicate_of=original), memory
    failed = (*failures, *(d.failure for d in documents if d.failure is not None))
    if failed:
        app = replace(base, status="failed", warnings=tuple(_warnings(base, memory)), failures=failed)
        return app, memory.remember(_seen(app_id, submission, merchant))
    if not documents or (not applications and not statements):
        return replace(base, status="rejected"), memory.remember(_seen(app_id, submission, merchant))
    review = _review_items(base, memory, min_confidence)
    warnings = _warnings(base, memory)
    status = "review_required" if review else "processed"
    app = replace(base, status=status, review=tuple(review), warnings=tuple(warnings))
    return app, memory.remember(_seen(app_id, submission, merchant))


def status_detail(app: Application) -> str | None:
    """Why an application is rejected, a duplicate or failed (no PII); None otherwise."""
    if app.status == "duplicate":
        return "resend_of_seen_message_id"
    if app.status == "rejected":
        return "no_attachments" if not app.documents else "nothing_readable"
    if app.status == "failed":
        return f"{FAILED_REASON}: " + "; ".join(f.detail for f in app.failures)
    return None


def _period_key(statement: BankStatement) -> tuple[str, str]:
    start = statement.fields.get("period_start")
    last4 = statement.fields.get("account_last4")
    return (start.value if start else "9999", last4.value if last4 else "")


def _seen(app_id: str, submission: Submission, merchant: Mapping[str, Field] | None) -> SeenSubmission:
    ein = merchant.get("ein") if merchant else None
    return SeenSubmission(
        app_id, submission.message_id, submission.iso, submission.received_at, ein.value if ein else None
    )


def _review_items(app: Application, memory: AssembleMemory, min_confidence: float) -> list[ReviewItem]:
    items = [ReviewItem("invalid_document", d.filename) for d in app.documents if d.status == "invalid"]
    if app.merchant is None:
        items.append(ReviewItem("application_missing"))
    if not app.bank_statements:
        items.append(ReviewItem("statements_missing"))
    for statement in app.bank_statements:
        if not statement.reconciled:
            period = statement.fields.get("period_start")
            items.append(ReviewItem("balances_do_not_reconcile", period.value if period else None))
    if app.merchant is not None:
        items += _field_items(app, min_confidence)
        ein = app.merchant.get("ein")
        if ein is not None and memory.other_iso_submitted(ein.value, app.submission.iso):
            items.append(ReviewItem("ein_seen_from_other_iso", ein.value))
    return items


def _field_items(app: Application, min_confidence: float) -> list[ReviewItem]:
    items: list[ReviewItem] = []
    required = [("merchant", k, (app.merchant or {}).get(k)) for k in REQUIRED_MERCHANT]
    required += [("funding", k, (app.funding or {}).get(k)) for k in REQUIRED_FUNDING]
    owner = next(
        (o for o in app.owners if o.get("name") and o.get("ssn")), app.owners[0] if app.owners else {}
    )
    required += [("owner", k, owner.get(k)) for k in REQUIRED_OWNER]
    for scope, key, value in required:
        if value is None or value.value in (None, ""):
            items.append(ReviewItem("required_field_missing", f"{scope}.{key}"))
        elif value.confidence < min_confidence:
            items.append(ReviewItem("low_confidence", f"{scope}.{key}"))
    scoped = [("merchant", app.merchant or {}), ("funding", app.funding or {})]
    scoped += [(f"owners[{i}]", o) for i, o in enumerate(app.owners)]
    for scope, mapping in scoped:
        for key, value in mapping.items():
            if not value.valid:
                items.append(ReviewItem("invalid_value", f"{scope}.{key}"))
    if not ownership_total_ok(_percentages(app)):
        items.append(ReviewItem("invalid_value", "owners.ownership_pct"))
    return items


def _percentages(app: Application) -> list[Decimal]:
    return [Decimal(o["ownership_pct"].value) for o in app.owners if o.get("ownership_pct")]


def _warnings(app: Application, memory: AssembleMemory) -> list[str]:
    warnings: list[str] = []
    ein = (app.merchant or {}).get("ein")
    if ein is not None and memory.same_iso_recently(
        ein.value, app.submission.iso, app.submission.received_at, SAME_ISO_WINDOW
    ):
        warnings.append("resubmission_same_iso_within_30_days")
    percentages = _percentages(app)
    if percentages and sum(percentages) < Decimal(100):
        warnings.append("ownership_below_100")
    if app.analysis is not None and app.analysis.missing_months:
        warnings.append("statement_period_gap")
    if any(_unusual(s) for s in app.bank_statements):
        warnings.append("unusual_values")
    return warnings


def _unusual(statement: BankStatement) -> bool:
    """Values worth a second look though not wrong: a long run of negative days or many NSFs."""
    negative = statement.fields.get("negative_days")
    nsf = statement.fields.get("nsf_count")
    return bool((negative and negative.value >= 20) or (nsf and nsf.value >= 15))
