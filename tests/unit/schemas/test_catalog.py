"""The Avro contracts: one documented, evolvable value schema per topic, never breaking what was released."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import avro.schema
import fastavro
import pytest

from infra.topics import ALL_TOPICS
from schemas.catalog import (
    UnknownTopicError,
    all_value_schemas,
    compatibility_problems,
    latest_released,
    released_versions,
    subject_reports,
    value_schema,
    value_schema_text,
)

SCHEMA_NAMES = sorted({spec.value_schema for spec in ALL_TOPICS})
PII_FIELDS = {"ssn", "date_of_birth", "account_number", "routing_number"}


def _walk(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every record, enum and field definition of a schema, with where it is."""
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, path)
    elif isinstance(node, dict):
        if node.get("type") in ("record", "enum"):
            yield f"{path}/{node['name']}", node
        for field in node.get("fields", []):
            yield f"{path}/{node['name']}.{field['name']}", field
            yield from _walk(field["type"], f"{path}/{node['name']}.{field['name']}")
        for key in ("items", "values"):
            if key in node:
                yield from _walk(node[key], path)
        if isinstance(node.get("type"), dict | list):
            yield from _walk(node["type"], path)


def _fields(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    return ((where, node) for where, node in _walk(schema) if "name" in node and "type" in node
            and node.get("type") not in ("record", "enum"))


def _definitions(schema: dict[str, Any]) -> Iterator[dict[str, Any]]:
    return (node for _, node in _walk(schema) if node.get("type") in ("record", "enum"))


def _branches(field_type: Any) -> list[Any]:
    return field_type if isinstance(field_type, list) else [field_type]


def _schema(name: str) -> dict[str, Any]:
    topic = next(spec.name for spec in ALL_TOPICS if spec.value_schema == name)
    return value_schema(topic)


def _record(fields: list[dict[str, Any]]) -> str:
    return json.dumps({"type": "record", "name": "Probe", "namespace": "mca.events", "fields": fields})


def test_every_topic_of_the_topic_map_has_a_value_schema():
    subjects = all_value_schemas()
    assert set(subjects) == {spec.value_subject for spec in ALL_TOPICS}
    assert all(text.strip() for text in subjects.values())


def test_an_unknown_topic_is_refused():
    with pytest.raises(UnknownTopicError):
        value_schema_text("mca.nope")


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_every_schema_parses_with_apache_avro_and_fastavro(name):
    schema = _schema(name)
    avro.schema.parse(json.dumps(schema))
    fastavro.parse_schema(schema)
    assert schema["namespace"] == "mca.events"


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_every_record_field_and_enum_has_a_doc(name):
    undocumented = [where for where, node in _walk(_schema(name)) if not str(node.get("doc", "")).strip()]
    assert undocumented == []


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_optional_fields_are_unions_with_null_first_and_default_null(name):
    for where, field in _fields(_schema(name)):
        branches = _branches(field["type"])
        if "null" in branches:
            assert branches[0] == "null", where
            assert "default" in field and field["default"] is None, where


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_pii_never_travels_in_clear(name):
    for where, field in _fields(_schema(name)):
        if field["name"] in PII_FIELDS:
            types = {b if isinstance(b, str) else b.get("name") for b in _branches(field["type"])}
            assert types - {"null"} == {"EncryptedValue"}, where


@pytest.mark.parametrize("name", SCHEMA_NAMES)
def test_money_is_decimal_18_2_dates_are_dates_and_timestamps_are_millis(name):
    for where, field in _fields(_schema(name)):
        for branch in _branches(field["type"]):
            if isinstance(branch, dict) and branch.get("logicalType") == "decimal":
                assert branch["type"] == "bytes" and branch["scale"] == 2, where
                assert branch["precision"] == (5 if field["name"].endswith("_pct") else 18), where
        if field["name"].endswith("_at") or field["name"] in {"at", "date", "email_date"}:
            logical = {b.get("logicalType") for b in _branches(field["type"]) if isinstance(b, dict)}
            assert logical == {"timestamp-millis"}, where
        if field["name"].startswith("period_") or field["name"] == "business_start_date":
            logical = {b.get("logicalType") for b in _branches(field["type"]) if isinstance(b, dict)}
            assert logical == {"date"}, where


def test_named_types_shared_between_schemas_are_defined_identically():
    seen: dict[str, tuple[str, dict[str, Any]]] = {}
    for name in SCHEMA_NAMES:
        for definition in _definitions(_schema(name)):
            full = json.dumps(definition, sort_keys=True)
            if definition["name"] in seen:
                assert seen[definition["name"]][1] == json.loads(full), (definition["name"], name)
            else:
                seen[definition["name"]] = (name, json.loads(full))


def test_document_vocabulary_matches_the_design():
    extracted = _schema("document_extracted")
    enums = {node["name"]: node["symbols"] for node in _definitions(extracted) if node["type"] == "enum"}
    assert enums["DocType"] == ["iso_application", "bank_statement", "voided_check", "other", "invalid"]
    assert enums["DocumentStatus"] == ["read", "invalid", "ignored"]
    application = {node["name"]: node for node in _definitions(_schema("application"))}
    assert application["ApplicationStatus"]["symbols"] == [
        "processed", "review_required", "rejected", "duplicate", "failed"
    ]


@pytest.mark.parametrize("subject", sorted(all_value_schemas()))
def test_every_subject_has_a_released_version_and_the_current_schema_reads_it(subject):
    assert released_versions(subject), f"{subject} was never released: run `mca schemas release`"
    version, released = latest_released(subject)
    assert compatibility_problems(all_value_schemas()[subject], released) == []


def test_the_committed_releases_match_the_current_schemas_or_are_compatible():
    reports = subject_reports()
    assert [report.subject for report in reports if not report.compatible] == []


def test_a_new_field_without_default_is_a_backward_break():
    old = _record([{"name": "a", "type": "string"}])
    new = _record([{"name": "a", "type": "string"}, {"name": "b", "type": "int"}])
    problems = compatibility_problems(new, old)
    assert problems and "reader_field_missing_default_value" in problems[0]


def test_a_new_optional_field_with_null_default_stays_compatible():
    old = _record([{"name": "a", "type": "string"}])
    new = _record([{"name": "a", "type": "string"}, {"name": "b", "type": ["null", "int"], "default": None}])
    assert compatibility_problems(new, old) == []


def test_changing_a_field_type_is_a_backward_break():
    old = _record([{"name": "a", "type": "string"}])
    new = _record([{"name": "a", "type": "int"}])
    assert "type_mismatch" in compatibility_problems(new, old)[0]


def test_removing_an_enum_symbol_is_a_backward_break_and_adding_one_is_not():
    def with_symbols(*symbols: str) -> str:
        return _record([{"name": "e", "type": {"type": "enum", "name": "E", "symbols": list(symbols)}}])

    assert compatibility_problems(with_symbols("a", "b", "c"), with_symbols("a", "b")) == []
    assert "missing_enum_symbols" in compatibility_problems(with_symbols("a"), with_symbols("a", "b"))[0]


def test_removing_a_field_is_compatible_for_readers_of_new_data():
    old = _record([{"name": "a", "type": "string"}, {"name": "b", "type": "int"}])
    new = _record([{"name": "a", "type": "string"}])
    assert compatibility_problems(new, old) == []
