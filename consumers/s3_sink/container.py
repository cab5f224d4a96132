"""Confluent-framed Kafka values in, Avro object container files out (pure, with fastavro).

Each value is decoded with its own writer schema (looked up by the id in its frame), and a file is
written with that same schema, so the archive keeps every record exactly as it was produced and a
stock Avro reader needs nothing but the file. Records of unions are decoded with the name of the
branch they took, so re-encoding picks the same branch even where two record types look alike.

The bytes of a file depend only on its records and its key: the sync marker is derived from the
key and the metadata holds no clock reading. Writing the same file twice therefore writes the same
bytes, which the object store recognises as a no-op.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import threading
from collections.abc import Callable
from typing import Any

import fastavro
from fastavro.types import Schema

from consumers.s3_sink.batching import Batch
from infra.errors import SerializationError

MAGIC_BYTE = 0
FRAME_HEADER = struct.Struct(">bI")
SYNC_SIZE = 16
CODEC = "deflate"
METADATA_PREFIX = "mca."


def unframe(data: bytes | None) -> tuple[int, bytes]:
    """(writer schema id, Avro binary payload) of a Confluent wire-format value.

    Raises SerializationError for None, a short value or a wrong magic byte.
    """
    if data is None or len(data) < FRAME_HEADER.size:
        raise SerializationError(f"not Confluent-framed Avro ({len(data or b'')} bytes)")
    magic, schema_id = FRAME_HEADER.unpack_from(data)
    if magic != MAGIC_BYTE:
        raise SerializationError(f"not Confluent-framed Avro (magic byte {magic})")
    return schema_id, bytes(data[FRAME_HEADER.size :])


class WriterSchemas:
    """Writer schemas by registry id, fetched once each through `fetch(schema_id) -> schema JSON text`.

    `fetch` may raise whatever the caller's taxonomy says (TransientError to retry, SerializationError
    for an id the registry does not know); a schema that is not valid Avro is a SerializationError.
    Safe to share between threads.
    """

    def __init__(self, fetch: Callable[[int], str]) -> None:
        self._fetch = fetch
        self._schemas: dict[int, tuple[dict[str, Any], Schema]] = {}
        self._lock = threading.Lock()

    def schema(self, schema_id: int) -> dict[str, Any]:
        """The writer schema of `schema_id` as a JSON object (what the registry holds)."""
        return self._entry(schema_id)[0]

    def decode(self, data: bytes | None) -> tuple[int, Any]:
        """(writer schema id, decoded record) of a Confluent-framed value; SerializationError if it
        does not decode under its writer schema."""
        schema_id, payload = unframe(data)
        parsed = self._entry(schema_id)[1]
        stream = io.BytesIO(payload)
        try:
            record = fastavro.schemaless_reader(
                stream,
                parsed,
                None,
                return_record_name=True,
                return_record_name_override=True,
                return_named_type=True,
                return_named_type_override=True,
            )
        except Exception as exc:  # fastavro raises many kinds (EOFError, ValueError, UnicodeError...)
            raise SerializationError(f"value does not decode with schema id {schema_id}: {exc}") from exc
        if stream.tell() != len(payload):
            raise SerializationError(f"value has {len(payload) - stream.tell()} trailing bytes")
        return schema_id, record

    def _entry(self, schema_id: int) -> tuple[dict[str, Any], Schema]:
        entry = self._schemas.get(schema_id)
        if entry is not None:
            return entry
        text = self._fetch(schema_id)
        try:
            raw = json.loads(text)
            entry = (raw, fastavro.parse_schema(raw))
        except Exception as exc:
            raise SerializationError(f"schema id {schema_id} is not a valid Avro schema: {exc}") from exc
        with self._lock:
            return self._schemas.setdefault(schema_id, entry)


def sync_marker(key: str) -> bytes:
    """The file's 16-byte sync marker, derived from its key so a rewrite produces the same bytes."""
    return hashlib.sha256(key.encode("utf-8")).digest()[:SYNC_SIZE]


def file_metadata(batch: Batch) -> dict[str, str]:
    """User metadata stored in the file header: where the records came from (no timestamps)."""
    return {
        f"{METADATA_PREFIX}topic": batch.topic,
        f"{METADATA_PREFIX}partition": str(batch.partition),
        f"{METADATA_PREFIX}first_offset": str(batch.first_offset),
        f"{METADATA_PREFIX}last_offset": str(batch.last_offset),
        f"{METADATA_PREFIX}schema_id": str(batch.schema_id),
        f"{METADATA_PREFIX}record_count": str(len(batch.records)),
    }


def container_bytes(batch: Batch, writer_schema: dict[str, Any], key: str) -> bytes:
    """The Avro object container file (deflate blocks) holding `batch`'s records under
    `writer_schema`, to be stored under `key`. Raises SerializationError if a record does not fit."""
    out = io.BytesIO()
    try:
        fastavro.writer(
            out,
            writer_schema,
            [record.value for record in batch.records],
            codec=CODEC,
            metadata=file_metadata(batch),
            sync_marker=sync_marker(key),
        )
    except Exception as exc:  # fastavro raises ValueError, TypeError, AttributeError... on bad data
        raise SerializationError(f"cannot write {key}: {exc}") from exc
    return out.getvalue()
