"""A document's extraction on the wire: the ExtractedField list of mca.document.extracted (paths in
the read model's names, PII encrypted) plus the statement's transactions as a JSON blob, and back
to the DocumentExtraction the assemble stage merges.

Paths: merchant.<key>, funding.<key>, owners[i].<key>; bank_statement.<key>,
bank_statement.reconciled, bank_statement.mca_positions[i].<attribute>; voided_check.<key>,
voided_check.micr_found. Each field carries the confidence, page and box of its value.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from infra.crypto import KeyRing
from streams.stages.classify import Classification
from streams.stages.extract.bank_statement import BankStatement
from streams.stages.extract.document import DocumentExtraction
from streams.stages.extract.fields import Field
from streams.stages.extract.iso_application import IsoApplication
from streams.stages.extract.positions import McaPosition
from streams.stages.extract.transactions import Transaction
from streams.stages.extract.voided_check import VoidedCheck
from streams.stages.text import Box
from streams.wire.jsonable import from_jsonable, to_jsonable
from streams.wire.values import from_wire, leaf, to_wire

COMPUTED_LABEL = "computed"
PROVENANCE = ("confidence", "page", "box")
_OWNER = re.compile(r"^owners\[(\d+)\]\.(.+)$")
_POSITION = re.compile(r"^bank_statement\.mca_positions\[(\d+)\]\.(\w+)$")


def box_record(box: Box | None) -> dict[str, float] | None:
    """A Box record (page fractions), or None."""
    return None if box is None else {"x0": box.x0, "y0": box.y0, "x1": box.x1, "y1": box.y1}


def box_value(record: Mapping[str, float] | None) -> Box | None:
    """The Box a Box record describes, or None."""
    return None if record is None else Box(record["x0"], record["y0"], record["x1"], record["y1"])


def _record(
    path: str,
    value: Any,
    ring: KeyRing,
    *,
    confidence: float,
    page: int | None,
    box: Box | None,
    label: str | None,
    valid: bool,
    source: str,
) -> dict[str, Any]:
    return {
        "path": path,
        "value": to_wire(path, value, ring),
        "confidence": float(confidence),
        "page": page,
        "box": box_record(box),
        "source": source,
        "label": label,
        "errors": [] if valid else [f"invalid_{leaf(path)}"],
    }


def _field_records(
    prefix: str, fields: Mapping[str, Field], ring: KeyRing, source: str
) -> list[dict[str, Any]]:
    return [
        _record(
            f"{prefix}.{key}",
            f.value,
            ring,
            confidence=f.confidence,
            page=f.page,
            box=f.box,
            label=f.label,
            valid=f.valid,
            source=source if f.page is not None else "computed",
        )
        for key, f in fields.items()
    ]


def _computed(path: str, value: Any, ring: KeyRing) -> dict[str, Any]:
    return _record(
        path,
        value,
        ring,
        confidence=1.0,
        page=None,
        box=None,
        label=COMPUTED_LABEL,
        valid=True,
        source="computed",
    )


def extraction_fields(extraction: DocumentExtraction, ring: KeyRing, *, source: str) -> list[dict[str, Any]]:
    """Every value of a document's extraction as ExtractedField records; `source` (text_layer, ocr)
    is how the document was read."""
    records: list[dict[str, Any]] = []
    if extraction.application is not None:
        application = extraction.application
        records += _field_records("merchant", application.merchant, ring, source)
        records += _field_records("funding", application.funding, ring, source)
        for index, owner in enumerate(application.owners):
            records += _field_records(f"owners[{index}]", owner, ring, source)
    if extraction.statement is not None:
        statement = extraction.statement
        records += _field_records("bank_statement", statement.fields, ring, source)
        records.append(_computed("bank_statement.reconciled", statement.reconciled, ring))
        for index, position in enumerate(statement.mca_positions):
            records += _position_records(index, position, ring)
    if extraction.check is not None:
        records += _field_records("voided_check", extraction.check.fields, ring, source)
        records.append(_computed("voided_check.micr_found", extraction.check.micr_found, ring))
    return records


def _position_records(index: int, position: McaPosition, ring: KeyRing) -> list[dict[str, Any]]:
    return [
        _record(
            f"bank_statement.mca_positions[{index}].{f.name}",
            getattr(position, f.name),
            ring,
            confidence=position.confidence,
            page=position.page,
            box=position.box,
            label="detected from transactions",
            valid=True,
            source="computed",
        )
        for f in dataclasses.fields(McaPosition)
        if f.name not in PROVENANCE
    ]


def _field(record: Mapping[str, Any], ring: KeyRing) -> Field:
    value = from_wire(record["path"], record["value"], ring)
    return Field(
        value,
        record["confidence"],
        record.get("page"),
        box_value(record.get("box")),
        record.get("label"),
        not record.get("errors"),
    )


def extraction_from_fields(
    doc_type: str,
    confidence: float | None,
    records: Iterable[Mapping[str, Any]],
    ring: KeyRing,
    *,
    transactions: Sequence[Transaction] = (),
) -> DocumentExtraction:
    """The DocumentExtraction that `extraction_fields` (and the transactions blob) describe."""
    records = list(records)
    classification = Classification(doc_type, confidence if confidence is not None else 0.0, {})  # type: ignore[arg-type]
    if doc_type == "iso_application":
        return DocumentExtraction(doc_type, classification, application=_application(records, ring))
    if doc_type == "bank_statement":
        return DocumentExtraction(doc_type, classification, statement=_statement(records, ring, transactions))
    if doc_type == "voided_check":
        fields = _scoped(records, "voided_check.", ring, skip={"micr_found"})
        micr = next((r["value"] for r in records if r["path"] == "voided_check.micr_found"), False)
        return DocumentExtraction(doc_type, classification, check=VoidedCheck(fields, bool(micr)))
    return DocumentExtraction(doc_type, classification)


def _scoped(
    records: Sequence[Mapping[str, Any]],
    prefix: str,
    ring: KeyRing,
    skip: frozenset[str] | set[str] = frozenset(),
) -> dict[str, Field]:
    out: dict[str, Field] = {}
    for record in records:
        path = record["path"]
        if path.startswith(prefix):
            key = path[len(prefix) :]
            if key not in skip and "[" not in key:
                out[key] = _field(record, ring)
    return out


def _application(records: Sequence[Mapping[str, Any]], ring: KeyRing) -> IsoApplication:
    owners: dict[int, dict[str, Field]] = defaultdict(dict)
    for record in records:
        match = _OWNER.match(record["path"])
        if match:
            owners[int(match.group(1))][match.group(2)] = _field(record, ring)
    return IsoApplication(
        _scoped(records, "merchant.", ring),
        _scoped(records, "funding.", ring),
        tuple(owners[i] for i in sorted(owners)),
    )


def _statement(
    records: Sequence[Mapping[str, Any]], ring: KeyRing, transactions: Sequence[Transaction]
) -> BankStatement:
    fields = _scoped(records, "bank_statement.", ring, skip={"reconciled"})
    reconciled = next((r["value"] for r in records if r["path"] == "bank_statement.reconciled"), False)
    parts: dict[int, dict[str, Any]] = defaultdict(dict)
    for record in records:
        match = _POSITION.match(record["path"])
        if match:
            part = parts[int(match.group(1))]
            part[match.group(2)] = from_wire(record["path"], record["value"], ring, keep_types=True)
            part.update(
                confidence=record["confidence"], page=record.get("page"), box=box_value(record.get("box"))
            )
    positions = tuple(McaPosition(**parts[i]) for i in sorted(parts))
    return BankStatement(fields, positions, tuple(transactions), bool(reconciled))


def transactions_to_json(rows: Sequence[Transaction]) -> bytes:
    """A statement's parsed transactions as a JSON blob (one object per row, every attribute)."""
    items = []
    for row in rows:
        item = {f.name: getattr(row, f.name) for f in dataclasses.fields(Transaction)}
        item["box"] = box_record(row.box)
        items.append(to_jsonable(item))
    return json.dumps(items, separators=(",", ":")).encode()


def transactions_from_json(data: bytes) -> tuple[Transaction, ...]:
    """The transactions `transactions_to_json` wrote."""
    rows = []
    for item in json.loads(data):
        values = from_jsonable(item)
        values["box"] = box_value(values.get("box"))
        rows.append(Transaction(**values))
    return tuple(rows)
