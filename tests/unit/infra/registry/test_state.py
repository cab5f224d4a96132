"""The registry state is a pure fold over its log: replaying the records rebuilds it exactly."""

from __future__ import annotations

import pytest

from infra.registry.records import (
    Record,
    SchemaContent,
    SubjectVersion,
    config_record,
    decode,
    encode,
    schema_guid,
    schema_record,
    schema_tombstone,
)
from infra.registry.state import (
    RegistryState,
    apply,
    compatibility_level,
    next_schema_id,
    next_version,
    replay,
    subject_names,
    usages,
    versions,
)

INT_RECORD = SchemaContent('{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}')
LONG_RECORD = SchemaContent('{"type":"record","name":"R","fields":[{"name":"a","type":"long"}]}')


def version(
    subject: str, number: int, schema_id: int, content: SchemaContent = INT_RECORD, deleted: bool = False
) -> SubjectVersion:
    return SubjectVersion(subject, number, schema_id, content, deleted)


def through_bytes(record: Record) -> Record:
    key, value = encode(record)
    return decode(key, value)


def test_replaying_schema_records_rebuilds_subjects_ids_and_contents() -> None:
    records = [schema_record(version("a-value", 1, 1)), schema_record(version("a-value", 2, 2, LONG_RECORD))]

    state = replay(through_bytes(record) for record in records)

    assert [entry.version for entry in versions(state, "a-value")] == [1, 2]
    assert state.contents == {1: INT_RECORD, 2: LONG_RECORD}
    assert state.ids == {INT_RECORD.identity: 1, LONG_RECORD.identity: 2}
    assert state.max_id == 2


def test_schema_key_is_shaped_like_confluents() -> None:
    key, value = encode(schema_record(version("a-value", 3, 7)))

    assert key == b'{"keytype":"SCHEMA","subject":"a-value","version":3,"magic":1}'
    assert value is not None and b'"id":7' in value and b'"deleted":false' in value


def test_a_schema_known_under_another_subject_keeps_its_id() -> None:
    state = replay([
        schema_record(version("a-value", 1, 1)),
        schema_record(version("b-value", 1, 2, LONG_RECORD)),
    ])

    assert next_schema_id(state, INT_RECORD) == 1
    assert next_schema_id(state, SchemaContent('"string"')) == 3


def test_next_version_counts_soft_deleted_versions_but_not_permanently_deleted_ones() -> None:
    soft_deleted = replay([
        schema_record(version("a-value", 1, 1)),
        schema_record(version("a-value", 1, 1, deleted=True)),
    ])
    assert versions(soft_deleted, "a-value") == []
    assert [entry.version for entry in versions(soft_deleted, "a-value", deleted=True)] == [1]
    assert next_version(soft_deleted, "a-value") == 2

    gone = apply(soft_deleted, schema_tombstone("a-value", 1))
    assert "a-value" not in gone.subjects
    assert next_version(gone, "a-value") == 1


def test_permanently_deleting_the_last_use_of_an_id_makes_it_unresolvable() -> None:
    state = replay([schema_record(version("a-value", 1, 1)), schema_record(version("b-value", 1, 1))])

    one_left = apply(state, schema_tombstone("a-value", 1))
    assert 1 in one_left.contents
    assert [entry.subject for entry in usages(one_left, 1)] == ["b-value"]

    none_left = apply(one_left, schema_tombstone("b-value", 1))
    assert 1 not in none_left.contents
    assert INT_RECORD.identity not in none_left.ids
    assert none_left.max_id == 1  # ids are not handed out again while the log remembers them


def test_soft_deleted_subjects_are_listed_only_when_asked() -> None:
    state = replay([
        schema_record(version("a-value", 1, 1)),
        schema_record(version("b-value", 1, 1, deleted=True)),
    ])

    assert subject_names(state) == ["a-value"]
    assert subject_names(state, deleted=True) == ["a-value", "b-value"]
    assert subject_names(state, deleted_only=True) == ["b-value"]


def test_compatibility_level_falls_back_from_subject_to_global_to_backward() -> None:
    assert compatibility_level(RegistryState(), "a-value") == "BACKWARD"

    state = replay([config_record(None, "FULL"), config_record("a-value", "NONE")])
    assert compatibility_level(state, "a-value") == "NONE"
    assert compatibility_level(state, "b-value") == "FULL"

    cleared = replay([config_record("a-value", None), config_record(None, None)], state)
    assert compatibility_level(cleared, "a-value") == "BACKWARD"


def test_records_of_kinds_the_registry_does_not_use_leave_the_state_unchanged() -> None:
    state = replay([schema_record(version("a-value", 1, 1))])

    assert apply(state, Record({"keytype": "NOOP", "magic": 0}, None)) is state


def test_a_malformed_schema_record_is_refused() -> None:
    with pytest.raises(KeyError):
        apply(RegistryState(), Record({"keytype": "SCHEMA", "subject": "a", "version": 1}, {"subject": "a"}))


def test_guid_is_stable_for_an_id_and_differs_across_ids() -> None:
    assert schema_guid(1, INT_RECORD) == schema_guid(1, INT_RECORD)
    assert schema_guid(1, INT_RECORD) != schema_guid(2, INT_RECORD)
