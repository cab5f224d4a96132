"""Compatibility decisions between Avro schemas, made by Apache avro's own checker.

BACKWARD: the new schema (reader) reads data written with the previous version; FORWARD: the
previous version reads data written with the new schema; FULL: both. The non-transitive levels
compare with the latest live version only; the *_TRANSITIVE ones with every live version.
"""

from __future__ import annotations

from collections.abc import Sequence

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

NONE = "NONE"
LEVELS = (
    NONE,
    "BACKWARD",
    "BACKWARD_TRANSITIVE",
    "FORWARD",
    "FORWARD_TRANSITIVE",
    "FULL",
    "FULL_TRANSITIVE",
)


def normalize_level(value: object) -> str | None:
    """The level named by `value` (any case), or None when it names no level."""
    if not isinstance(value, str):
        return None
    level = value.strip().upper()
    return level if level in LEVELS else None


def incompatibilities(
    level: str,
    candidate: avro.schema.Schema,
    previous: Sequence[tuple[int, avro.schema.Schema]],
) -> list[str]:
    """Why `candidate` may not follow `previous` under `level`; an empty list means it may.

    `previous` holds (version, schema) pairs of the live versions, oldest first. Raises
    ValueError for an unknown level.
    """
    if level not in LEVELS:
        raise ValueError(f"unknown compatibility level {level!r}")
    if level == NONE or not previous:
        return []
    targets = previous if level.endswith("_TRANSITIVE") else previous[-1:]
    base = level.removesuffix("_TRANSITIVE")
    problems: list[str] = []
    for version, old in targets:
        if base in ("BACKWARD", "FULL"):
            problems += _problems(candidate, old, f"the new schema cannot read data of version {version}")
        if base in ("FORWARD", "FULL"):
            problems += _problems(old, candidate, f"version {version} cannot read data of the new schema")
    return problems


def _problems(reader: avro.schema.Schema, writer: avro.schema.Schema, direction: str) -> list[str]:
    result = ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
    if result.compatibility is SchemaCompatibilityType.compatible:
        return []
    kinds = ", ".join(sorted({kind.name.upper() for kind in result.incompatibilities})) or "INCOMPATIBLE"
    where = ", ".join(sorted(result.locations))
    details = "; ".join(sorted(result.messages))
    return [f"{kinds} at {where} ({details}): {direction}"]
