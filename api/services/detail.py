"""One application in full: its projection rows (see loading.py) as the detail model, PII through a
presenter, and the audit record of a PII read."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy.orm import Session

from api.audit import RequestInfo, audit
from api.config import API_PREFIX
from api.masking import PiiPresenter
from api.models import applications as models
from api.permissions import PII_READ
from api.security import Principal
from api.services.loading import ApplicationRows, Row
from consumers.postgres_sink.mapping import encrypted_value
from infra.crypto import KeyRing
from schemas.pii import decrypt_field

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


def _model(model: type[M], row: Row, **extra: Any) -> M:
    """`model` from the row's columns of the same names (plus `extra`)."""
    return model(
        **{name: row[name] for name in model.model_fields if name in row and name not in extra}, **extra
    )


def _address(row: Row) -> models.Address:
    return models.Address(
        street=row["address_street"],
        city=row["address_city"],
        state=row["address_state"],
        zip=row["address_zip"],
    )


def _pii(shown: dict[str, Any] | None) -> models.PiiValue | None:
    return None if shown is None else models.PiiValue(**shown)


def _owner(owner: Row, presenter: PiiPresenter) -> models.Owner:
    prefix = f"owners[{owner['position']}]"
    return _model(
        models.Owner,
        owner,
        address=_address(owner),
        ssn=presenter.field(encrypted_value(owner, "ssn"), path=f"{prefix}.ssn"),
        date_of_birth=presenter.field(
            encrypted_value(owner, "date_of_birth"), path=f"{prefix}.date_of_birth"
        ),
    )


def _voided_check(row: Row, presenter: PiiPresenter) -> models.VoidedCheck | None:
    routing = encrypted_value(row, "voided_check_routing_number")
    account = encrypted_value(row, "voided_check_account_number")
    if row["voided_check_document_id"] is None and routing is None and account is None:
        return None
    return models.VoidedCheck(
        document_id=row["voided_check_document_id"],
        bank_name=row["voided_check_bank_name"],
        routing_checksum_valid=row["voided_check_routing_checksum_valid"],
        routing_number=_pii(presenter.field(routing, path="voided_check.routing_number")),
        account_number=_pii(presenter.field(account, path="voided_check.account_number")),
    )


def _bank_summary(row: Row) -> models.BankSummary | None:
    if row["bank_months_covered"] is None and row["bank_total_deposits"] is None:
        return None
    values = {name: row[f"bank_{name}"] for name in models.BankSummary.model_fields}
    return models.BankSummary(**{**values, "gap_months": list(values["gap_months"] or ())})


def _statements(statements: Sequence[Row], positions: Sequence[Row]) -> list[models.BankStatement]:
    by_statement: dict[int, list[models.McaPosition]] = {}
    for position in positions:
        by_statement.setdefault(position["statement_position"], []).append(
            _model(models.McaPosition, position)
        )
    return [
        _model(models.BankStatement, statement, mca_positions=by_statement.get(statement["position"], []))
        for statement in statements
    ]


def _document(document: Row) -> models.Document:
    return _model(
        models.Document,
        document,
        size=document["blob_size"],
        sha256=document["blob_sha256"],
        download_url=f"{API_PREFIX}/documents/{document['document_id']}/content",
    )


def _provenance(field: Row) -> models.Provenance:
    corners = (field["box_x0"], field["box_y0"], field["box_x1"], field["box_y1"])
    box = None if None in corners else models.Box(x0=corners[0], y0=corners[1], x1=corners[2], y1=corners[3])
    return _model(models.Provenance, field, box=box, errors=list(field["errors"] or ()))


def _correction(item: Mapping[str, Any], presenter: PiiPresenter) -> models.Correction:
    path = str(item.get("path"))
    return models.Correction(
        command_id=str(item.get("command_id")),
        path=path,
        value_type=item.get("value_type"),
        value=presenter.correction_value(item.get("value_type"), item.get("value"), path=path),
        actor=str(item.get("actor")),
        reason=item.get("reason"),
        at=item.get("at"),
    )


def application_detail(rows: ApplicationRows, *, presenter: PiiPresenter) -> models.ApplicationDetail:
    """The detail model of one application's rows (PII through `presenter`)."""
    head = rows.application
    merchant, funding, submission = (
        rows.one("merchants"),
        rows.one("funding_requests"),
        rows.one("submissions"),
    )
    review = None
    if head["review_decision"]:
        review = models.Review(
            decision=head["review_decision"],
            actor=head["review_actor"],
            note=head["review_note"],
            at=head["reviewed_at"],
        )
    return _model(
        models.ApplicationDetail,
        head,
        review_reasons=[models.Finding(**item) for item in head["review_reasons"] or ()],
        warnings=[models.Finding(**item) for item in head["warnings"] or ()],
        related_application_ids=list(head["related_application_ids"] or ()),
        submission=_model(models.Submission, submission) if submission else None,
        merchant=_model(models.Merchant, merchant, address=_address(merchant)) if merchant else None,
        funding=_model(models.Funding, funding) if funding else None,
        owners=[_owner(owner, presenter) for owner in rows.children["owners"]],
        bank_statements=_statements(rows.children["bank_statements"], rows.children["mca_positions"]),
        bank_summary=_bank_summary(head),
        voided_check=_voided_check(head, presenter),
        documents=[_document(document) for document in rows.children["documents"]],
        fields=[_provenance(field) for field in rows.children["field_provenance"]],
        corrections=[_correction(item, presenter) for item in head["corrections"] or ()],
        review=review,
        history=[_model(models.HistoryEvent, event) for event in rows.events],
    )


def present_application(
    session: Session,
    *,
    rows: ApplicationRows,
    principal: Principal,
    request: RequestInfo,
    ring: KeyRing,
    reveal: bool,
) -> models.ApplicationDetail:
    """The detail of a loaded application as `principal` may see it: PII in clear only with
    `pii:read` and `reveal`, and then audited (committed here, before anything is answered)."""
    presenter = PiiPresenter(
        reveal=reveal and principal.can(PII_READ),
        decrypt=lambda sealed, path: decrypt_field(ring, sealed, field=path),
    )
    detail = application_detail(rows, presenter=presenter)
    application_id = rows.application["application_id"]
    if presenter.unreadable:
        logger.warning(
            "application %s: %d PII values did not decrypt", application_id, len(presenter.unreadable)
        )
    if presenter.revealed:
        audit(
            session,
            principal=principal,
            action="pii.read",
            target_type="application",
            target_id=application_id,
            request=request,
            detail={"fields": presenter.revealed, "version": rows.application["version"]},
        )
        session.commit()
    return detail
