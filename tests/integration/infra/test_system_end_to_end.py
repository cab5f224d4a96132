"""The whole system on real services, started the way operators start it (`mca services up`): emails
sent to the SMTP door become rows in PostgreSQL and Avro files in an S3-API store, the API returns
them, and a real HTTP receiver gets webhooks whose signatures the `standardwebhooks` library verifies.

Kafka is a private broker of this test (the s3-sink archives every `mca.*` topic, so it must not
see other tests' topics); the registry, PostgreSQL and the S3-API server are the session's.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session

from api.services.users import create_user
from consumers.s3_sink.listing import list_keys
from infra.database import make_engine
from infra.demo import generate_demo_set
from infra.demo_mail import send_files
from infra.demo_run import projected_submissions
from infra.object_store import ObjectStore, object_store_from_settings
from infra.services import SERVICE_NAMES, log_file, services_status, start_services, stop_services
from infra.settings import Settings
from infra.stack.process import free_port, tail
from schemas.ids import EVENT_TYPES
from tests.integration.consumers.postgres_sink_support import fresh_database
from tests.integration.consumers.webhooks_support import running_receiver
from tests.integration.service_settings import services_on

API = "/api/v1"
PASSWORD = "an end-to-end test password"
SUBMISSIONS = 3
WAIT_SECONDS = 420.0
CLEAR_SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")


@pytest.fixture
def system_settings(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, private_kafka, schema_registry: str,
    postgres_url: str, s3_server: str, s3_store_factory,
) -> Iterator[Settings]:
    """Settings of a system on a private Kafka, the session's registry, a fresh PostgreSQL schema and
    a fresh bucket; the services inherit them through the environment and are stopped afterwards."""
    store = s3_store_factory()
    with fresh_database("postgresql", lambda: postgres_url, tmp_path) as database_url:
        settings = services_on(
            monkeypatch, tmp_path / "home", private_kafka.bootstrap_servers, schema_registry,
            MCA_DATABASE_URL=database_url,
            MCA_OBJECT_STORE_URL=f"s3://{store.bucket}/system",
            MCA_S3_ENDPOINT_URL=s3_server,
            MCA_API_PORT=str(free_port()),
            MCA_SMTP_PORT=str(free_port()),
            MCA_JWT_SECRET="an end-to-end test signing secret",
            MCA_WEBHOOK_ALLOW_PRIVATE_URLS="true",
            MCA_S3_SINK_MAX_AGE_SECONDS="2",
            MCA_WEBHOOK_ENDPOINT_CACHE_SECONDS="0.5",
        )
        try:
            yield settings
        finally:
            stop_services(settings, grace=20)


def sign_in_as_admin(settings: Settings, client: httpx.Client) -> None:
    engine = make_engine(settings.resolved_database_url)
    with Session(engine) as session, session.begin():
        create_user(session, email="ops@example.com", role="admin", password=PASSWORD)
    engine.dispose()
    answer = client.post(f"{API}/auth/token", data={"username": "ops@example.com", "password": PASSWORD})
    client.headers["Authorization"] = f"Bearer {answer.raise_for_status().json()['access_token']}"


def wait_until(condition: Callable[[], bool], what: str, settings: Settings) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        stopped = [name for name, info in services_status(settings).items() if info["state"] != "running"]
        if stopped:
            raise AssertionError(f"{stopped} stopped before {what}:\n{tail(log_file(settings, stopped[0]))}")
        time.sleep(1.0)
    logs = "\n".join(f"--- {name}\n{tail(log_file(settings, name), 15)}" for name in SERVICE_NAMES)
    raise AssertionError(f"timed out waiting for {what}\n{logs}")


def archived(store: ObjectStore, topic: str) -> bool:
    return any(key.endswith(".avro") for key in list_keys(store, f"{topic}/"))


@pytest.mark.timeout(900)
def test_emails_become_rows_archives_api_answers_and_signed_webhooks(
    system_settings: Settings, tmp_path: Path
) -> None:
    settings = system_settings
    assert all(start_services(settings).values())
    with running_receiver() as receiver, httpx.Client(
        base_url=f"http://{settings.api_host}:{settings.api_port}", timeout=30
    ) as client:
        sign_in_as_admin(settings, client)
        endpoint = client.post(f"{API}/webhooks", json={
            "url": receiver.url("/hooks"), "event_types": list(EVENT_TYPES), "allow_private_addresses": True,
        }).raise_for_status().json()
        receiver.secrets["/hooks"] = [endpoint["secret"]]

        paths = sorted(generate_demo_set(tmp_path / "demo", n=SUBMISSIONS, seed=5))
        sent = send_files(settings, paths)
        submission_ids = {item.submission_id for item in sent}
        assert None not in submission_ids, [item.answer for item in sent]

        wait_until(lambda: projected_submissions(settings, submission_ids) == submission_ids,
                   "every submission projected into PostgreSQL", settings)
        listed = client.get(f"{API}/applications", params={"limit": 100}).raise_for_status().json()["items"]
        by_submission = {item["submission_id"]: item for item in listed}
        assert set(by_submission) == submission_ids
        for item in by_submission.values():
            detail = client.get(f"{API}/applications/{item['application_id']}").raise_for_status().json()
            assert detail["submission"]["submission_id"] == item["submission_id"]

        def every_application_notified() -> bool:
            bodies = [json.loads(body) for body in receiver.delivered("/hooks").values()]
            notified = {body["data"]["application_id"] for body in bodies if "data" in body}
            return notified >= {item["application_id"] for item in by_submission.values()}

        wait_until(every_application_notified, "a verified webhook for every application", settings)
        assert all(received.verified_by for received in receiver.snapshot())
        assert not [body for body in receiver.delivered().values() if CLEAR_SSN.search(body)]

    store = object_store_from_settings(settings)
    topics = ("mca.email.received", "mca.document.extracted", "mca.application", "mca.application.event")
    wait_until(lambda: all(archived(store, topic) for topic in topics),
               "Avro archives of the flow's topics in the S3 store", settings)
