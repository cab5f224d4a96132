"""Helpers of the s3-sink integration tests: produce varied Avro events, run the sink as a process,
and read the archive back with a stock fastavro reader."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import fastavro
from confluent_kafka import Producer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from consumers.s3_sink.listing import list_keys
from consumers.s3_sink.recovery import archived_files, partition_prefix
from infra.object_store import S3ObjectStore
from schemas.catalog import value_schema_text
from schemas.examples import example_value

ROOT = Path(__file__).resolve().parents[3]
WAIT_SECONDS = 90.0

# The kinds of event produced: (topic whose schema and example value are used, a field made unique).
KINDS = (
    ("mca.application.event", "event_id"),
    ("mca.email.received", "subject"),
    ("mca.dlq", "error_message"),
)


def record_subject(ctx: SerializationContext, record_name: str | None) -> str:
    """One registry subject per record type, so one topic carries several writer schemas."""
    return f"{ctx.topic}-{record_name}"


@dataclass
class EventProducer:
    """Produces tagged example events to explicit partitions and remembers where each landed."""

    bootstrap: str
    registry_url: str
    topic: str
    produced: dict[int, dict[int, dict]] = field(default_factory=dict)
    _count: int = 0

    def __post_init__(self) -> None:
        self._producer = Producer({"bootstrap.servers": self.bootstrap, "enable.idempotence": True,
                                   "acks": "all", "linger.ms": 2})
        client = SchemaRegistryClient({"url": self.registry_url})
        conf = {"auto.register.schemas": True, "subject.name.strategy": record_subject}
        self._serializers = {
            kind: AvroSerializer(client, value_schema_text(kind), conf=conf) for kind, _ in KINDS
        }

    def produce_run(self, partition: int, kind_index: int, count: int) -> None:
        """`count` events of one kind (one writer schema) to `partition`, each with a unique tag."""
        kind, tag_field = KINDS[kind_index % len(KINDS)]
        for _ in range(count):
            self._count += 1
            value = example_value(kind)
            value[tag_field] = f"{self.topic}:{partition}:{self._count}"
            data = self._serializers[kind](value, SerializationContext(self.topic, MessageField.VALUE))
            self._producer.produce(self.topic, value=data, partition=partition,
                                   on_delivery=self._delivered(partition, value))
        assert self._producer.flush(30) == 0, "events not acknowledged"

    def _delivered(self, partition: int, value: dict) -> Callable:
        def on_delivery(error, message) -> None:
            assert error is None, error
            self.produced.setdefault(partition, {})[message.offset()] = value

        return on_delivery

    def expected(self, partition: int) -> list[dict]:
        """The values produced to `partition`, in offset order."""
        offsets = self.produced.get(partition, {})
        assert sorted(offsets) == list(range(len(offsets))), "offsets of a plain topic are contiguous"
        return [offsets[o] for o in sorted(offsets)]


@dataclass
class SinkProcess:
    """One `python -m consumers.s3_sink` process and its log."""

    process: subprocess.Popen
    log: Path

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=15)

    def terminate(self, timeout: float = 60.0) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def ensure_stopped(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=15)


def start_sink(*, bootstrap: str, registry_url: str, store: S3ObjectStore, pattern: str, group: str,
               home: Path, max_records: int, max_age_seconds: float, name: str) -> SinkProcess:
    """Start the sink in its own process, configured like production through MCA_* variables."""
    home.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "MCA_ENVIRONMENT": "test",
        "MCA_HOME": str(home),
        "MCA_KAFKA_BOOTSTRAP": bootstrap,
        "MCA_REGISTRY_URL": registry_url,
        "MCA_OBJECT_STORE_URL": f"s3://{store.bucket}",
        "MCA_S3_ENDPOINT_URL": store.endpoint_url or "",
        "MCA_S3_SINK_GROUP_ID": group,
        "MCA_S3_SINK_MAX_RECORDS": str(max_records),
        "MCA_S3_SINK_MAX_AGE_SECONDS": str(max_age_seconds),
    }
    log = home / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "consumers.s3_sink", "--pattern", pattern],
                                   cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    return SinkProcess(process, log)


def stored_next_offsets(store: S3ObjectStore, topic: str, partitions: int) -> dict[int, int]:
    """Per partition, the offset after the last archived one (0 when nothing is archived)."""
    result = {}
    for partition in range(partitions):
        files = archived_files(list_keys(store, partition_prefix(topic, partition)), topic, partition)
        result[partition] = max((f.last_offset + 1 for f in files), default=0)
    return result


def wait_for(condition: Callable[[], bool], what: str, sinks: list[SinkProcess]) -> None:
    """Poll `condition` until true; fail with the sinks' logs after WAIT_SECONDS or if one died."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        for sink in sinks:
            if sink.process.poll() is not None:
                raise AssertionError(f"sink exited ({sink.process.returncode}) before {what}:\n{sink.tail()}")
        time.sleep(0.2)
    logs = "\n---\n".join(sink.tail() for sink in sinks)
    raise AssertionError(f"timed out waiting for {what}:\n{logs}")


@dataclass(frozen=True)
class ArchiveFile:
    key: str
    first_offset: int
    last_offset: int
    writer_schema: dict
    metadata: dict
    records: list


def read_archive(store: S3ObjectStore, topic: str, partition: int) -> list[ArchiveFile]:
    """Every archive file of one partition, in offset order, read with a stock fastavro reader."""
    found = []
    for f in archived_files(list_keys(store, partition_prefix(topic, partition)), topic, partition):
        reader = fastavro.reader(io.BytesIO(store.get(f.key)))
        records = list(reader)
        found.append(ArchiveFile(f.key, f.first_offset, f.last_offset,
                                 json.loads(reader.metadata["avro.schema"]), dict(reader.metadata), records))
    return found


def assert_exactly_once(files: list[ArchiveFile], expected: list[dict]) -> None:
    """The files tile offsets 0..len(expected)-1 with no gap or overlap and hold exactly `expected`."""
    next_offset = 0
    for f in files:
        assert f.first_offset == next_offset, f"gap or overlap before {f.key}"
        assert len(f.records) == f.last_offset - f.first_offset + 1, f"{f.key} holds a wrong count"
        next_offset = f.last_offset + 1
    assert next_offset == len(expected)
    archived = [record for f in files for record in f.records]
    assert archived == expected
