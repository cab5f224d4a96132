"""What the application detail page shows beyond the detail model itself, pure: each document with
the fields read from it (value, page, box, marks), and the fields that came from no page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from api.models.applications import ApplicationDetail, Document, Provenance
from api.ui.fields import field_marks, reason_fields, value_at


@dataclass(frozen=True)
class FieldView:
    """A field as the viewer lists it."""

    path: str
    value: Any
    page: int | None
    box: tuple[float, float, float, float] | None
    confidence: float | None
    marks: list[str]
    errors: list[str]


@dataclass(frozen=True)
class DocumentView:
    """A document and the fields read from it, in page order."""

    document: Document
    fields: list[FieldView] = field(default_factory=list)

    @property
    def viewable(self) -> bool:
        """Whether the viewer can show its pages: a document that was read and has pages (a PDF or an
        image, whatever type the email claimed for it)."""
        return self.document.pages > 0 and self.document.status == "read"


def field_view(detail: ApplicationDetail, provenance: Provenance, flagged: set[str]) -> FieldView:
    """One field's view."""
    box = provenance.box
    return FieldView(
        path=provenance.path,
        value=value_at(detail, provenance.path),
        page=provenance.page,
        box=(box.x0, box.y0, box.x1, box.y1) if box is not None else None,
        confidence=provenance.confidence,
        marks=field_marks(provenance, flagged),
        errors=list(provenance.errors),
    )


def document_views(detail: ApplicationDetail) -> tuple[list[DocumentView], list[FieldView]]:
    """(each document with its fields, the fields of no document), in the detail's order."""
    flagged = reason_fields(detail.review_reasons)
    by_document: dict[str, list[FieldView]] = {}
    loose: list[FieldView] = []
    for provenance in detail.fields:
        view = field_view(detail, provenance, flagged)
        if provenance.document_id:
            by_document.setdefault(provenance.document_id, []).append(view)
        else:
            loose.append(view)
    documents = [
        DocumentView(document, sorted(by_document.get(document.document_id, []), key=lambda f: f.page or 0))
        for document in detail.documents
    ]
    return documents, loose
