"""The schema catalog: each topic's current Avro value schema, its released versions, and the
BACKWARD compatibility check between them.

Current schemas live in `schemas/avro/<value_schema>.avsc` (names from infra/topics.py);
every released version of a registry subject is kept as `schemas/released/<subject>/vN.avsc`,
so a change that would break a consumer still reading old events is caught by a test before
it reaches the registry.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

from infra.errors import MCAError
from infra.topics import ALL_TOPICS, BY_NAME

logger = logging.getLogger(__name__)

_VERSION_FILE = re.compile(r"^v(\d+)\.avsc$")


class UnknownTopicError(MCAError, KeyError):
    """A topic name that infra/topics.py does not declare."""


def _package_dir(name: str) -> Traversable:
    return files("schemas") / name


@cache
def schema_text_by_name(name: str) -> str:
    """The text of `schemas/avro/<name>.avsc` (a TopicSpec.value_schema name)."""
    return (_package_dir("avro") / f"{name}.avsc").read_text(encoding="utf-8")


def value_schema_text(topic: str) -> str:
    """The current value schema of `topic` as Avro JSON text; raises UnknownTopicError."""
    spec = BY_NAME.get(topic)
    if spec is None:
        raise UnknownTopicError(f"unknown topic {topic!r}")
    return schema_text_by_name(spec.value_schema)


def value_schema(topic: str) -> dict[str, Any]:
    """The current value schema of `topic`, parsed from JSON (a fresh dict each call)."""
    parsed: dict[str, Any] = json.loads(value_schema_text(topic))
    return parsed


def all_value_schemas() -> dict[str, str]:
    """Every registry subject (`<topic>-value`) of infra/topics.py mapped to its current schema text."""
    return {spec.value_subject: schema_text_by_name(spec.value_schema) for spec in ALL_TOPICS}


def released_root() -> Path:
    """The folder holding released versions (`<subject>/vN.avsc`) in this checkout or installation."""
    return Path(str(_package_dir("released")))


def released_versions(subject: str, root: Path | None = None) -> list[int]:
    """Released version numbers of `subject`, ascending; empty when never released."""
    folder = (root or released_root()) / subject
    if not folder.is_dir():
        return []
    found = (_VERSION_FILE.match(entry.name) for entry in folder.iterdir())
    return sorted(int(match.group(1)) for match in found if match)


def released_text(subject: str, version: int, root: Path | None = None) -> str:
    """The text of one released version of `subject`."""
    return ((root or released_root()) / subject / f"v{version}.avsc").read_text(encoding="utf-8")


def latest_released(subject: str, root: Path | None = None) -> tuple[int, str] | None:
    """(version, text) of the last released version of `subject`, or None when never released."""
    versions = released_versions(subject, root)
    if not versions:
        return None
    return versions[-1], released_text(subject, versions[-1], root)


def compatibility_problems(reader_text: str, writer_text: str) -> list[str]:
    """Why data written with `writer_text` cannot be read with `reader_text` (Avro schema resolution).

    BACKWARD compatibility of a new schema means: new schema as reader, last released as writer.
    Returns an empty list when compatible; raises avro.errors.SchemaParseException on a bad schema.
    """
    reader = avro.schema.parse(reader_text)
    writer = avro.schema.parse(writer_text)
    result = ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
    if result.compatibility is SchemaCompatibilityType.compatible:
        return []
    kinds = ", ".join(sorted({kind.value for kind in result.incompatibilities})) or "incompatible"
    locations = ", ".join(sorted(result.locations))
    return [f"{kinds}: {message} (at {locations})" for message in sorted(result.messages) or [""]]


def same_schema(left_text: str, right_text: str) -> bool:
    """True when two schema texts are the same JSON (docs included, formatting ignored)."""
    return bool(json.loads(left_text) == json.loads(right_text))


@dataclass(frozen=True)
class SubjectReport:
    """How one subject's current schema stands against its last released version."""

    subject: str
    current: str
    released_version: int | None
    problems: tuple[str, ...]
    changed: bool

    @property
    def compatible(self) -> bool:
        """True when data of the last released version reads with the current schema."""
        return not self.problems


def subject_reports(root: Path | None = None) -> list[SubjectReport]:
    """One report per subject of infra/topics.py, in topic-map order.

    A subject never released is compatible and changed; one whose current schema equals its last
    release is unchanged.
    """
    reports = []
    for subject, current in all_value_schemas().items():
        latest = latest_released(subject, root)
        if latest is None:
            reports.append(SubjectReport(subject, current, None, (), True))
            continue
        version, released = latest
        problems = tuple(compatibility_problems(current, released))
        reports.append(SubjectReport(subject, current, version, problems, not same_schema(current, released)))
    return reports
