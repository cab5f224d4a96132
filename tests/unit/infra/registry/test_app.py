"""The HTTP layer speaks Confluent's dialect: paths, query flags, JSON shapes, error bodies, media type.

Runs the ASGI app over an in-memory log (a hand-written fake of the Kafka-backed one).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from infra.registry.app import MEDIA_TYPE, create_app
from infra.registry.records import Record, decode, encode
from infra.registry.state import RegistryState, apply
from infra.registry.store import Plan

ORDER_V1 = json.dumps({"type": "record", "name": "Order", "fields": [{"name": "id", "type": "string"}]})
ORDER_V2 = json.dumps({"type": "record", "name": "Order", "fields": [
    {"name": "id", "type": "string"}, {"name": "note", "type": ["null", "string"], "default": None}]})
ORDER_BREAKING = json.dumps({"type": "record", "name": "Order", "fields": [{"name": "id", "type": "long"}]})


class MemoryLog:
    """SchemaLog kept in a list; records go through their byte encoding as they would through Kafka."""

    def __init__(self) -> None:
        self.records: list[Record] = []
        self._state = RegistryState()

    @property
    def state(self) -> RegistryState:
        return self._state

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def transact(self, plan: Plan[Any]) -> Any:
        result, records = plan(self._state)
        for record in records:
            self.records.append(record)
            self._state = apply(self._state, decode(*encode(record)))
        return result


@pytest.fixture
def client() -> Iterator[TestClient]:
    with TestClient(create_app(MemoryLog())) as test_client:
        yield test_client


def register(client: TestClient, subject: str, schema: str) -> Any:
    return client.post(f"/subjects/{subject}/versions", json={"schema": schema})


def test_root_answers_an_empty_object_with_the_registry_media_type(client: TestClient) -> None:
    response = client.get("/")

    assert response.status_code == 200 and response.json() == {}
    assert response.headers["content-type"] == MEDIA_TYPE


def test_register_then_read_back_by_id_subject_and_version(client: TestClient) -> None:
    created = register(client, "orders-value", ORDER_V1).json()
    assert created["id"] == 1 and created["version"] == 1

    by_id = client.get("/schemas/ids/1").json()
    assert json.loads(by_id["schema"]) == json.loads(ORDER_V1)
    assert "schemaType" not in by_id  # omitted for Avro, as Confluent does
    latest = client.get("/subjects/orders-value/versions/latest").json()
    assert (latest["subject"], latest["version"], latest["id"]) == ("orders-value", 1, 1)
    assert client.get("/subjects/orders-value/versions/1/schema").json() == json.loads(by_id["schema"])
    assert client.get("/schemas/ids/1/versions").json() == [{"subject": "orders-value", "version": 1}]
    assert client.get("/schemas/guids/" + created["guid"]).json()["id"] == 1


def test_errors_carry_confluents_codes(client: TestClient) -> None:
    register(client, "orders-value", ORDER_V1)

    cases = {
        "/subjects/nobody/versions": (404, 40401),
        "/subjects/orders-value/versions/7": (404, 40402),
        "/schemas/ids/99": (404, 40403),
        "/subjects/orders-value/versions/zero": (422, 42202),
        "/config/orders-value": (404, 40408),
        "/no/such/path": (404, 404),
    }
    for path, (status, code) in cases.items():
        response = client.get(path)
        assert (response.status_code, response.json()["error_code"]) == (status, code), path
        assert response.headers["content-type"] == MEDIA_TYPE


def test_incompatible_registration_is_a_409_with_the_reason(client: TestClient) -> None:
    register(client, "orders-value", ORDER_V1)

    response = register(client, "orders-value", ORDER_BREAKING)

    assert response.status_code == 409
    assert response.json()["error_code"] == 409 and "TYPE_MISMATCH" in response.json()["message"]


def test_invalid_schemas_and_other_schema_types_are_422(client: TestClient) -> None:
    assert client.post("/subjects/s/versions", json={"schema": "{"}).json()["error_code"] == 42201
    proto = {"schema": "syntax = 'proto3';", "schemaType": "PROTOBUF"}
    protobuf = client.post("/subjects/s/versions", json=proto)
    assert (protobuf.status_code, protobuf.json()["error_code"]) == (422, 42201)
    assert client.post("/subjects/s/versions", content=b"not json").status_code == 400


def test_query_flags_accept_pythons_capitalised_booleans(client: TestClient) -> None:
    register(client, "orders-value", ORDER_V1)
    register(client, "orders-value", ORDER_V2)
    assert client.delete("/subjects/orders-value/versions/2").json() == 2

    assert client.get("/subjects/orders-value/versions?deleted=False").json() == [1]
    assert client.get("/subjects/orders-value/versions?deleted=True").json() == [1, 2]
    lookup = client.post("/subjects/orders-value?normalize=False&deleted=True", json={"schema": ORDER_V2})
    assert lookup.json()["version"] == 2


def test_config_and_compatibility_endpoints_use_confluents_field_names(client: TestClient) -> None:
    register(client, "orders-value", ORDER_V1)

    assert client.get("/config").json() == {"compatibilityLevel": "BACKWARD"}
    full = {"compatibility": "FULL"}
    assert client.put("/config/orders-value", json=full).json() == full
    assert client.get("/config/orders-value").json() == {"compatibilityLevel": "FULL"}
    assert client.put("/config", json={"compatibility": "SIDEWAYS"}).json()["error_code"] == 42203

    check = client.post("/compatibility/subjects/orders-value/versions/latest?verbose=True",
                        json={"schema": ORDER_BREAKING}).json()
    assert check["is_compatible"] is False and check["messages"]
    quiet = client.post("/compatibility/subjects/orders-value/versions/latest", json={"schema": ORDER_V2})
    assert quiet.json() == {"is_compatible": True}
    assert client.delete("/config/orders-value").json() == {"compatibilityLevel": "FULL"}


def test_subjects_are_listed_by_prefix_and_deleted_soft_then_permanently(client: TestClient) -> None:
    register(client, "orders-value", ORDER_V1)
    register(client, "orders-key", ORDER_V1)

    assert client.get("/subjects").json() == ["orders-key", "orders-value"]
    assert client.get("/subjects?subjectPrefix=orders-v").json() == ["orders-value"]
    assert client.delete("/subjects/orders-key?permanent=true").json()["error_code"] == 40405
    assert client.delete("/subjects/orders-key").json() == [1]
    assert client.get("/subjects").json() == ["orders-value"]
    assert client.get("/subjects?deleted=true").json() == ["orders-key", "orders-value"]
    assert client.delete("/subjects/orders-key?permanent=true").json() == [1]
    assert client.get("/schemas/ids/1/subjects").json() == ["orders-value"]
