"""What the registry's compacted topic holds, and how it is encoded.

Keys and values are JSON shaped like Confluent's own `_schemas` records: a schema version is
keyed {"keytype":"SCHEMA","subject":..,"version":..,"magic":1}; a compatibility setting
{"keytype":"CONFIG","subject":..|null,"magic":0}. A null value (tombstone) removes the key, which
is how permanent deletes survive compaction. Key bytes are deterministic: compaction keeps the
last record per exact key.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

AVRO = "AVRO"
SCHEMA_KEY = "SCHEMA"
CONFIG_KEY = "CONFIG"
# A fixed namespace so a schema's guid is a pure function of its id and content.
GUID_NAMESPACE = uuid.UUID("5c1b8c5e-3a47-4d51-9a4e-6f0f6c0b9a21")


@dataclass(frozen=True)
class Reference:
    """A named type imported from another subject's version."""

    name: str
    subject: str
    version: int

    def to_json(self) -> dict[str, Any]:
        """The wire form {"name", "subject", "version"}."""
        return {"name": self.name, "subject": self.subject, "version": self.version}


@dataclass(frozen=True)
class SchemaContent:
    """A schema as registered: its canonical text and everything else that makes its identity."""

    schema: str
    schema_type: str = AVRO
    references: tuple[Reference, ...] = ()
    metadata: Mapping[str, Any] | None = None
    rule_set: Mapping[str, Any] | None = None

    @property
    def identity(self) -> str:
        """Equal for two registrations that must share one schema id."""
        refs = [ref.to_json() for ref in self.references]
        return json.dumps([self.schema_type, self.schema, refs, self.metadata, self.rule_set], sort_keys=True)

    def to_json(self) -> dict[str, Any]:
        """The fields Confluent returns for a schema (schemaType omitted for Avro, as Confluent does)."""
        body: dict[str, Any] = {"schema": self.schema}
        if self.schema_type != AVRO:
            body["schemaType"] = self.schema_type
        if self.references:
            body["references"] = [ref.to_json() for ref in self.references]
        if self.metadata is not None:
            body["metadata"] = self.metadata
        if self.rule_set is not None:
            body["ruleSet"] = self.rule_set
        return body


def schema_guid(schema_id: int, content: SchemaContent) -> str:
    """The schema's guid: stable for an id and its content, different across ids."""
    return str(uuid.uuid5(GUID_NAMESPACE, f"{schema_id}\n{content.identity}"))


@dataclass(frozen=True)
class SubjectVersion:
    """One version of one subject, pointing at a global schema id."""

    subject: str
    version: int
    schema_id: int
    content: SchemaContent
    deleted: bool = False


@dataclass(frozen=True)
class Record:
    """One log record: a JSON key and a JSON value, or None for a tombstone."""

    key: Mapping[str, Any]
    value: Mapping[str, Any] | None


def schema_record(entry: SubjectVersion) -> Record:
    """The record that stores (or soft-deletes, when entry.deleted) one subject version."""
    value: dict[str, Any] = {
        "subject": entry.subject,
        "version": entry.version,
        "id": entry.schema_id,
        "deleted": entry.deleted,
    }
    value.update(entry.content.to_json())
    return Record(_schema_key(entry.subject, entry.version), value)


def schema_tombstone(subject: str, version: int) -> Record:
    """The record that permanently removes one subject version."""
    return Record(_schema_key(subject, version), None)


def config_record(subject: str | None, level: str | None) -> Record:
    """Set (level) or clear (None) the compatibility level of a subject, or the global one (subject None)."""
    key = {"keytype": CONFIG_KEY, "subject": subject, "magic": 0}
    return Record(key, None if level is None else {"compatibilityLevel": level})


def subject_version_from_value(value: Mapping[str, Any]) -> SubjectVersion:
    """Read a SCHEMA record's value; raises KeyError/TypeError/ValueError when it is malformed."""
    content = SchemaContent(
        schema=str(value["schema"]),
        schema_type=str(value.get("schemaType") or AVRO),
        references=tuple(
            Reference(str(ref["name"]), str(ref["subject"]), int(ref["version"]))
            for ref in value.get("references") or ()
        ),
        metadata=value.get("metadata"),
        rule_set=value.get("ruleSet"),
    )
    return SubjectVersion(
        subject=str(value["subject"]),
        version=int(value["version"]),
        schema_id=int(value["id"]),
        content=content,
        deleted=bool(value.get("deleted", False)),
    )


def encode(record: Record) -> tuple[bytes, bytes | None]:
    """Key and value bytes as produced to Kafka (compact JSON, fixed key field order)."""
    key = json.dumps(dict(record.key), separators=(",", ":")).encode()
    value = None if record.value is None else json.dumps(dict(record.value), separators=(",", ":")).encode()
    return key, value


def decode(key: bytes, value: bytes | None) -> Record:
    """Parse Kafka key and value bytes; raises ValueError when the key is not a JSON object."""
    parsed_key = json.loads(key)
    if not isinstance(parsed_key, dict):
        raise ValueError("record key is not a JSON object")
    parsed_value = None if value is None else json.loads(value)
    if parsed_value is not None and not isinstance(parsed_value, dict):
        raise ValueError("record value is not a JSON object")
    return Record(parsed_key, parsed_value)


def _schema_key(subject: str, version: int) -> dict[str, Any]:
    return {"keytype": SCHEMA_KEY, "subject": subject, "version": version, "magic": 1}
