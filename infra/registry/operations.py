"""What each registry request means, as pure functions of the state.

Reads return domain values; writes return `(result, records)`: the records to append to the log
so that, once applied, the state says what `result` promised. Refusals raise RegistryError
with Confluent's codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from infra.registry import state as st
from infra.registry.avro_schema import InvalidAvroSchemaError, ParsedSchema, parse
from infra.registry.compatibility import LEVELS, incompatibilities, normalize_level
from infra.registry.errors import ErrorCode, RegistryError
from infra.registry.records import (
    AVRO,
    Record,
    Reference,
    SchemaContent,
    SubjectVersion,
    config_record,
    schema_record,
    schema_tombstone,
)
from infra.registry.state import RegistryState

MAX_VERSION = 2**31 - 1


@dataclass(frozen=True)
class SchemaRequest:
    """A schema as a client sends it (POST bodies of register, lookup and compatibility checks)."""

    schema: str
    schema_type: str = AVRO
    references: tuple[Reference, ...] = ()
    metadata: Mapping[str, Any] | None = None
    rule_set: Mapping[str, Any] | None = None


def schema_request(body: object) -> SchemaRequest:
    """Read a request body; raises RegistryError 42201 when it is not a usable Avro schema request."""
    if not isinstance(body, dict):
        raise RegistryError(ErrorCode.INVALID_SCHEMA, "Invalid schema: the body must be a JSON object")
    text = body.get("schema")
    if not isinstance(text, str) or not text.strip():
        raise RegistryError(ErrorCode.INVALID_SCHEMA, "Invalid schema: empty schema")
    schema_type = str(body.get("schemaType") or AVRO).upper()
    if schema_type != AVRO:
        raise RegistryError(
            ErrorCode.INVALID_SCHEMA, f"Invalid schema type {schema_type}: this registry serves AVRO only"
        )
    if body.get("id") is not None:
        raise RegistryError(ErrorCode.OPERATION_NOT_PERMITTED, "Registering an explicit id needs IMPORT mode")
    try:
        references = tuple(
            Reference(str(ref["name"]), str(ref["subject"]), int(ref["version"]))
            for ref in body.get("references") or ()
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise RegistryError(ErrorCode.INVALID_SCHEMA, f"Invalid schema: bad reference ({exc})") from exc
    metadata, rule_set = body.get("metadata"), body.get("ruleSet")
    if not isinstance(metadata, dict | None) or not isinstance(rule_set, dict | None):
        raise RegistryError(ErrorCode.INVALID_SCHEMA, "Invalid schema: metadata and ruleSet must be objects")
    return SchemaRequest(text, AVRO, references, metadata, rule_set)


def prepare(state: RegistryState, request: SchemaRequest) -> tuple[SchemaContent, ParsedSchema]:
    """Parse the request against its references; the content holds the canonical text. Raises 42201."""
    referenced = st.resolve_references(state, request.references)
    if referenced is None:
        raise RegistryError(ErrorCode.INVALID_SCHEMA, "Invalid schema: a referenced subject version is gone")
    try:
        parsed = parse(request.schema, [content.schema for content in referenced])
    except InvalidAvroSchemaError as exc:
        raise RegistryError(ErrorCode.INVALID_SCHEMA, f"Invalid schema: {exc}") from exc
    content = SchemaContent(parsed.canonical, AVRO, request.references, request.metadata, request.rule_set)
    return content, parsed


def parsed_content(state: RegistryState, content: SchemaContent) -> ParsedSchema:
    """Parse a stored schema (with its references) for compatibility checks."""
    return prepare(state, SchemaRequest(content.schema, AVRO, content.references))[1]


def version_number(spec: str) -> int | None:
    """The version a path segment names: None for "latest" (or -1); raises 42202 otherwise."""
    if spec.strip().lower() in ("latest", "-1"):
        return None
    try:
        number = int(spec)
    except ValueError:
        number = 0
    if not 1 <= number <= MAX_VERSION:
        raise RegistryError(ErrorCode.INVALID_VERSION, f"The version '{spec}' is not a valid version id")
    return number


def find_version(state: RegistryState, subject: str, spec: str, *, deleted: bool = False) -> SubjectVersion:
    """The version `spec` names among the visible versions; raises 40401, 40402 or 42202."""
    number = version_number(spec)
    entries = st.versions(state, subject, deleted=deleted)
    if not entries:
        raise _subject_not_found(subject)
    if number is None:
        return entries[-1]
    for entry in entries:
        if entry.version == number:
            return entry
    raise _version_not_found(subject, number)


def lookup(
    state: RegistryState, subject: str, request: SchemaRequest, *, deleted: bool = False
) -> SubjectVersion:
    """The subject version holding this schema (the newest if several); raises 40401 or 40403."""
    content, _ = prepare(state, request)
    entries = st.versions(state, subject, deleted=deleted)
    if not entries:
        raise _subject_not_found(subject)
    matches = [entry for entry in entries if entry.content.identity == content.identity]
    if not matches:
        raise RegistryError(ErrorCode.SCHEMA_NOT_FOUND, "Schema not found")
    return sorted(matches, key=lambda entry: (not entry.deleted, entry.version))[-1]


def register(
    state: RegistryState, subject: str, request: SchemaRequest
) -> tuple[SubjectVersion, list[Record]]:
    """Register under `subject`: an equal live version is returned as is (no records); otherwise a
    new version, with the schema's existing global id or a new one. Raises 42201 or 409."""
    content, parsed = prepare(state, request)
    live = st.versions(state, subject)
    for entry in live:
        if entry.content.identity == content.identity:
            return entry, []
    previous = [(entry.version, parsed_content(state, entry.content).schema) for entry in live]
    problems = incompatibilities(st.compatibility_level(state, subject), parsed.schema, previous)
    if problems:
        raise RegistryError(
            ErrorCode.INCOMPATIBLE_SCHEMA,
            f"Schema being registered is incompatible with an earlier schema for subject '{subject}', "
            f"details: [{'; '.join(problems)}]",
        )
    version, schema_id = st.next_version(state, subject), st.next_schema_id(state, content)
    entry = SubjectVersion(subject, version, schema_id, content)
    return entry, [schema_record(entry)]


