"""Where each value of an application came from: the FieldProvenance records of mca.application
(document, page, box, confidence, validation errors), found by identity among the documents'
extractions, since assemble merges the very Field objects the extractors returned."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from streams.stages.assemble import Application
from streams.stages.extract.fields import Field
from streams.wire.extraction import box_record
from streams.wire.values import leaf

if TYPE_CHECKING:
    from streams.wire.application import DocumentMeta


def field_provenance(app: Application, metas: Sequence[DocumentMeta]) -> list[dict[str, Any]]:
    """A FieldProvenance record for every value of `app` (documents described by `metas`, in order)."""
    scoped: list[tuple[str, Mapping[str, Field], str]] = []
    if app.merchant is not None:
        scoped += [("merchant", app.merchant, "application"), ("funding", app.funding or {}, "application")]
        scoped += [(f"owners[{i}]", owner, "application") for i, owner in enumerate(app.owners)]
    for index, statement in enumerate(app.bank_statements):
        scoped.append((f"bank_statements[{index}]", statement.fields, "statement"))
    if app.voided_check is not None:
        scoped.append(("voided_check", app.voided_check, "check"))
    records = []
    for prefix, fields, kind in scoped:
        for key, value in fields.items():
            records.append(
                {
                    "path": f"{prefix}.{key}",
                    "document_id": _field_document(app, metas, value, kind),
                    "page": value.page,
                    "box": box_record(value.box),
                    "confidence": value.confidence,
                    "source": "computed" if value.page is None else "extracted",
                    "errors": [] if value.valid else [f"invalid_{leaf(key)}"],
                }
            )
    return records


def _field_document(app: Application, metas: Sequence[DocumentMeta], value: Field, kind: str) -> str | None:
    for meta, result in zip(metas, app.documents, strict=True):
        extraction = result.extraction
        if extraction is None:
            continue
        if kind == "application" and extraction.application is not None:
            application = extraction.application
            parts = [application.merchant, application.funding, *application.owners]
        elif kind == "statement" and extraction.statement is not None:
            parts = [extraction.statement.fields]
        elif kind == "check" and extraction.check is not None:
            parts = [extraction.check.fields]
        else:
            continue
        if any(f is value for part in parts for f in part.values()):
            return meta.entry.document_id
    return None
