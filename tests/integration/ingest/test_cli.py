"""`mca ingest PATH...` against real Kafka, schema registry and an encrypted local object store."""

from __future__ import annotations

import mailbox
from collections.abc import Callable
from email import message_from_bytes
from pathlib import Path

import pytest
from typer.testing import CliRunner

from infra.cli import app
from infra.crypto import new_key_spec, parse_key_ring
from infra.object_store import LocalObjectStore
from tests.integration.ingest.helpers import assert_one_event_each, read_events


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, kafka_bootstrap: str, schema_registry: str
) -> LocalObjectStore:
    """MCA_* settings for the command; returns the object store it writes to."""
    keys = new_key_spec("cli")
    objects = tmp_path / "objects"
    for name, value in {
        "MCA_HOME": str(tmp_path / "home"),
        "MCA_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "MCA_REGISTRY_URL": schema_registry,
        "MCA_OBJECT_STORE_URL": objects.as_uri(),
        "MCA_ENCRYPTION_KEYS": keys,
        "MCA_KAFKA_DELIVERY_TIMEOUT_MS": "15000",
    }.items():
        monkeypatch.setenv(name, value)
    return LocalObjectStore(objects, parse_key_ring(keys))


def ingest(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["ingest", *args])
    return result.exit_code, result.output


def write_inputs(folder: Path, raws: list[bytes]) -> None:
    """The first message as an mbox, the rest as .eml files in a subfolder."""
    (folder / "nested").mkdir(parents=True)
    box = mailbox.mbox(folder / "first.mbox")
    box.add(message_from_bytes(raws[0]))
    box.close()
    for index, raw in enumerate(raws[1:]):
        (folder / "nested" / f"{index:03d}.eml").write_bytes(raw)


def stored_bytes_of(folder: Path) -> list[bytes]:
    raws = [mailbox.mbox(folder / "first.mbox").get_bytes(0)]
    return raws + [p.read_bytes() for p in sorted((folder / "nested").glob("*.eml"))]


def run_folder(raws: list[bytes], tmp_path: Path, topic_factory: Callable[..., str]) -> tuple[str, Path]:
    folder = tmp_path / "inbox"
    write_inputs(folder, raws)
    topic = topic_factory(partitions=3, prefix="mca-email-received")
    code, output = ingest(str(folder), "--topic", topic)
    assert code == 0, output
    assert "accepted" in output
    return topic, folder


def test_demo_submissions_from_eml_and_mbox_files_become_one_event_each_and_a_rerun_adds_none(
    cli_env: LocalObjectStore,
    demo_messages: list[bytes],
    topic_factory: Callable[..., str],
    kafka_bootstrap: str,
    schema_registry: str,
    tmp_path: Path,
) -> None:
    topic, folder = run_folder(demo_messages, tmp_path, topic_factory)

    code, output = ingest(str(folder), "--topic", topic)
    assert code == 0 and "already accepted" in output

    raws = stored_bytes_of(folder)
    events = read_events(kafka_bootstrap, topic, schema_registry, expected=len(raws))
    assert_one_event_each(events, raws, cli_env, "file")


def test_every_shared_sample_ingested_from_files_becomes_one_event(
    cli_env: LocalObjectStore,
    sample_messages: list[bytes],
    topic_factory: Callable[..., str],
    kafka_bootstrap: str,
    schema_registry: str,
    tmp_path: Path,
) -> None:
    topic, folder = run_folder(sample_messages, tmp_path, topic_factory)

    raws = stored_bytes_of(folder)
    events = read_events(kafka_bootstrap, topic, schema_registry, expected=len(set(raws)))
    assert_one_event_each(events, raws, cli_env, "file")


def test_a_path_that_cannot_be_read_is_reported_and_the_exit_code_is_1(
    cli_env: LocalObjectStore, topic_factory: Callable[..., str], tmp_path: Path
) -> None:
    code, output = ingest(
        str(tmp_path / "missing.eml"), "--topic", topic_factory(prefix="mca-email-received")
    )

    assert code == 1
    assert "failed" in output and "no such file or folder" in output
