"""Which fields a person may correct and how a JSON value becomes the typed correction value, pure.

The catalogue is read from the `mca.application` Avro schema itself, so it follows the contract:
a path such as `merchant.ein`, `merchant.address.city`, `owners[0].ssn` or
`bank_statements[1].ending_balance` names a scalar leaf under one of `CORRECTABLE_ROOTS`. The
correction travels as the union of `mca.application.correction`'s `value`: money as Decimal
(2 places), dates as date, counts as int, PII as an EncryptedValue (sealed here, before the value
leaves the process), anything else as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from infra.crypto import KeyRing
from infra.topics import APPLICATION
from schemas.catalog import value_schema
from schemas.pii import encrypt_field

CORRECTABLE_ROOTS = ("merchant", "funding", "owners", "bank_statements", "voided_check")
NOT_CORRECTABLE = frozenset({"document_id", "mca_positions"})
MAX_INDEX = 99
_SEGMENT = re.compile(r"^([a-z_][a-z0-9_]*)(?:\[(\d{1,2})\])?$")
_TYPE_KINDS = {
    "string": "string",
    "boolean": "boolean",
    "int": "long",
    "long": "long",
    "float": "double",
    "double": "double",
}


class FieldError(ValueError):
    """A field path that cannot be corrected, or a value that does not fit the field (422)."""


@dataclass(frozen=True)
class FieldSpec:
    """A correctable field: its path pattern, its kind, and whether it is PII."""

    pattern: str
    kind: str  # string, boolean, long, double, decimal, date or encrypted

    @property
    def pii(self) -> bool:
        """Whether the field holds PII (travels and rests encrypted)."""
        return self.kind == "encrypted"


def _kind(avro_type: Any) -> tuple[str | None, dict[str, Any] | None]:
    """(scalar kind, None) or (None, record schema) of a field type, nulls of unions left out."""
    candidates = [t for t in (avro_type if isinstance(avro_type, list) else [avro_type]) if t != "null"]
    if len(candidates) != 1:
        return None, None
    chosen = candidates[0]
    if isinstance(chosen, dict):
        if chosen.get("logicalType") == "decimal":
            return "decimal", None
        if chosen.get("logicalType") == "date":
            return "date", None
        if chosen.get("type") == "record":
            return ("encrypted", None) if chosen["name"] == "EncryptedValue" else (None, chosen)
        if chosen.get("type") == "array" and isinstance(chosen["items"], dict):
            return None, chosen["items"] if chosen["items"].get("type") == "record" else None
        return None, None
    return _TYPE_KINDS.get(chosen), None


@cache
def field_catalogue() -> dict[str, FieldSpec]:
    """Path pattern (`owners[].ssn`) -> FieldSpec of every correctable leaf."""
    schema = value_schema(APPLICATION.name)
    records: dict[str, dict[str, Any]] = {}
    _collect_named(schema, records)
    catalogue: dict[str, FieldSpec] = {}

    def walk(fields: list[dict[str, Any]], prefix: str) -> None:
        for field in fields:
            if field["name"] in NOT_CORRECTABLE:
                continue
            kind, nested = _kind(_resolve(field["type"], records))
            path = f"{prefix}{field['name']}{'[]' if _is_array(field['type']) else ''}"
            if kind is not None:
                catalogue[path] = FieldSpec(path, kind)
            elif nested is not None:
                walk(nested["fields"], path + ".")

    walk([field for field in schema["fields"] if field["name"] in CORRECTABLE_ROOTS], "")
    return catalogue


def _resolve(avro_type: Any, records: dict[str, dict[str, Any]]) -> Any:
    """`avro_type` with named references (a record used again by its bare name) replaced by the record."""
    if isinstance(avro_type, list):
        return [_resolve(item, records) for item in avro_type]
    if isinstance(avro_type, str):
        return records.get(avro_type, avro_type)
    return avro_type


def _is_array(avro_type: Any) -> bool:
    return isinstance(avro_type, dict) and avro_type.get("type") == "array"


def _collect_named(node: Any, records: dict[str, dict[str, Any]]) -> None:
    """Every named record of the schema by name."""
    if isinstance(node, list):
        for item in node:
            _collect_named(item, records)
    elif isinstance(node, dict):
        if node.get("type") == "record":
            records[node["name"]] = node
            for field in node["fields"]:
                _collect_named(field["type"], records)
        elif node.get("type") == "array":
            _collect_named(node["items"], records)


def field_spec(path: str) -> FieldSpec:
    """The spec of a concrete path (`owners[0].ssn`); raises FieldError when it is not correctable."""
    pattern_parts = []
    for segment in path.split("."):
        match = _SEGMENT.match(segment)
        if match is None or (match.group(2) is not None and int(match.group(2)) > MAX_INDEX):
            raise FieldError(f"{path!r} is not a field path")
        pattern_parts.append(match.group(1) + ("[]" if match.group(2) is not None else ""))
    spec = field_catalogue().get(".".join(pattern_parts))
    if spec is None:
        raise FieldError(f"{path!r} is not a correctable field")
    return spec


def correction_value(path: str, value: Any, *, ring: KeyRing) -> Any:
    """`value` (as JSON gave it) typed for the correction of `path`; None clears the field.

    PII is sealed with `ring` for the field's name. Raises FieldError when it does not fit.
    """
    spec = field_spec(path)
    if value is None:
        return None
    if spec.kind in ("string", "encrypted"):
        if not isinstance(value, str) or not value.strip():
            raise FieldError(f"{path} takes non-empty text")
        text = value.strip()
        return encrypt_field(ring, text, field=path) if spec.pii else text
    if spec.kind == "boolean":
        if not isinstance(value, bool):
            raise FieldError(f"{path} takes true or false")
        return value
    if spec.kind == "long":
        if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= 2**31:
            raise FieldError(f"{path} takes a whole number")
        return value
    if spec.kind == "double":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise FieldError(f"{path} takes a number")
        return float(value)
    if spec.kind == "decimal":
        return _money(path, value)
    return _date(path, value)


def _money(path: str, value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise FieldError(f'{path} takes an amount such as "1250.00"')
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation as exc:
        raise FieldError(f'{path} takes an amount such as "1250.00"') from exc
    if not amount.is_finite() or abs(amount) >= Decimal(10) ** 16:
        raise FieldError(f"{path} is out of range")
    return amount


def _date(path: str, value: Any) -> date:
    if not isinstance(value, str):
        raise FieldError(f'{path} takes a date such as "2025-03-04"')
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise FieldError(f'{path} takes a date such as "2025-03-04"') from exc
