"""Canonical text: formatting does not make a new schema, anything that changes reading does."""

from __future__ import annotations

import json

import pytest

from infra.registry.avro_schema import InvalidAvroSchemaError, parse


def record(*fields: dict, **extra: object) -> str:
    body = {"type": "record", "name": "R", "namespace": "mca.test", "fields": list(fields), **extra}
    return json.dumps(body)


def test_attribute_order_whitespace_and_equivalent_spellings_give_the_same_canonical_text() -> None:
    plain = record({"name": "a", "type": "string"})
    fields = [{"type": {"type": "string"}, "name": "a"}]
    respelled = json.dumps({"fields": fields, "name": "mca.test.R", "type": "record"}, indent=2)

    assert parse(plain).canonical == parse(respelled).canonical


def test_canonical_text_keeps_defaults_docs_and_logical_types() -> None:
    text = record(
        {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 18, "scale": 2},
         "doc": "money"},
        {"name": "note", "type": ["null", "string"], "default": None},
    )

    canonical = json.loads(parse(text).canonical)

    money = {"type": "bytes", "logicalType": "decimal", "precision": 18, "scale": 2}
    assert canonical["fields"][0]["type"] == money
    assert canonical["fields"][0]["doc"] == "money"
    assert canonical["fields"][1]["default"] is None


def test_a_different_default_is_a_different_schema() -> None:
    first = record({"name": "a", "type": "string", "default": "x"})
    second = record({"name": "a", "type": "string", "default": "y"})

    assert parse(first).canonical != parse(second).canonical


def test_named_types_from_references_are_written_by_name() -> None:
    money = json.dumps({"type": "record", "name": "Money", "namespace": "mca.test",
                        "fields": [{"name": "cents", "type": "long"}]})

    parsed = parse(record({"name": "price", "type": "Money"}), [money])

    assert json.loads(parsed.canonical)["fields"][0]["type"] == "mca.test.Money"


@pytest.mark.parametrize(
    "text",
    ["{", '{"type": "record", "fields": []}', record({"name": "a", "type": "Nope"}), '"nothing"'],
    ids=["bad-json", "nameless-record", "unknown-type", "unknown-primitive"],
)
def test_invalid_schemas_are_refused(text: str) -> None:
    with pytest.raises(InvalidAvroSchemaError):
        parse(text)
