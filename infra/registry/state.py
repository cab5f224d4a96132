"""The registry's state as a pure fold over its log: `apply(state, record) -> state`.

Replaying the topic from the beginning with `apply` rebuilds exactly the state the registry
had, so ids and versions survive restarts. Nothing here does I/O; the queries and the small
decisions (next schema id, next version) are plain functions of the state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from infra.registry.records import (
    CONFIG_KEY,
    SCHEMA_KEY,
    Record,
    Reference,
    SchemaContent,
    SubjectVersion,
    subject_version_from_value,
)

DEFAULT_LEVEL = "BACKWARD"


@dataclass(frozen=True)
class RegistryState:
    """Subjects with their versions (soft-deleted ones included), ids and compatibility settings."""

    subjects: Mapping[str, Mapping[int, SubjectVersion]] = field(default_factory=dict)
    contents: Mapping[int, SchemaContent] = field(default_factory=dict)
    ids: Mapping[str, int] = field(default_factory=dict)
    max_id: int = 0
    global_level: str | None = None
    subject_levels: Mapping[str, str] = field(default_factory=dict)


def apply(state: RegistryState, record: Record) -> RegistryState:
    """The state after `record`; records of kinds this registry does not use leave it unchanged.

    Raises KeyError, TypeError or ValueError for a malformed record of a known kind.
    """
    keytype = record.key.get("keytype")
    if keytype == SCHEMA_KEY:
        if record.value is None:
            return _remove_version(state, str(record.key["subject"]), int(record.key["version"]))
        return _put_version(state, subject_version_from_value(record.value))
    if keytype == CONFIG_KEY:
        subject = record.key.get("subject")
        level = None if record.value is None else str(record.value["compatibilityLevel"])
        return _set_level(state, None if subject is None else str(subject), level)
    return state


def replay(records: Iterable[Record], state: RegistryState | None = None) -> RegistryState:
    """Fold `records` into `state` (an empty registry by default)."""
    current = state or RegistryState()
    for record in records:
        current = apply(current, record)
    return current


def versions(
    state: RegistryState, subject: str, *, deleted: bool = False, deleted_only: bool = False
) -> list[SubjectVersion]:
    """The subject's versions in ascending order: live ones, plus soft-deleted ones when asked."""
    entries = sorted(state.subjects.get(subject, {}).values(), key=lambda entry: entry.version)
    if deleted_only:
        return [entry for entry in entries if entry.deleted]
    return [entry for entry in entries if deleted or not entry.deleted]


def subject_names(state: RegistryState, *, deleted: bool = False, deleted_only: bool = False) -> list[str]:
    """Sorted names of subjects that have a version visible under the same flags as `versions`."""
    return sorted(
        name for name in state.subjects if versions(state, name, deleted=deleted, deleted_only=deleted_only)
    )


def compatibility_level(state: RegistryState, subject: str | None) -> str:
    """The level that governs `subject`: its own, else the global one, else BACKWARD."""
    if subject is not None and subject in state.subject_levels:
        return state.subject_levels[subject]
    return state.global_level or DEFAULT_LEVEL


def next_schema_id(state: RegistryState, content: SchemaContent) -> int:
    """The id `content` gets: the one it already has anywhere in the registry, else a new one."""
    return state.ids.get(content.identity, state.max_id + 1)


def next_version(state: RegistryState, subject: str) -> int:
    """One above every version the subject still holds, soft-deleted ones included (as Confluent does)."""
    return max(state.subjects.get(subject, {}), default=0) + 1


def usages(state: RegistryState, schema_id: int, *, deleted: bool = False) -> list[SubjectVersion]:
    """Every subject version that points at `schema_id`, ordered by subject then version."""
    found = [
        entry
        for name in sorted(state.subjects)
        for entry in versions(state, name, deleted=deleted)
        if entry.schema_id == schema_id
    ]
    return found


def referrers(state: RegistryState, subject: str, version: int) -> list[int]:
    """Sorted ids of live schemas that reference `subject` at `version`."""
    target = (subject, version)
    return sorted(
        {
            entry.schema_id
            for name in state.subjects
            for entry in versions(state, name)
            if any((ref.subject, ref.version) == target for ref in entry.content.references)
        }
    )


def resolve_references(state: RegistryState, references: Iterable[Reference]) -> list[SchemaContent] | None:
    """The referenced schemas, dependencies first and each once; None when one is missing."""
    ordered: list[SchemaContent] = []
    seen: set[tuple[str, int]] = set()

    def visit(ref: Reference, depth: int) -> bool:
        if (ref.subject, ref.version) in seen:
            return True
        entry = state.subjects.get(ref.subject, {}).get(ref.version)
        if entry is None or depth > 32:
            return False
        seen.add((ref.subject, ref.version))
        if not all(visit(inner, depth + 1) for inner in entry.content.references):
            return False
        ordered.append(entry.content)
        return True

    return ordered if all(visit(ref, 0) for ref in references) else None


def _put_version(state: RegistryState, entry: SubjectVersion) -> RegistryState:
    subject_versions = dict(state.subjects.get(entry.subject, {}))
    subject_versions[entry.version] = entry
    contents = dict(state.contents)
    contents.setdefault(entry.schema_id, entry.content)
    ids = dict(state.ids)
    ids.setdefault(entry.content.identity, entry.schema_id)
    return replace(
        state,
        subjects={**state.subjects, entry.subject: subject_versions},
        contents=contents,
        ids=ids,
        max_id=max(state.max_id, entry.schema_id),
    )


def _remove_version(state: RegistryState, subject: str, version: int) -> RegistryState:
    removed = state.subjects.get(subject, {}).get(version)
    if removed is None:
        return state
    subjects = dict(state.subjects)
    remaining = {number: entry for number, entry in subjects[subject].items() if number != version}
    if remaining:
        subjects[subject] = remaining
    else:
        del subjects[subject]
    state = replace(state, subjects=subjects)
    if usages(state, removed.schema_id, deleted=True):
        return state
    # The id is no longer used anywhere: it stops resolving, and the same content would get a new id.
    contents = {key: value for key, value in state.contents.items() if key != removed.schema_id}
    ids = {key: value for key, value in state.ids.items() if value != removed.schema_id}
    return replace(state, contents=contents, ids=ids)


def _set_level(state: RegistryState, subject: str | None, level: str | None) -> RegistryState:
    if subject is None:
        return replace(state, global_level=level)
    levels = {key: value for key, value in state.subject_levels.items() if key != subject}
    if level is not None:
        levels[subject] = level
    return replace(state, subject_levels=levels)
