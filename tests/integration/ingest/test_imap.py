"""The IMAP door against a real Dovecot over IMAPS, with real Kafka, registry and object store."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from infra.stack.process import free_port
from ingest.accept import IngestDeps, IngestPolicy
from ingest.imap import HANDLED_KEYWORD, ImapConfig, ImapPoller
from ingest.producer import EventProducer, producer_config
from schemas.serde import AvroSerde
from tests.fixtures.mail import DovecotServer, LoopThread, local_store
from tests.integration.ingest.helpers import as_transmitted, assert_one_event_each, read_events

WAIT_SECONDS = 90.0


class RunningPoller:
    """An ImapPoller running on its own loop thread until `stop()`."""

    def __init__(self, config: ImapConfig, deps: IngestDeps) -> None:
        self.loop = LoopThread()
        self.poller = ImapPoller(config, deps)
        self._stop = self.loop.run(_make_event())
        self._future = self.loop.submit(self.poller.run(self._stop))

    def stop(self) -> None:
        self.loop.loop.call_soon_threadsafe(self._stop.set)
        self._future.result(60)
        self.loop.close()


async def _make_event() -> asyncio.Event:
    return asyncio.Event()


@pytest.fixture
def ingest_deps_factory(
    kafka_bootstrap: str, schema_registry: str, topic_factory: Callable[..., str], tmp_path: Path
) -> Iterator[Callable[[], IngestDeps]]:
    """IngestDeps publishing to a fresh topic of the session Kafka, storing in a local store."""
    producers: list[EventProducer] = []

    def make() -> IngestDeps:
        producer = EventProducer(producer_config(kafka_bootstrap, delivery_timeout_ms=15_000))
        producers.append(producer)
        return IngestDeps(
            store=local_store(tmp_path / f"objects-{uuid.uuid4().hex[:8]}"),
            serde=AvroSerde(schema_registry),
            producer=producer,
            policy=IngestPolicy(),
            topic=topic_factory(partitions=3, prefix="mca-email-received"),
        )

    yield make
    for producer in producers:
        producer.close(timeout=5)


def config_for(server: DovecotServer, mailbox: str, **overrides: Any) -> ImapConfig:
    options: dict[str, Any] = {"poll_seconds": 2.0, "timeout": 10.0, "max_backoff_seconds": 2.0, **overrides}
    return ImapConfig(
        host=server.host,
        port=server.port,
        user=server.user,
        password=server.password,
        mailbox=mailbox,
        ca_file=server.ca_file,
        **options,
    )


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def all_flagged(server: DovecotServer, mailbox: str, count: int) -> bool:
    flags = server.flags(mailbox)
    return len(flags) == count and all(HANDLED_KEYWORD in text for text in flags.values())


def note(subject: str) -> bytes:
    message = EmailMessage()
    message["From"] = "iso@broker.example"
    message["To"] = "submissions@mca.test"
    message["Subject"] = subject
    message.set_content("see attachment")
    message.add_attachment(b"%PDF-1.4 tiny", "application", "pdf", filename="app.pdf")
    return as_transmitted(message.as_bytes())


def accept_from_mailbox(
    server: DovecotServer, deps: IngestDeps, raws: list[bytes], registry: str, bootstrap: str
) -> list[dict[str, Any]]:
    """APPEND `raws` to a new mailbox, run the poller until all are flagged, return the events."""
    mailbox = server.new_mailbox()
    for raw in raws:
        server.append(mailbox, raw)
    poller = RunningPoller(config_for(server, mailbox), deps)
    try:
        wait_until(lambda: all_flagged(server, mailbox, len(raws)), "every message flagged")
    finally:
        poller.stop()
    assert poller.poller.stats.failed == 0
    return read_events(bootstrap, deps.topic, registry, expected=len(set(raws)))


def test_demo_submissions_in_a_mailbox_become_one_event_each_and_are_flagged(
    dovecot: DovecotServer,
    ingest_deps_factory: Callable[[], IngestDeps],
    schema_registry: str,
    kafka_bootstrap: str,
    demo_messages: list[bytes],
) -> None:
    raws = [as_transmitted(raw) for raw in demo_messages]
    deps = ingest_deps_factory()

    events = accept_from_mailbox(dovecot, deps, raws, schema_registry, kafka_bootstrap)

    assert_one_event_each(events, raws, deps.store, "imap")


def test_every_shared_sample_in_a_mailbox_becomes_one_event_and_is_flagged(
    dovecot: DovecotServer,
    ingest_deps_factory: Callable[[], IngestDeps],
    schema_registry: str,
    kafka_bootstrap: str,
    sample_messages: list[bytes],
) -> None:
    raws = [as_transmitted(raw) for raw in sample_messages]
    deps = ingest_deps_factory()

    events = accept_from_mailbox(dovecot, deps, raws, schema_registry, kafka_bootstrap)

    assert_one_event_each(events, raws, deps.store, "imap")


def test_a_message_is_left_unflagged_while_kafka_does_not_acknowledge_its_event(
    dovecot: DovecotServer, schema_registry: str, tmp_path: Path
) -> None:
    dead_port = free_port()  # nothing listens here: every publish times out
    producer = EventProducer(producer_config(f"127.0.0.1:{dead_port}", delivery_timeout_ms=2_000))
    deps = IngestDeps(
        store=local_store(tmp_path / "objects"),
        serde=AvroSerde(schema_registry),
        producer=producer,
        topic=f"mca-email-received-{uuid.uuid4().hex}",
    )
    mailbox = dovecot.new_mailbox()
    dovecot.append(mailbox, note("while Kafka is away"))

    poller = RunningPoller(config_for(dovecot, mailbox), deps)
    try:
        wait_until(lambda: poller.poller.stats.failed >= 1, "a failed acceptance")
        (flags,) = dovecot.flags(mailbox).values()
    finally:
        poller.stop()
        producer.close(timeout=1)

    assert HANDLED_KEYWORD not in flags
    assert poller.poller.stats.accepted == 0


def test_handled_mail_is_moved_to_the_done_folder_when_one_is_configured(
    dovecot: DovecotServer,
    ingest_deps_factory: Callable[[], IngestDeps],
    schema_registry: str,
    kafka_bootstrap: str,
) -> None:
    mailbox = dovecot.new_mailbox()
    done = f"{mailbox} done"  # a name that needs quoting
    raws = [note("first"), note("second")]
    for raw in raws:
        dovecot.append(mailbox, raw)
    deps = ingest_deps_factory()

    poller = RunningPoller(config_for(dovecot, mailbox, done_folder=done), deps)
    try:
        wait_until(lambda: not dovecot.flags(mailbox) and len(dovecot.flags(done)) == 2, "messages moved")
    finally:
        poller.stop()

    events = read_events(kafka_bootstrap, deps.topic, schema_registry, expected=2)
    assert_one_event_each(events, raws, deps.store, "imap")


@pytest.mark.parametrize("use_idle", [True, False], ids=["idle", "polling"])
def test_poller_survives_a_server_restart_and_accepts_mail_that_arrives_after_it(
    use_idle: bool,
    dovecot_factory: Callable[[], DovecotServer],
    ingest_deps_factory: Callable[[], IngestDeps],
    schema_registry: str,
    kafka_bootstrap: str,
) -> None:
    server = dovecot_factory()
    mailbox = server.new_mailbox()
    before, after = note("before the restart"), note("after the restart")
    deps = ingest_deps_factory()
    poller = RunningPoller(config_for(server, mailbox, use_idle=use_idle), deps)
    try:
        server.append(mailbox, before)
        wait_until(lambda: all_flagged(server, mailbox, 1), "the first message flagged")

        server.stop()
        time.sleep(1.0)
        server.start()
        server.append(mailbox, after)

        wait_until(lambda: all_flagged(server, mailbox, 2), "the message sent after the restart flagged")
    finally:
        poller.stop()

    events = read_events(kafka_bootstrap, deps.topic, schema_registry, expected=2)
    assert_one_event_each(events, [before, after], deps.store, "imap")
