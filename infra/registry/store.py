"""The registry's Kafka I/O: a compacted one-partition topic is the registry's only storage.

A reader thread folds every record of the topic into the state (`state.apply`), from the
beginning at start and then as records arrive. A write is produced with acks=all and then
waited for until the reader has applied it, so the log, not the writer, decides the state, and
a read answered after a write sees that write.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, TypeVar

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Message, Producer
from confluent_kafka import TopicPartition as Partition
from confluent_kafka.admin import AdminClient, NewTopic
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_fixed

from infra.errors import ConfigurationError
from infra.registry.errors import ErrorCode, RegistryError
from infra.registry.records import Record, decode, encode
from infra.registry.state import RegistryState, apply

logger = logging.getLogger(__name__)

T = TypeVar("T")
Plan = Callable[[RegistryState], tuple[T, Sequence[Record]]]
# Errors that mean "the cluster is not reachable or not settled yet", worth waiting for at start.
RETRIABLE_AT_START = {
    KafkaError._TRANSPORT, KafkaError._TIMED_OUT, KafkaError._ALL_BROKERS_DOWN, KafkaError.REQUEST_TIMED_OUT,
    KafkaError.LEADER_NOT_AVAILABLE, KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.UNKNOWN_TOPIC_OR_PART,
    KafkaError._UNKNOWN_PARTITION, KafkaError.NOT_CONTROLLER,
}


class SchemaLog(Protocol):
    """Where the registry keeps its records and the state they fold into."""

    @property
    def state(self) -> RegistryState:
        """The state including every write that has returned."""
        ...

    def start(self) -> None:
        """Load the state; returns once it includes every record that existed at start."""
        ...

    def stop(self) -> None:
        """Release connections and threads."""
        ...

    def transact(self, plan: Plan[T]) -> T:
        """Run `plan` on the current state under the single writer lock, append its records durably,
        wait until they are applied, and return the plan's result."""
        ...


