"""Avro values in the Confluent wire format (magic byte 0, 4-byte big-endian schema id, Avro binary),
through a Confluent-compatible schema registry, for producers, consumers and Faust agents alike.

Values are plain dicts in fastavro's conventions: money as `decimal.Decimal` (2 places), dates
as `datetime.date`, timestamps as aware `datetime` (or epoch milliseconds), bytes as `bytes`.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Mapping
from typing import Any

from confluent_kafka.schema_registry import SchemaRegistryClient, topic_subject_name_strategy
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.schema_registry.error import OAuthTokenError, SchemaRegistryError
from confluent_kafka.serialization import MessageField, SerializationContext
from faust.serializers.codecs import Codec

from infra.errors import SerializationError, TransientError
from schemas.catalog import value_schema_text

logger = logging.getLogger(__name__)

# Registry answers worth retrying: the registry (or something before it) is briefly unable to serve.
_TRANSIENT_STATUS = frozenset({408, 425, 429})


def _transport_errors() -> tuple[type[Exception], ...]:
    """Network failures of the registry client, which uses httpx2 when installed, else httpx."""
    found: list[type[Exception]] = [OAuthTokenError]
    for name in ("httpx2", "httpx"):
        try:
            found.append(importlib.import_module(name).TransportError)
        except ImportError:
            continue
    return tuple(found)


_TRANSPORT_ERRORS = _transport_errors()


def _is_transient(exc: Exception) -> bool:
    if isinstance(exc, _TRANSPORT_ERRORS):
        return True
    return isinstance(exc, SchemaRegistryError) and (
        exc.http_status_code >= 500 or exc.http_status_code in _TRANSIENT_STATUS
    )


def _wrap(exc: Exception, action: str, topic: str) -> Exception:
    """Registry outages become TransientError (retry); anything about the data is a SerializationError."""
    if _is_transient(exc):
        return TransientError(f"schema registry unavailable while {action} {topic}: {exc}")
    return SerializationError(str(exc))


class AvroSerde:
    """Encodes and decodes each topic's values with that topic's schema from `schemas/avro`.

    Subjects follow the topic-name strategy (`<topic>-value`). With `auto_register` the current
    schema is registered on first use (the registry enforces compatibility); without it, the schema
    must already be registered (`mca schemas register`). Decoding reads old events with the current
    schema as reader, so consumers always see the current shape (missing fields take their defaults).

    `encode`/`decode` raise SerializationError for data that does not fit (a poison message) and
    TransientError when the registry cannot be reached. One serializer per topic is cached; the
    registry is contacted once per topic and writer schema id, so later calls do no I/O.
    """

    def __init__(
        self,
        registry_url: str,
        *,
        auto_register: bool = True,
        client_conf: Mapping[str, Any] | None = None,
    ) -> None:
        conf = {"url": registry_url, **(client_conf or {})}
        # new_client gives the library's in-memory registry for mock:// URLs (unit tests).
        self._client = SchemaRegistryClient.new_client(conf)
        self._auto_register = auto_register
        self._serializers: dict[str, AvroSerializer] = {}
        self._deserializers: dict[str, AvroDeserializer] = {}
        self._lock = threading.Lock()

    @property
    def client(self) -> SchemaRegistryClient:
        """The underlying registry client (shared; for registration and admin calls)."""
        return self._client

    def _serializer(self, topic: str) -> AvroSerializer:
        serializer = self._serializers.get(topic)
        if serializer is None:
            with self._lock:
                serializer = self._serializers.get(topic)
                if serializer is None:
                    serializer = AvroSerializer(
                        self._client,
                        value_schema_text(topic),
                        conf={
                            "auto.register.schemas": self._auto_register,
                            "use.latest.version": False,
                            "subject.name.strategy": topic_subject_name_strategy,
                        },
                    )
                    self._serializers[topic] = serializer
        return serializer

    def _deserializer(self, topic: str) -> AvroDeserializer:
        deserializer = self._deserializers.get(topic)
        if deserializer is None:
            with self._lock:
                deserializer = self._deserializers.get(topic)
                if deserializer is None:
                    deserializer = AvroDeserializer(
                        self._client,
                        value_schema_text(topic),
                        conf={
                            "use.latest.version": False,
                            "subject.name.strategy": topic_subject_name_strategy,
                        },
                    )
                    self._deserializers[topic] = deserializer
        return deserializer

    def encode(self, topic: str, value: Mapping[str, Any]) -> bytes:
        """`value` as Confluent-framed Avro under `topic`'s current value schema."""
        serializer = self._serializer(topic)
        try:
            data = serializer(value, SerializationContext(topic, MessageField.VALUE))
        except Exception as exc:
            raise _wrap(exc, "encoding for", topic) from exc
        if data is None:
            raise SerializationError(f"nothing to encode for {topic}")
        return data

    def decode(self, topic: str, data: bytes) -> dict[str, Any]:
        """The dict that `data` (Confluent-framed Avro read from `topic`) holds, in the current shape."""
        if not data or data[0] != 0:
            raise SerializationError(f"not Confluent-framed Avro (topic {topic}, {len(data or b'')} bytes)")
        deserializer = self._deserializer(topic)
        try:
            value = deserializer(data, SerializationContext(topic, MessageField.VALUE))
        except Exception as exc:
            raise _wrap(exc, "decoding from", topic) from exc
        if not isinstance(value, dict):
            raise SerializationError(f"{topic} value decoded to {type(value).__name__}, not a record")
        return value


class AvroCodec(Codec):
    """A Faust codec bound to one topic, so agents read and write exactly what other clients do.

    Use as `app.topic(name, value_type=None, value_serializer=AvroCodec(topic=name, serde=serde))`;
    values are the same dicts `AvroSerde` takes and returns. Errors are those of AvroSerde.
    """

    def __init__(self, topic: str, serde: AvroSerde, children: tuple[Any, ...] | None = None, **kwargs: Any):
        # Codec.clone() re-creates codecs from kwargs, so topic and serde must travel in them.
        super().__init__(children=children, topic=topic, serde=serde, **kwargs)
        self.topic = topic
        self.serde = serde

    def _dumps(self, s: Any) -> bytes:
        return self.serde.encode(self.topic, s)

    def _loads(self, s: bytes) -> Any:
        return self.serde.decode(self.topic, s)