def check_compatibility(
    state: RegistryState, subject: str, request: SchemaRequest, spec: str | None
) -> list[str]:
    """Why the schema could not be registered after version `spec` (all live versions when None),
    under the subject's level; empty when it could. No versions yet means compatible."""
    _, parsed = prepare(state, request)
    if spec is None or (version_number(spec) is None and not st.versions(state, subject)):
        targets = st.versions(state, subject)
    else:
        targets = [find_version(state, subject, spec)]
    previous = [(entry.version, parsed_content(state, entry.content).schema) for entry in targets]
    return incompatibilities(st.compatibility_level(state, subject), parsed.schema, previous)


def delete_version(
    state: RegistryState, subject: str, spec: str, *, permanent: bool
) -> tuple[int, list[Record]]:
    """Soft-delete a live version, or permanently delete a soft-deleted one; returns its number.
    Raises 40401, 40402, 40406 (already soft-deleted), 40407 (not soft-deleted first), 42206."""
    number = version_number(spec)
    every = st.versions(state, subject, deleted=True)
    if not every:
        raise _subject_not_found(subject)
    candidates = every if permanent else [entry for entry in every if not entry.deleted] or every
    entry = candidates[-1] if number is None else next((e for e in every if e.version == number), None)
    if entry is None:
        raise _version_not_found(subject, number)
    _refuse_if_referenced(state, subject, [entry])
    if not permanent:
        if entry.deleted:
            raise RegistryError(
                ErrorCode.VERSION_SOFT_DELETED,
                f"Subject '{subject}' Version {entry.version} was soft deleted. "
                "Set permanent=true to delete permanently",
            )
        return entry.version, [schema_record(replace(entry, deleted=True))]
    if not entry.deleted:
        raise RegistryError(
            ErrorCode.VERSION_NOT_SOFT_DELETED,
            f"Subject '{subject}' Version {entry.version} was not soft deleted before a permanent delete",
        )
    return entry.version, [schema_tombstone(subject, entry.version)]