class KafkaSchemaLog:
    """SchemaLog on a compacted Kafka topic (one partition, so the order of writes is the log's order)."""

    def __init__(
        self,
        bootstrap: str,
        topic: str = "_schemas",
        replication_factor: int = 1,
        *,
        client_config: Mapping[str, str] | None = None,
        timeout_s: float = 30.0,
        startup_timeout_s: float = 120.0,
    ) -> None:
        self._topic = topic
        self._replication_factor = replication_factor
        self._config: dict[str, str | int | float | bool] = {"bootstrap.servers": bootstrap}
        self._config.update(client_config or {})
        self._timeout_s = timeout_s
        self._startup_timeout_s = startup_timeout_s
        self._state = RegistryState()
        self._position = 0  # offset after the last record applied
        self._applied = threading.Condition()
        self._write_lock = threading.Lock()
        self._stopping = threading.Event()
        self._consumer: Consumer | None = None
        self._producer: Producer | None = None
        self._reader: threading.Thread | None = None

    @property
    def state(self) -> RegistryState:
        """The state folded so far (an immutable value)."""
        return self._state

    def start(self) -> None:
        """Create the topic if needed, then read it to its end. Raises ConfigurationError when the
        topic is unusable and TimeoutError when Kafka stays unreachable past the startup timeout."""
        deadline = time.monotonic() + self._startup_timeout_s
        retrying = Retrying(
            stop=stop_after_delay(self._startup_timeout_s), wait=wait_fixed(1.0),
            retry=retry_if_exception(_retriable_at_start), reraise=True,
        )
        try:
            retrying(self._ensure_topic)
        except KafkaException as exc:
            raise ConfigurationError(f"cannot use topic {self._topic}: {exc}") from exc
        self._producer = self._new_producer()
        self._consumer = Consumer(
            {**self._config, "group.id": f"schema-registry-{uuid.uuid4()}", "enable.auto.commit": False,
             "enable.partition.eof": True, "auto.offset.reset": "earliest"}
        )
        _, end = retrying(self._consumer.get_watermark_offsets, Partition(self._topic, 0), timeout=10)
        self._consumer.assign([Partition(self._topic, 0, OFFSET_BEGINNING)])
        self._reader = threading.Thread(target=self._read, name="schema-log-reader", daemon=True)
        self._reader.start()
        if not self._wait_applied(end, deadline - time.monotonic()):
            raise TimeoutError(f"could not read topic {self._topic} to offset {end}")
        logger.info("schema registry state loaded from %s up to offset %d", self._topic, end)

    def stop(self) -> None:
        """Stop the reader and close the clients."""
        self._stopping.set()
        if self._reader is not None:
            self._reader.join(timeout=10)
        if self._consumer is not None:
            self._consumer.close()
        if self._producer is not None:
            self._producer.flush(5)

    def transact(self, plan: Plan[T]) -> T:
        """See SchemaLog.transact. Raises RegistryError 50001 when Kafka refuses or loses the write,
        50002 when it is not read back in time."""
        with self._write_lock:
            result, records = plan(self._state)
            if records:
                last_offset = self._append(records)
                if not self._wait_applied(last_offset + 1, self._timeout_s):
                    raise RegistryError(ErrorCode.OPERATION_TIMEOUT, "the write was not read back in time")
            return result

    def _append(self, records: Sequence[Record]) -> int:
        assert self._producer is not None, "start() first"
        outcomes: list[tuple[KafkaError | None, Message]] = []
        try:
            for record in records:
                key, value = encode(record)
                self._producer.produce(
                    self._topic, value=value, key=key, partition=0,
                    on_delivery=lambda error, message: outcomes.append((error, message)),
                )
        except (BufferError, KafkaException) as exc:
            raise RegistryError(ErrorCode.STORE_ERROR, f"Error in the backend data store: {exc}") from exc
        self._producer.flush(self._timeout_s + 5)
        failures = [error for error, _ in outcomes if error is not None]
        if failures or len(outcomes) != len(records):
            logger.error("write to %s failed: %s", self._topic, failures or "not delivered in time")
            if any(error.fatal() for error in failures):
                # An idempotent producer that hit a fatal error refuses every later write.
                self._producer = self._new_producer()
            raise RegistryError(ErrorCode.STORE_ERROR, "Error in the backend data store: the write failed")
        return max(message.offset() or 0 for _, message in outcomes)

    def _new_producer(self) -> Producer:
        return Producer(
            {**self._config, "acks": "all", "enable.idempotence": True, "linger.ms": 0,
             "message.timeout.ms": int(self._timeout_s * 1000)}
        )

    def _wait_applied(self, offset: int, timeout_s: float) -> bool:
        with self._applied:
            return self._applied.wait_for(lambda: self._position >= offset, timeout=max(0.0, timeout_s))

    def _read(self) -> None:
        assert self._consumer is not None
        while not self._stopping.is_set():
            try:
                message = self._consumer.poll(0.2)
            except KafkaException as exc:  # the reader must outlive any Kafka trouble
                logger.warning("schema log poll failed on %s: %s", self._topic, exc)
                self._stopping.wait(1.0)
                continue
            if message is None:
                continue
            error = message.error()
            if error is not None and error.code() != KafkaError._PARTITION_EOF:
                logger.warning("schema log read error on %s: %s", self._topic, error)
                continue
            if error is None:
                self._apply(message)
            # The end-of-partition event carries the end offset, which also steps over compacted gaps.
            offset = message.offset() or 0
            reached = offset + 1 if error is None else offset
            with self._applied:
                self._position = max(self._position, reached)
                self._applied.notify_all()

    def _apply(self, message: Message) -> None:
        try:
            record = decode(message.key() or b"", message.value())
            self._state = apply(self._state, record)
        except (KeyError, TypeError, ValueError) as exc:
            logger.warning("skipping malformed record %s[0]@%d: %s", self._topic, message.offset(), exc)

    def _ensure_topic(self) -> None:
        admin = AdminClient(self._config)
        topic = NewTopic(
            self._topic, num_partitions=1, replication_factor=self._replication_factor,
            config={"cleanup.policy": "compact"},
        )
        try:
            admin.create_topics([topic], operation_timeout=10)[self._topic].result(timeout=15)
            logger.info("created compacted topic %s (replication %d)", self._topic, self._replication_factor)
        except KafkaException as exc:
            if _error_code(exc) != KafkaError.TOPIC_ALREADY_EXISTS:
                logger.info("cannot create %s yet: %s", self._topic, exc)
                raise
        metadata = admin.list_topics(self._topic, timeout=15).topics[self._topic]
        if metadata.error is not None:
            raise KafkaException(metadata.error)
        count = len(metadata.partitions)
        if count != 1:
            raise ConfigurationError(f"topic {self._topic} must have one partition, not {count}")


def _error_code(exc: BaseException) -> int | None:
    error = exc.args[0] if exc.args else None
    return error.code() if isinstance(error, KafkaError) else None


def _retriable_at_start(exc: BaseException) -> bool:
    return isinstance(exc, KafkaException) and _error_code(exc) in RETRIABLE_AT_START
