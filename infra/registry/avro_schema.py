"""Parsing Avro schema text with Apache avro, and its canonical text.

The canonical text keeps everything that changes how data is read (defaults, aliases, logical
types, docs and custom properties) and drops only formatting: attribute order, whitespace and
the spelling of equivalent forms (`"string"` vs `{"type": "string"}`). Two registrations with
the same canonical text are one schema and get one id.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import avro.name
import avro.schema
from avro.errors import AvroException

# Attribute order of the canonical text, for readability; other attributes follow alphabetically.
TYPE_ATTRIBUTES = (
    "type", "name", "namespace", "doc", "aliases", "fields", "symbols", "default", "items", "values", "size",
    "logicalType", "precision", "scale",
)
FIELD_ATTRIBUTES = ("name", "type", "doc", "aliases", "order", "default")


class InvalidAvroSchemaError(ValueError):
    """The text is not a valid Avro schema (or a named type it uses is not defined)."""


@dataclass(frozen=True)
class ParsedSchema:
    """A parsed schema and its canonical text."""

    schema: avro.schema.Schema
    canonical: str


def parse(text: str, references: Sequence[str] = ()) -> ParsedSchema:
    """Parse `text`, with the named types of `references` (dependencies first) already defined.

    Raises InvalidAvroSchemaError for invalid JSON, an invalid schema or an unknown type name.
    """
    return _parse(text, tuple(references))


@lru_cache(maxsize=512)
def _parse(text: str, references: tuple[str, ...]) -> ParsedSchema:
    names = avro.name.Names()
    try:
        for reference in references:
            avro.schema.make_avsc_object(json.loads(reference), names)
        known = set(names.names)
        schema = avro.schema.make_avsc_object(json.loads(text), names)
    except (ValueError, TypeError, AttributeError, KeyError, RecursionError, AvroException) as exc:
        raise InvalidAvroSchemaError(str(exc)) from exc
    # Referenced types are written by name only, so the text stays what was registered.
    emitted = avro.name.Names()
    emitted.names = {fullname: names.names[fullname] for fullname in known}
    canonical = json.dumps(_ordered(schema.to_json(emitted)), separators=(",", ":"), ensure_ascii=False)
    return ParsedSchema(schema, canonical)


def _ordered(node: Any, order: tuple[str, ...] = TYPE_ATTRIBUTES) -> Any:
    if isinstance(node, list):
        return [_ordered(item) for item in node]
    if not isinstance(node, dict):
        return node
    keys = sorted(node, key=lambda key: (order.index(key) if key in order else len(order), key))
    result = {}
    for key in keys:
        if key == "fields" and isinstance(node[key], list):
            result[key] = [_ordered(item, FIELD_ATTRIBUTES) for item in node[key]]
        elif key == "default" and order is FIELD_ATTRIBUTES:
            result[key] = node[key]  # a field default is data, not schema: kept exactly as written
        else:
            result[key] = _ordered(node[key])
    return result
