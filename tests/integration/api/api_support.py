"""Helpers of the API integration tests: the real app served by uvicorn on a free port, applications
seeded through the postgres-sink's own writer (with PII really encrypted), and a user per role."""

from __future__ import annotations

import copy
import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import uvicorn
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from api.config import ApiTopics
from api.main import create_app
from api.services.users import create_api_key, create_user
from consumers.postgres_sink.events import project_event
from consumers.postgres_sink.mapping import project_application
from consumers.postgres_sink.writer import ProjectionWriter
from infra.crypto import KeyRing
from infra.database import make_engine
from infra.settings import Settings
from infra.stack.process import free_port
from schemas.examples import RECEIVED_AT, example_value
from schemas.ids import event_id
from schemas.pii import encrypt_field

ROLES = ("admin", "underwriter", "analyst", "partner")
PASSWORD = "a long test password"
SSN, BIRTH, ROUTING, ACCOUNT = "123-45-6789", "1958-10-24", "021000021", "6700036911"
STATUSES = ("processed", "review_required", "rejected", "duplicate", "failed")


def _hex(*parts: object) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


@contextmanager
def serving(settings: Settings, *, topics: ApiTopics | None = None) -> Iterator[str]:
    """The app for `settings` served by uvicorn in a thread of this process; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, topics=topics),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
        )
    )
    thread = threading.Thread(target=server.run, name="api-under-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the API did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
    assert not thread.is_alive(), "the API did not stop"


def application_value(index: int, ring: KeyRing, *, version: int = 1) -> dict[str, Any]:
    """Application `index`: a distinct merchant, ISO, EIN and received time; real ciphertext for PII."""
    value = copy.deepcopy(example_value("mca.application"))
    application_id, submission_id = _hex("application", index), _hex("submission", index)
    received = RECEIVED_AT + timedelta(minutes=index)
    value.update(
        application_id=application_id,
        version=version,
        status=STATUSES[index % 5],
        iso_broker=f"iso{index % 3}.example",
        received_at=received,
        updated_at=received,
    )
    value["submission"].update(
        application_id=application_id,
        submission_id=submission_id,
        iso_broker=f"iso{index % 3}.example",
        received_at=received,
    )
    value["merchant"].update(
        legal_name=f"Merchant {index} LLC",
        dba_name=f"Shop {index}",
        ein=f"{10 + index % 90:02d}-{1000000 + index:07d}",
    )
    value["funding"]["amount_requested"] = Decimal(10000 + index).quantize(Decimal("0.01"))
    owner = value["owners"][0]
    owner.update(
        ssn=encrypt_field(ring, SSN, field="ssn"),
        date_of_birth=encrypt_field(ring, BIRTH, field="date_of_birth"),
    )
    value["voided_check"].update(
        routing_number=encrypt_field(ring, ROUTING, field="routing_number"),
        account_number=encrypt_field(ring, ACCOUNT, field="account_number"),
    )
    document = value["documents"][0]
    value["documents"] = [dict(document, document_id=_hex("document", index), submission_id=submission_id)]
    value["bank_statements"][0]["document_id"] = _hex("document", index)
    value["fields"] = [dict(value["fields"][0], document_id=_hex("document", index))]
    return value


def event_value(application: dict[str, Any], transition: str) -> dict[str, Any]:
    """The `mca.application.event` of `application` reaching its status by `transition`."""
    event = copy.deepcopy(example_value("mca.application.event"))
    event.update(
        event_id=event_id(application["application_id"], transition, application["version"]),
        type=f"application.{transition}",
        application_id=application["application_id"],
        version=application["version"],
        occurred_at=application["updated_at"],
        status=None if transition == "received" else application["status"],
        submission_id=application["submission"]["submission_id"],
        iso_broker=application["iso_broker"],
    )
    return event


def seed(url: str, values: list[dict[str, Any]], *, with_events: bool = True) -> None:
    """Write `values` (and a received + a status event each) through the postgres-sink's writer."""
    engine = make_engine(url, poolclass=NullPool)
    try:
        operations: list[Any] = [project_application(value) for value in values]
        if with_events:
            for value in values:
                operations += [
                    project_event(event_value(value, "received")),
                    project_event(event_value(value, value["status"])),
                ]
        ProjectionWriter(engine, "seed").write(operations, {})
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Callers:
    """Bearer headers of one user per role, and a partner API key."""

    headers: dict[str, dict[str, str]]
    partner_key: str
    emails: dict[str, str]


def make_callers(url: str, base_url: str) -> Callers:
    """A user per role (signed in through the token route) and a partner API key."""
    engine = make_engine(url, poolclass=NullPool)
    emails = {role: f"{role}-{_hex(url, role)[:8]}@example.test" for role in ROLES}
    try:
        with Session(engine) as session:
            for role in ROLES:
                create_user(session, email=emails[role], role=role, password=PASSWORD)
            key = create_api_key(session, name="partner", role="partner").key
            session.commit()
    finally:
        engine.dispose()
    headers = {}
    for role in ROLES:
        answer = httpx.post(
            f"{base_url}/api/v1/auth/token", data={"username": emails[role], "password": PASSWORD}
        )
        assert answer.status_code == 200, answer.text
        headers[role] = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    return Callers(headers, key, emails)


def api_settings(url: str, home: Any, ring_spec: str, **overrides: Any) -> Settings:
    """Settings of an API under test: its database, home, key ring and a JWT secret."""
    values: dict[str, Any] = {
        "database_url": url,
        "home": home,
        "encryption_keys": ring_spec,
        "jwt_secret": "test-jwt-secret-" + "x" * 32,
        "environment": "test",
        "api_metrics_refresh_seconds": 0.5,
        **overrides,
    }
    return Settings(**values)
