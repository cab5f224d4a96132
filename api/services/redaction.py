"""Where PII is printed on a document's pages, for callers who may not read it in clear.

The PII fields are the API's own: a provenance path is PII exactly when the API seals and masks
it (`api.fields.field_spec(path).pii`, read from the `mca.application` schema's EncryptedValue
fields: owners' SSN and date of birth, the voided check's routing and account numbers). Their
provenance boxes on a page are what a page image must cover before a caller without `pii:read`
sees it. A PII value whose box the pipeline did not record cannot be located here.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.fields import FieldError, field_spec
from schemas.db.projection import Document, FieldProvenance

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 as fractions of the page


def is_pii_path(path: str) -> bool:
    """Whether the field at `path` (e.g. `owners[0].ssn`) is PII, as the API masks it (pure)."""
    try:
        return field_spec(path).pii
    except FieldError:
        return False


def pii_boxes(session: Session, *, document_id: str, page: int) -> tuple[Box, ...]:
    """The boxes of every PII field read from `page` of the document, sorted (stable as a cache key)."""
    rows = session.execute(
        select(
            FieldProvenance.path,
            FieldProvenance.box_x0,
            FieldProvenance.box_y0,
            FieldProvenance.box_x1,
            FieldProvenance.box_y1,
        )
        # Through the document's application: provenance is keyed (application_id, path).
        .join(Document, Document.application_id == FieldProvenance.application_id)
        .where(
            Document.document_id == document_id,
            FieldProvenance.document_id == document_id,
            FieldProvenance.page == page,
        )
    )
    boxes: set[Box] = set()
    for path, x0, y0, x1, y1 in rows:
        if is_pii_path(path) and x0 is not None and y0 is not None and x1 is not None and y1 is not None:
            boxes.add((x0, y0, x1, y1))
    return tuple(sorted(boxes))
