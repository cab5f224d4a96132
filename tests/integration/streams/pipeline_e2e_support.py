"""Helpers of the end-to-end pipeline test: the expected results (`mca extract`'s pipeline over the
same files), a topic reader decoding through the registry, and waiting on the workers' output."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from confluent_kafka import Consumer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext

from infra.topics import (
    APPLICATION,
    APPLICATION_CORRECTION,
    APPLICATION_EVENT,
    DLQ,
    DOCUMENT_EXTRACTED,
    DOCUMENT_READ,
    DOCUMENT_RECEIVED,
    EMAIL_RECEIVED,
    PAGE_READ,
    PAGE_READY,
)
from schemas.ids import submission_id
from streams.extract_commands import run_extract
from streams.stages.limits import Limits
from streams.wire.contract import contract

WAIT_S = 900.0
MEMORY_DEPENDENT = ("ein_seen_from_other_iso",)


# Every topic of the pipeline's flow, made private per test (topic_factory) and named to the worker
# through MCA_TEST_TOPIC_NAMES; and the command line of a worker process running the agents.
PIPELINE_TOPICS = (
    EMAIL_RECEIVED,
    DOCUMENT_RECEIVED,
    PAGE_READY,
    PAGE_READ,
    DOCUMENT_READ,
    DOCUMENT_EXTRACTED,
    APPLICATION,
    APPLICATION_EVENT,
    APPLICATION_CORRECTION,
    DLQ,
)
WORKER = (
    "import logging, typer; from streams.worker_commands import worker_command; "
    "logging.basicConfig(level=logging.INFO); typer.run(worker_command)"
)


@dataclass(frozen=True)
class Case:
    """One submission: its file name, bytes, and the contract `mca extract` gives for it."""

    name: str
    raw: bytes
    expected: dict[str, Any]

    @property
    def submission_id(self) -> str:
        return submission_id(self.raw)

    @property
    def depends_on_earlier(self) -> bool:
        """Whether its outcome depends on submissions before it (so it must be sent after them)."""
        reasons, warnings = self.expected["review_reasons"], self.expected["warnings"]
        return (
            self.expected["status"] == "duplicate"
            or any(r in MEMORY_DEPENDENT for r in reasons)
            or any(w.startswith("resubmission") for w in warnings)
        )


class TopicReader:
    """Reads a topic from the beginning in a thread, decoding values through the registry."""

    def __init__(self, bootstrap: str, topic: str, registry_url: str) -> None:
        self.values: list[dict[str, Any]] = []
        self._topic = topic
        self._deserializer = AvroDeserializer(SchemaRegistryClient({"url": registry_url}))
        self._consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": f"test-{uuid.uuid4().hex}",
                "auto.offset.reset": "earliest",
                "enable.auto.commit": False,
            }
        )
        self._consumer.subscribe([topic])
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            message = self._consumer.poll(0.5)
            if message is None or message.error():
                continue
            value = self._deserializer(message.value(), SerializationContext(self._topic, MessageField.VALUE))
            with self._lock:
                self.values.append(value)
        self._consumer.close()

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.values)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(15)


def cases_in_order(folder: Path, emails: list[tuple[str, bytes]]) -> list[Case]:
    """Write the emails, run `mca extract`'s pipeline over them in file-name order, keep its contracts."""
    folder.mkdir(parents=True)
    paths = []
    for name, raw in emails:
        (folder / name).write_bytes(raw)
        paths.append(folder / name)
    paths.sort(key=lambda p: p.name)
    results = asyncio.run(run_extract(paths, limits=Limits(), workers=1, task_timeout=300))
    assert all(r.json is not None for r in results), [r.error for r in results]
    return [Case(r.path.name, r.path.read_bytes(), contract(r.json)) for r in results]


def worker_logs(workers: dict[str, Any]) -> str:
    return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-4000:]}" for log in workers["logs"])


def wait_for(reader: TopicReader, wanted: set[str], workers: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The latest mca.application record of each wanted submission, waiting until all are there."""
    deadline = time.monotonic() + WAIT_S
    while True:
        found = {v["submission"]["submission_id"]: v for v in reader.snapshot()}
        if wanted <= found.keys():
            return found
        for process in workers["processes"]:
            assert process.poll() is None, (
                f"a worker exited with {process.returncode}\n{worker_logs(workers)}"
            )
        assert time.monotonic() < deadline, f"missing {sorted(wanted - found.keys())}\n{worker_logs(workers)}"
        time.sleep(1.0)
