"""Helpers of the webhook integration tests: a real HTTP receiver that verifies signatures with
`standardwebhooks`, endpoints written to the database, application events produced to Kafka, the
webhook loops run in-process, and reading the webhook dead-letter topic."""

from __future__ import annotations

import copy
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from confluent_kafka import Consumer, Producer
from pydantic import SecretStr
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool
from standardwebhooks import Webhook, WebhookVerificationError

from consumers.webhooks.commands import Wiring, build_loops, run_loops, sender_config
from consumers.webhooks.sender import WebhookSender
from consumers.webhooks.signing import new_signing_secret, seal_signing_secret
from infra.crypto import KeyRing, parse_key_ring
from infra.database import make_engine
from infra.settings import Settings
from infra.topics import APPLICATION_EVENT, WEBHOOK_DELIVERY
from schemas.db.records import WebhookDelivery, WebhookEndpoint, new_id
from schemas.examples import example_value
from schemas.ids import event_id
from schemas.serde import AvroSerde

EVENT_TYPES = ("application.received", "application.processed", "application.review_required")
WAIT_SECONDS = 120.0


@dataclass
class Received:
    """One request the receiver got: headers, body, answer, and which secrets verified it."""

    path: str
    webhook_id: str
    body: str
    headers: dict[str, str]
    status: int
    verified_by: list[str]


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that verifies Standard Webhooks signatures and answers per path
    (`answers[path]`, default 200). `stop()` stops listening; `start()` listens again on the same port."""

    secrets: dict[str, list[str]] = field(default_factory=dict)  # path -> secrets that may sign
    answers: dict[str, int] = field(default_factory=dict)
    delay_seconds: float = 0.0
    answer: Callable[[str, str, int], int] | None = None  # (path, webhook-id, nth request of it) -> status
    received: list[Received] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver._record(self.path, body, headers, self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        server = self._server
        threading.Thread(target=lambda: server.serve_forever(poll_interval=0.05), daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _record(self, path: str, body: str, headers: dict[str, str], handler: BaseHTTPRequestHandler) -> None:
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        verified = []
        for secret in self.secrets.get(path, []):
            try:
                Webhook(secret).verify(body, headers)
                verified.append(secret)
            except WebhookVerificationError:
                pass
        webhook_id = headers.get("webhook-id", "")
        with self._lock:
            seen = sum(1 for r in self.received if r.webhook_id == webhook_id)
            status = self.answer(path, webhook_id, seen + 1) if self.answer else self.answers.get(path, 200)
            self.received.append(Received(path, webhook_id, body, headers, status, verified))
        handler.send_response(status)
        handler.send_header("content-type", "text/plain")
        handler.end_headers()
        handler.wfile.write(f"answered {status}".encode())

    def delivered(self, path: str | None = None) -> dict[str, str]:
        """webhook-id -> body of every 2xx-answered, verified request (to `path`, or any)."""
        with self._lock:
            return {r.webhook_id: r.body for r in self.received
                    if 200 <= r.status < 300 and r.verified_by and (path is None or r.path == path)}

    def snapshot(self) -> list[Received]:
        with self._lock:
            return list(self.received)


@contextmanager
def running_receiver(**options: Any) -> Iterator[Receiver]:
    receiver = Receiver(**options)
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()


def new_key_ring() -> tuple[str, KeyRing]:
    from infra.crypto import new_key_spec

    spec = new_key_spec("wk1")
    return spec, parse_key_ring(spec)


def create_endpoint(url: str, ring: KeyRing, target: str, *, event_types: list[str] | None = None,
                    status: str = "enabled", previous_secret: str | None = None) -> tuple[str, str]:
    """Insert an endpoint (as the API would) and return (endpoint id, its current secret)."""
    secret = new_signing_secret()
    key_id, sealed = seal_signing_secret(ring, secret)
    now = datetime.now(UTC)
    row = WebhookEndpoint(id=new_id(), url=target, status=status, event_types=event_types or [],
                          secret_key_id=key_id, secret_ciphertext=sealed, created_at=now, updated_at=now,
                          consecutive_failures=0, allow_private_addresses=False)
    if previous_secret is not None:
        sealed_previous = seal_signing_secret(ring, previous_secret)
        row.previous_secret_key_id, row.previous_secret_ciphertext = sealed_previous
        row.previous_secret_expires_at = now + timedelta(hours=1)
    engine = make_engine(url, poolclass=NullPool)
    try:
        with Session(engine) as session, session.begin():
            session.add(row)
            endpoint_id = row.id
    finally:
        engine.dispose()
    return endpoint_id, secret


def endpoint_row(url: str, endpoint_id: str) -> dict[str, Any]:
    engine = make_engine(url, poolclass=NullPool)
    try:
        with Session(engine) as session:
            row = session.get(WebhookEndpoint, endpoint_id)
            assert row is not None
            return {"status": row.status, "disabled_reason": row.disabled_reason,
                    "consecutive_failures": row.consecutive_failures, "failing_since": row.failing_since}
    finally:
        engine.dispose()


def enable_endpoint(url: str, endpoint_id: str) -> None:
    """Re-enable as the API does: flip the status and reset the failure counters."""
    engine = make_engine(url, poolclass=NullPool)
    try:
        with Session(engine) as session, session.begin():
            session.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id).values(
                status="enabled", consecutive_failures=0, failing_since=None, disabled_reason=None,
                disabled_at=None))
    finally:
        engine.dispose()


def delivery_rows(url: str) -> list[dict[str, Any]]:
    engine = make_engine(url, poolclass=NullPool)
    try:
        with Session(engine) as session:
            rows = session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
            return [{"delivery_id": r.delivery_id, "endpoint_id": r.endpoint_id, "event_id": r.event_id,
                     "attempt": r.attempt, "outcome": r.outcome, "status_code": r.status_code,
                     "latency_ms": r.latency_ms, "error": r.error, "response_excerpt": r.response_excerpt}
                    for r in rows]
    finally:
        engine.dispose()


def application_events(count: int, *, salt: str = "") -> list[dict[str, Any]]:
    """`count` distinct events (types cycling through EVENT_TYPES), each of its own application."""
    events = []
    for index in range(count):
        event = copy.deepcopy(example_value(APPLICATION_EVENT.name))
        application_id = uuid.uuid5(uuid.NAMESPACE_URL, f"app/{salt}/{index}").hex * 2
        kind = EVENT_TYPES[index % len(EVENT_TYPES)]
        event.update(application_id=application_id, type=kind, version=1 + index % 3,
                     event_id=event_id(application_id, kind, 1 + index % 3),
                     status=None if kind == "application.received" else kind.split(".", 1)[1])
        events.append(event)
    return events


def produce_events(bootstrap: str, topic: str, serde: AvroSerde, events: list[dict[str, Any]]) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "enable.idempotence": True})
    errors: list[Any] = []
    for event in events:
        producer.produce(topic, key=event["application_id"].encode(),
                         value=serde.encode(APPLICATION_EVENT.name, event),
                         on_delivery=lambda error, _m: errors.append(error) if error else None)
    assert producer.flush(30) == 0 and not errors, errors


def read_deliveries(bootstrap: str, topic: str, serde: AvroSerde, count: int,
                    seconds: float = WAIT_SECONDS) -> list[tuple[dict[str, Any], dict[str, bytes]]]:
    """The first `count` (task, headers) on `topic` (fails when fewer arrive within `seconds`)."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"read-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False})
    consumer.subscribe([topic])
    found: list[tuple[dict[str, Any], dict[str, bytes]]] = []
    deadline = time.monotonic() + seconds
    try:
        while len(found) < count and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None or message.error():
                continue
            task = serde.decode(WEBHOOK_DELIVERY.name, message.value())
            found.append((task, dict(message.headers() or [])))
    finally:
        consumer.close()
    assert len(found) >= count, f"only {len(found)} of {count} records on {topic}"
    return found


