"""The SMTP door, run as operators run it (`mca smtp`, a process of its own), is SIGKILLed while mail
flows. A sending server retries what was not answered 250 (as every MTA does), so after the restart
every message is a submission with its bytes stored: nothing lost. The same bytes are one
submission id, so a message answered 250 before the kill and sent again by an over-cautious client
adds no submission, and at most the message in flight at the kill is published twice, under the
same id (the window between Kafka's acknowledgement and the door's marker; consumers deduplicate
on submission_id)."""

from __future__ import annotations

import os
import signal
import smtplib
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from infra.demo import generate_demo_set
from infra.demo_mail import client_tls, door_recipient, envelope_sender, wire_bytes
from infra.object_store import object_store_from_settings
from infra.services import service_pid, start_services, stop_services
from infra.settings import Settings
from infra.stack.process import free_port
from infra.topics import EMAIL_RECEIVED
from tests.integration.service_settings import services_on

from .helpers import read_events, sha256

MESSAGES = 12
KILL_AFTER = 4


@pytest.fixture
def door_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, private_kafka, schema_registry: str):
    settings = services_on(monkeypatch, tmp_path / "home", private_kafka.bootstrap_servers, schema_registry,
                           MCA_SMTP_PORT=str(free_port()))
    try:
        yield settings
    finally:
        stop_services(settings, ["smtp"], grace=10)


def deliver(settings: Settings, data: bytes) -> None:
    """One message in its own SMTP session, STARTTLS as the door offers it; raises unless 250."""
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as client:
        client.ehlo()
        client.starttls(context=client_tls(settings))
        client.ehlo()
        client.sendmail(envelope_sender(data), [door_recipient(settings)], data)


def deliver_until_accepted(settings: Settings, data: bytes, deadline: float) -> None:
    """What a sending MTA does: retry until the door answers 250."""
    while True:
        try:
            deliver(settings, data)
            return
        except (OSError, smtplib.SMTPException):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


@pytest.mark.timeout(600)
def test_the_smtp_door_killed_mid_flow_loses_nothing_and_adds_no_submission(door_settings, tmp_path):
    settings = door_settings
    paths = sorted(generate_demo_set(tmp_path / "demo", n=MESSAGES, seed=11))
    messages = [wire_bytes(path.read_bytes()) for path in paths]
    assert start_services(settings, ["smtp"])["smtp"]
    deadline = time.monotonic() + 300
    accepted: list[bytes] = []
    killer_done = threading.Event()

    def kill_and_restart() -> None:
        while len(accepted) < KILL_AFTER:
            time.sleep(0.05)
        pid = service_pid(settings, "smtp")
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        time.sleep(1.0)
        start_services(settings, ["smtp"])
        killer_done.set()

    killer = threading.Thread(target=kill_and_restart, daemon=True)
    killer.start()
    for data in messages:
        deliver_until_accepted(settings, data, deadline)
        accepted.append(data)
    killer.join(120)
    assert killer_done.is_set(), "the door was never killed"
    for data in messages[:2]:  # a cautious client sends what was already accepted once more
        deliver(settings, data)

    events = read_events(settings.kafka_bootstrap, EMAIL_RECEIVED.name, settings.registry_url,
                         expected=MESSAGES, settle=5.0)
    counts = Counter(event["submission_id"] for event in events)
    assert set(counts) == {sha256(data) for data in messages}
    assert sum(counts.values()) - len(counts) <= 1, counts.most_common(2)
    store = object_store_from_settings(settings)
    for event in events:
        assert sha256(store.get(event["raw"]["uri"])) == event["submission_id"]
