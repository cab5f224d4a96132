"""The IMAP door, run as operators run it (`mca imap`, a process of its own), is SIGKILLed while it
works through a mailbox of a real Dovecot. It flags a message only after Kafka acknowledged its event,
so the restarted poller reads again exactly what was not flagged: every message becomes a submission
with its bytes stored, and at most the message in flight at the kill is published twice, under the
same submission id (consumers deduplicate on it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from infra.demo import generate_demo_set
from infra.object_store import object_store_from_settings
from infra.topics import EMAIL_RECEIVED
from ingest.imap import HANDLED_KEYWORD
from tests.integration.service_settings import services_on

from .helpers import as_transmitted, read_events, sha256

MESSAGES = 16
ROOT = Path(__file__).resolve().parents[3]


def start_poller(log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "infra.cli", "imap"], cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def flagged(server, mailbox: str) -> int:  # type: ignore[no-untyped-def]
    return sum(HANDLED_KEYWORD in text for text in server.flags(mailbox).values())


def wait_for(condition, what: str, log: Path, timeout: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}\n{log.read_text()[-3000:]}"
        time.sleep(0.2)


@pytest.mark.timeout(600)
def test_the_imap_door_killed_mid_mailbox_loses_nothing_and_adds_no_submission(
    monkeypatch, tmp_path, private_kafka, schema_registry, dovecot
):
    mailbox = dovecot.new_mailbox()
    raws = [p.read_bytes() for p in sorted(generate_demo_set(tmp_path / "demo", n=MESSAGES, seed=13))]
    for raw in raws:
        dovecot.append(mailbox, raw)
    settings = services_on(
        monkeypatch, tmp_path / "home", private_kafka.bootstrap_servers, schema_registry,
        MCA_IMAP_HOST=dovecot.host, MCA_IMAP_PORT=str(dovecot.port), MCA_IMAP_USER=dovecot.user,
        MCA_IMAP_PASSWORD=dovecot.password, MCA_IMAP_MAILBOX=mailbox, MCA_IMAP_CA_FILE=str(dovecot.ca_file),
        MCA_IMAP_POLL_SECONDS="1",
    )
    log = tmp_path / "imap.log"
    poller = start_poller(log)
    try:
        wait_for(lambda: flagged(dovecot, mailbox) >= 2, "the first messages to be handled", log)
        os.kill(poller.pid, signal.SIGKILL)
        poller.wait(30)
        assert flagged(dovecot, mailbox) < MESSAGES, "the poller finished before it could be killed"
        poller = start_poller(log)
        wait_for(lambda: flagged(dovecot, mailbox) == MESSAGES, "every message to be handled", log)
    finally:
        poller.send_signal(signal.SIGTERM)
        try:
            poller.wait(30)
        except subprocess.TimeoutExpired:
            poller.kill()

    events = read_events(settings.kafka_bootstrap, EMAIL_RECEIVED.name, settings.registry_url,
                         expected=MESSAGES, settle=5.0)
    counts = Counter(event["submission_id"] for event in events)
    assert set(counts) == {sha256(as_transmitted(raw)) for raw in raws}
    assert sum(counts.values()) - len(counts) <= 1, counts.most_common(2)
    store = object_store_from_settings(settings)
    for event in events:
        assert sha256(store.get(event["raw"]["uri"])) == event["submission_id"]