def wait_until(condition: Callable[[], bool], what: str, seconds: float = WAIT_SECONDS,
               alive: Callable[[], bool] = lambda: True) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        assert alive(), f"the webhooks stopped before {what}"
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass(frozen=True)
class Topics:
    """A uuid-named set of the webhook topics."""

    events: str
    delivery: str
    retries: tuple[str, str, str]
    dlq: str
    poison: str

    def wiring(self) -> Wiring:
        group = uuid.uuid4().hex
        return Wiring(self.events, self.delivery, self.retries, self.dlq, self.poison,
                      f"fanout-{group}", f"delivery-{group}")

    def arguments(self, group: str) -> list[str]:
        retries = [arg for topic in self.retries for arg in ("--retry-topic", topic)]
        return ["--events-topic", self.events, "--delivery-topic", self.delivery, *retries,
                "--dead-letter-topic", self.dlq, "--poison-topic", self.poison,
                "--fanout-group", f"fanout-{group}", "--delivery-group", f"delivery-{group}"]


def make_topics(topic_factory: Callable[..., str]) -> Topics:
    retries = tuple(topic_factory(partitions=2, prefix=f"webhook-retry-{tier}") for tier in ("a", "b", "c"))
    return Topics(events=topic_factory(partitions=3, prefix="app-event"),
                  delivery=topic_factory(partitions=3, prefix="webhook-delivery"),
                  retries=retries,  # type: ignore[arg-type]
                  dlq=topic_factory(partitions=1, prefix="webhook-dlq"),
                  poison=topic_factory(partitions=1, prefix="dlq"))


def webhook_settings(*, bootstrap: str, registry: str, database_url: str, key_spec: str,
                     **overrides: Any) -> Settings:
    """Settings for the loops under test: tiny delays, private targets allowed (a local receiver)."""
    values: dict[str, Any] = {
        "environment": "test", "kafka_bootstrap": bootstrap, "registry_url": registry,
        "database_url": database_url, "encryption_keys": SecretStr(key_spec),
        "webhook_allow_private_urls": True, "webhook_retry_tier_seconds": [0.2, 0.5, 1.0],
        "webhook_max_attempts": 20, "webhook_endpoint_cache_seconds": 0.3,
        "webhook_connect_timeout_seconds": 1.0, "webhook_read_timeout_seconds": 2.0,
        "webhook_session_timeout_seconds": 6.0, "webhook_links_base_url": "https://mca.example.test",
    }
    return Settings(**(values | overrides))


@contextmanager
def running_webhooks(settings: Settings, topics: Topics) -> Iterator[Callable[[], bool]]:
    """Fan-out and delivery worker running on threads of this process (what `mca webhooks` runs);
    yields `alive()`; stopped gracefully on exit, and any failure of theirs fails the test."""
    engine = make_engine(settings.resolved_database_url)
    sender = WebhookSender(sender_config(settings))
    fanout, worker = build_loops(settings, topics.wiring(), engine=engine, sender=sender)
    stop = threading.Event()
    failures: list[BaseException] = []
    thread = threading.Thread(
        target=lambda: failures.extend(run_loops({"fanout": fanout.run, "delivery": worker.run}, stop)),
        name="webhooks", daemon=True)
    thread.start()
    try:
        yield lambda: thread.is_alive() and not failures
    finally:
        stop.set()
        thread.join(60)
        sender.close()
        engine.dispose()
    assert not thread.is_alive(), "the webhook loops did not stop within 60 s"
    assert not failures, failures


def body_of(received: Received) -> dict[str, Any]:
    return json.loads(received.body)
