"""Merging two readings of the same values: field by field, and owners paired across readings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from streams.stages.extract.fields import Field


def better(first: Field | None, second: Field | None) -> Field | None:
    """The value to keep of two readings of one field: valid first, then the more confident.

    Two readings that differ only in spacing ("Wells Enterprises" / "WellsEnterprises") agree on
    every character: the one with more word breaks wins (an OCR engine drops spaces, it does not
    invent them), as sure as the surer of the two."""
    if first is None or second is None:
        return first or second
    spaced = _better_spaced(first, second)
    if spaced is not None:
        return spaced
    if first.valid != second.valid:
        return first if first.valid else second
    return second if second.confidence > first.confidence else first


def _better_spaced(first: Field, second: Field) -> Field | None:
    a, b = first.value, second.value
    if not (isinstance(a, str) and isinstance(b, str)) or a == b:
        return None
    if "".join(a.split()) != "".join(b.split()) or len(a.split()) == len(b.split()):
        return None
    spaced, other = (first, second) if len(a.split()) > len(b.split()) else (second, first)
    return replace(spaced, confidence=max(spaced.confidence, other.confidence))


def merge_fields(first: Mapping[str, Field], second: Mapping[str, Field]) -> dict[str, Field]:
    """Key by key, the better of the two readings (keys of the first reading first)."""
    keys = list(dict.fromkeys([*first, *second]))
    merged = {k: better(first.get(k), second.get(k)) for k in keys}
    return {k: v for k, v in merged.items() if v is not None}


def _same_owner(a: Mapping[str, Field], b: Mapping[str, Field]) -> bool:
    for key in ("ssn", "name", "date_of_birth", "email"):
        if key in a and key in b and _norm(a[key].value) == _norm(b[key].value):
            return True
    return False


def _norm(value: object) -> str:
    return "".join(ch for ch in str(value).lower() if ch.isalnum())


def merge_owners(
    first: Sequence[Mapping[str, Field]], second: Sequence[Mapping[str, Field]]
) -> tuple[dict[str, Field], ...]:
    """Owners of both readings paired (same SSN, name, birth date or email, else same position)."""
    merged: list[dict[str, Field]] = []
    used: set[int] = set()
    for index, owner in enumerate(first):
        match = next((j for j, o in enumerate(second) if j not in used and _same_owner(owner, o)), None)
        if match is None and index < len(second) and index not in used:
            match = index
        if match is None:
            merged.append(dict(owner))
            continue
        used.add(match)
        merged.append(merge_fields(owner, second[match]))
    merged += [dict(o) for j, o in enumerate(second) if j not in used]
    return tuple(merged)
