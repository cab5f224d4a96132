"""What each registry request means, decided on the state alone (no Kafka, no HTTP)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from infra.registry import operations as ops
from infra.registry.errors import ErrorCode, RegistryError
from infra.registry.records import Record
from infra.registry.state import RegistryState, replay, versions


def record_schema(*fields: dict) -> str:
    return json.dumps({"type": "record", "name": "Order", "namespace": "mca.test", "fields": list(fields)})


ORDERS = "orders-value"
V1 = record_schema({"name": "id", "type": "string"})
NOTE = {"name": "note", "type": ["null", "string"], "default": None}
V2 = record_schema({"name": "id", "type": "string"}, NOTE)
BREAKING = record_schema({"name": "id", "type": "string"}, {"name": "total", "type": "long"})


def request(text: str, **body: Any) -> ops.SchemaRequest:
    return ops.schema_request({"schema": text, **body})


def commit(state: RegistryState, planned: tuple[Any, Sequence[Record]]) -> tuple[Any, RegistryState]:
    result, records = planned
    return result, replay(records, state)


def registered(*pairs: tuple[str, str]) -> RegistryState:
    state = RegistryState()
    for subject, text in pairs:
        _, state = commit(state, ops.register(state, subject, request(text)))
    return state


def refusal(call: Any, *args: Any, **kwargs: Any) -> ErrorCode:
    with pytest.raises(RegistryError) as caught:
        call(*args, **kwargs)
    return caught.value.code


def test_registering_the_same_schema_twice_is_one_version_and_writes_nothing() -> None:
    state = registered((ORDERS, V1))

    entry, records = ops.register(state, ORDERS, request(json.dumps(json.loads(V1), indent=4)))

    assert (entry.schema_id, entry.version, records) == (1, 1, [])


def test_the_same_schema_under_two_subjects_has_one_id() -> None:
    state = registered((ORDERS, V1), ("archive-value", V1))

    assert versions(state, "archive-value")[0].schema_id == versions(state, ORDERS)[0].schema_id == 1


def test_a_compatible_change_becomes_version_two_with_a_new_id() -> None:
    state = registered((ORDERS, V1), (ORDERS, V2))

    assert [(e.version, e.schema_id) for e in versions(state, ORDERS)] == [(1, 1), (2, 2)]


def test_a_backward_incompatible_change_is_refused_with_409() -> None:
    state = registered((ORDERS, V1))

    assert refusal(ops.register, state, ORDERS, request(BREAKING)) is ErrorCode.INCOMPATIBLE_SCHEMA
    assert ErrorCode.INCOMPATIBLE_SCHEMA.http_status == 409


def test_level_none_lets_any_change_in() -> None:
    state = registered((ORDERS, V1))
    _, state = commit(state, ops.set_level(state, ORDERS, {"compatibility": "none"}))

    entry, _ = ops.register(state, ORDERS, request(BREAKING))

    assert entry.version == 2


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"schema": "{"}, ErrorCode.INVALID_SCHEMA),
        ({"schema": ""}, ErrorCode.INVALID_SCHEMA),
        ({"schema": V1, "schemaType": "PROTOBUF"}, ErrorCode.INVALID_SCHEMA),
        ({"schema": V1, "references": [{"name": "x"}]}, ErrorCode.INVALID_SCHEMA),
        ([V1], ErrorCode.INVALID_SCHEMA),
    ],
    ids=["bad-json", "empty", "protobuf", "bad-reference", "not-an-object"],
)
def test_unusable_schema_requests_are_refused_with_422(body: Any, code: ErrorCode) -> None:
    def register() -> None:
        ops.register(RegistryState(), "s", ops.schema_request(body))

    assert refusal(register) is code
    assert code.http_status == 422


def test_lookup_finds_the_version_or_says_what_is_missing() -> None:
    state = registered((ORDERS, V1), (ORDERS, V2))

    assert ops.lookup(state, ORDERS, request(V2)).version == 2
    assert refusal(ops.lookup, state, ORDERS, request(BREAKING)) is ErrorCode.SCHEMA_NOT_FOUND
    assert refusal(ops.lookup, state, "nobody-value", request(V1)) is ErrorCode.SUBJECT_NOT_FOUND


@pytest.mark.parametrize(("spec", "version"), [("latest", 2), ("-1", 2), ("1", 1)])
def test_versions_are_named_by_number_or_latest(spec: str, version: int) -> None:
    state = registered((ORDERS, V1), (ORDERS, V2))

    assert ops.find_version(state, ORDERS, spec).version == version


@pytest.mark.parametrize(
    ("spec", "code"),
    [("3", ErrorCode.VERSION_NOT_FOUND), ("0", ErrorCode.INVALID_VERSION), ("x", ErrorCode.INVALID_VERSION)],
)
def test_missing_or_invalid_versions_are_refused(spec: str, code: ErrorCode) -> None:
    state = registered((ORDERS, V1))

    assert refusal(ops.find_version, state, ORDERS, spec) is code


def test_soft_delete_hides_a_version_and_permanent_delete_needs_it_first() -> None:
    state = registered((ORDERS, V1), (ORDERS, V2))
    code = refusal(ops.delete_version, state, ORDERS, "2", permanent=True)
    assert code is ErrorCode.VERSION_NOT_SOFT_DELETED

    number, state = commit(state, ops.delete_version(state, ORDERS, "2", permanent=False))
    assert number == 2
    assert ops.find_version(state, ORDERS, "latest").version == 1
    assert ops.find_version(state, ORDERS, "2", deleted=True).version == 2
    assert refusal(ops.delete_version, state, ORDERS, "2", permanent=False) is ErrorCode.VERSION_SOFT_DELETED

    _, state = commit(state, ops.delete_version(state, ORDERS, "2", permanent=True))
    assert [entry.version for entry in versions(state, ORDERS, deleted=True)] == [1]


def test_a_soft_deleted_version_keeps_its_id_resolvable() -> None:
    state = registered((ORDERS, V1), (ORDERS, V2))
    _, state = commit(state, ops.delete_version(state, ORDERS, "2", permanent=False))

    assert 2 in state.contents


def test_deleting_a_subject_soft_then_permanently() -> None:
    state = registered((ORDERS, V1), (ORDERS, V2))
    _, state = commit(state, ops.set_level(state, ORDERS, {"compatibility": "FULL"}))
    assert refusal(ops.delete_subject, state, ORDERS, permanent=True) is ErrorCode.SUBJECT_NOT_SOFT_DELETED

    deleted, state = commit(state, ops.delete_subject(state, ORDERS, permanent=False))
    assert deleted == [1, 2]
    assert ORDERS not in state.subject_levels
    assert refusal(ops.delete_subject, state, ORDERS, permanent=False) is ErrorCode.SUBJECT_SOFT_DELETED

    deleted, state = commit(state, ops.delete_subject(state, ORDERS, permanent=True))
    assert deleted == [1, 2]
    assert state.subjects == {} and state.contents == {}
    assert refusal(ops.delete_subject, state, ORDERS, permanent=False) is ErrorCode.SUBJECT_NOT_FOUND


def test_registering_after_a_soft_delete_continues_the_version_numbers() -> None:
    state = registered((ORDERS, V1))
    _, state = commit(state, ops.delete_subject(state, ORDERS, permanent=False))

    entry, _ = ops.register(state, ORDERS, request(BREAKING))

    assert (entry.version, entry.schema_id) == (2, 2)  # no live version left to be compatible with


def test_subject_level_config_is_reported_only_when_set_unless_defaulting_to_global() -> None:
    state = registered((ORDERS, V1))
    assert refusal(ops.configured_level, state, ORDERS) is ErrorCode.SUBJECT_LEVEL_CONFIG_NOT_FOUND
    assert ops.configured_level(state, ORDERS, default_to_global=True) == "BACKWARD"
    code = refusal(ops.set_level, state, None, {"compatibility": "SIDEWAYS"})
    assert code is ErrorCode.INVALID_COMPATIBILITY_LEVEL

    _, state = commit(state, ops.set_level(state, None, {"compatibilityLevel": "FORWARD"}))
    assert ops.configured_level(state, None) == "FORWARD"
    removed, state = commit(state, ops.delete_level(state, None))
    assert (removed, ops.configured_level(state, None)) == ("FORWARD", "BACKWARD")


def test_checking_compatibility_against_a_version_or_all_of_them() -> None:
    state = registered((ORDERS, V1), (ORDERS, V2))

    assert ops.check_compatibility(state, ORDERS, request(V2), "latest") == []
    assert ops.check_compatibility(state, ORDERS, request(BREAKING), "1") != []
    assert ops.check_compatibility(state, ORDERS, request(BREAKING), None) != []
    assert ops.check_compatibility(state, "new-value", request(BREAKING), "latest") == []
    code = refusal(ops.check_compatibility, state, "new-value", request(V1), "1")
    assert code is ErrorCode.SUBJECT_NOT_FOUND


def test_a_schema_may_reference_another_subjects_type_which_then_cannot_be_deleted() -> None:
    money = json.dumps({"type": "record", "name": "Money", "namespace": "mca.test",
                        "fields": [{"name": "cents", "type": "long"}]})
    state = registered(("money", money))
    priced = record_schema({"name": "price", "type": "Money"})
    reference = [{"name": "mca.test.Money", "subject": "money", "version": 1}]

    entry, _ = ops.register(state, ORDERS, request(priced, references=reference))
    assert entry.schema_id == 2
    _, state = commit(state, ops.register(state, ORDERS, request(priced, references=reference)))

    assert refusal(ops.delete_subject, state, "money", permanent=False) is ErrorCode.REFERENCE_EXISTS
    # Without the reference, Money is an unknown type.
    assert refusal(ops.register, state, "x", request(priced)) is ErrorCode.INVALID_SCHEMA


def test_latest_with_metadata_picks_the_newest_version_with_those_properties() -> None:
    state = RegistryState()
    for text, owner in ((V1, "team-a"), (V2, "team-b")):
        metadata = {"properties": {"owner": owner}}
        _, state = commit(state, ops.register(state, ORDERS, request(text, metadata=metadata)))

    assert ops.latest_with_metadata(state, ORDERS, {"owner": "team-a"}).version == 1
    assert ops.latest_with_metadata(state, ORDERS, {}).version == 2
    assert refusal(ops.latest_with_metadata, state, ORDERS, {"owner": "x"}) is ErrorCode.SCHEMA_NOT_FOUND