def delete_subject(state: RegistryState, subject: str, *, permanent: bool) -> tuple[list[int], list[Record]]:
    """Soft-delete every live version (and the subject's level), or permanently remove a subject
    whose versions are all soft-deleted; returns the version numbers. Raises 40401, 40404, 40405, 42206."""
    every = st.versions(state, subject, deleted=True)
    if not every:
        raise _subject_not_found(subject)
    live = [entry for entry in every if not entry.deleted]
    _refuse_if_referenced(state, subject, every)
    level_reset = [config_record(subject, None)] if subject in state.subject_levels else []
    if not permanent:
        if not live:
            raise RegistryError(
                ErrorCode.SUBJECT_SOFT_DELETED,
                f"Subject '{subject}' was soft deleted. Set permanent=true to delete permanently",
            )
        marked = [schema_record(replace(entry, deleted=True)) for entry in live]
        return [entry.version for entry in live], marked + level_reset
    if live:
        raise RegistryError(
            ErrorCode.SUBJECT_NOT_SOFT_DELETED,
            f"Subject '{subject}' was not deleted first before being permanently deleted",
        )
    return [e.version for e in every], [schema_tombstone(subject, e.version) for e in every] + level_reset


def configured_level(state: RegistryState, subject: str | None, *, default_to_global: bool = False) -> str:
    """The global level (subject None) or the subject's own one; raises 40408 when the subject has
    none and `default_to_global` is false."""
    if subject is not None and subject not in state.subject_levels and not default_to_global:
        raise RegistryError(
            ErrorCode.SUBJECT_LEVEL_CONFIG_NOT_FOUND,
            f"Subject '{subject}' does not have subject-level compatibility configured",
        )
    return st.compatibility_level(state, subject)


def set_level(state: RegistryState, subject: str | None, body: object) -> tuple[str, list[Record]]:
    """Set the level named by body["compatibility"] (or "compatibilityLevel"); raises 42203."""
    requested = body.get("compatibility", body.get("compatibilityLevel")) if isinstance(body, dict) else None
    level = normalize_level(requested)
    if level is None:
        raise RegistryError(
            ErrorCode.INVALID_COMPATIBILITY_LEVEL,
            f"Invalid compatibility level '{requested}'. Valid values are {', '.join(LEVELS)}",
        )
    return level, [config_record(subject, level)]


def delete_level(state: RegistryState, subject: str | None) -> tuple[str, list[Record]]:
    """Remove the subject's level (or reset the global one to BACKWARD); returns the removed level."""
    return configured_level(state, subject), [config_record(subject, None)]


def latest_with_metadata(
    state: RegistryState, subject: str, properties: Mapping[str, str], *, deleted: bool = False
) -> SubjectVersion:
    """The newest version whose metadata properties include all of `properties`; raises 40401/40403."""
    entries = st.versions(state, subject, deleted=deleted)
    if not entries:
        raise _subject_not_found(subject)
    for entry in reversed(entries):
        held = (entry.content.metadata or {}).get("properties") or {}
        if all(held.get(key) == value for key, value in properties.items()):
            return entry
    raise RegistryError(ErrorCode.SCHEMA_NOT_FOUND, f"No version of subject '{subject}' has that metadata")


def _subject_not_found(subject: str) -> RegistryError:
    return RegistryError(ErrorCode.SUBJECT_NOT_FOUND, f"Subject '{subject}' not found.")


def _version_not_found(subject: str, version: int | None) -> RegistryError:
    return RegistryError(ErrorCode.VERSION_NOT_FOUND, f"Version {version} not found for subject '{subject}'.")


def _refuse_if_referenced(state: RegistryState, subject: str, entries: list[SubjectVersion]) -> None:
    for entry in entries:
        if st.referrers(state, subject, entry.version):
            raise RegistryError(
                ErrorCode.REFERENCE_EXISTS,
                f"Subject '{subject}' Version {entry.version} is referenced by other schemas; not deleted",
            )
