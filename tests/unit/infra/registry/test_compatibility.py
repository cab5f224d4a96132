"""Compatibility decisions follow Confluent's levels, judged by Apache avro's checker."""

from __future__ import annotations

import json

import avro.schema
import pytest

from infra.registry.compatibility import incompatibilities, normalize_level


def record(*fields: dict) -> avro.schema.Schema:
    return avro.schema.parse(json.dumps({"type": "record", "name": "R", "fields": list(fields)}))


A_INT = {"name": "a", "type": "int"}
A_LONG = {"name": "a", "type": "long"}
OPTIONAL_B = {"name": "b", "type": ["null", "string"], "default": None}
REQUIRED_B = {"name": "b", "type": "string"}
V1 = record(A_INT)


def test_a_new_optional_field_with_a_default_is_backward_compatible() -> None:
    assert incompatibilities("BACKWARD", record(A_INT, OPTIONAL_B), [(1, V1)]) == []


def test_a_new_field_without_default_breaks_backward_and_says_where() -> None:
    problems = incompatibilities("BACKWARD", record(A_INT, REQUIRED_B), [(1, V1)])

    assert len(problems) == 1
    assert "READER_FIELD_MISSING_DEFAULT_VALUE" in problems[0] and "version 1" in problems[0]


def test_forward_asks_whether_the_old_schema_reads_new_data() -> None:
    widened = record(A_LONG)

    assert incompatibilities("BACKWARD", widened, [(1, V1)]) == []
    assert incompatibilities("FORWARD", widened, [(1, V1)]) != []
    assert incompatibilities("FULL", widened, [(1, V1)]) != []


def test_full_accepts_changes_both_sides_can_read() -> None:
    assert incompatibilities("FULL", record(A_INT, OPTIONAL_B), [(1, V1)]) == []


def test_transitive_levels_check_every_version_and_plain_levels_only_the_latest() -> None:
    history = [(1, V1), (2, record())]
    candidate = record({"name": "a", "type": "string", "default": ""})

    assert incompatibilities("BACKWARD", candidate, history) == []
    problems = incompatibilities("BACKWARD_TRANSITIVE", candidate, history)
    assert len(problems) == 1 and "version 1" in problems[0]


def test_none_and_a_first_version_accept_anything() -> None:
    assert incompatibilities("NONE", record(REQUIRED_B), [(1, V1)]) == []
    assert incompatibilities("FULL_TRANSITIVE", record(REQUIRED_B), []) == []


def test_an_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError):
        incompatibilities("SIDEWAYS", V1, [(1, V1)])


@pytest.mark.parametrize(
    ("given", "level"),
    [("backward", "BACKWARD"), (" Full_Transitive ", "FULL_TRANSITIVE"), ("sideways", None), (3, None)],
)
def test_levels_are_read_case_insensitively(given: object, level: str | None) -> None:
    assert normalize_level(given) == level
