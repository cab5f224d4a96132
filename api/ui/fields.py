"""Fields of an application as the UI shows and corrects them, pure.

- `value_at`: the current value of a field path (`merchant.ein`, `owners[0].ssn`) in the detail
  model; PII shows as the presenter left it (clear only for `pii:read`, masked otherwise).
- `correction_path`: the correctable path a review reason names (the assemble stage names the
  owner it checked `owner.<key>`: the first owner).
- `form_value`: the text of a form field typed for the correction command (the same JSON types the
  API's correction request takes).
- `field_marks`: why a field stands out: invalid, low confidence, or named by a review reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from api.fields import FieldError, field_spec
from api.models.applications import ApplicationDetail, PiiValue, Provenance

# The assemble stage's MIN_CONFIDENCE: below it a required field sends the application to review.
LOW_CONFIDENCE = 0.6
_SEGMENT = re.compile(r"^([a-z_][a-z0-9_]*)(?:\[(\d{1,2})\])?$")
_TRUE, _FALSE = frozenset({"true", "yes", "1", "on"}), frozenset({"false", "no", "0", "off"})


def value_at(detail: ApplicationDetail, path: str) -> Any:
    """The value at `path` in `detail` (None when any step is missing); PiiValue as clear or masked."""
    node: Any = detail
    for segment in path.split("."):
        match = _SEGMENT.match(segment)
        if match is None or node is None:
            return None
        name, index = match.group(1), match.group(2)
        node = getattr(node, name, None) if isinstance(node, BaseModel) else None
        if index is not None:
            items = node if isinstance(node, list) else []
            node = items[int(index)] if int(index) < len(items) else None
    if isinstance(node, PiiValue):
        return node.value if node.value is not None else node.masked
    return node


def correction_path(field: str | None) -> str | None:
    """The correctable path of a review reason's field, or None when it names none."""
    if not field:
        return None
    path = re.sub(r"^owner\.", "owners[0].", field)
    try:
        field_spec(path)
    except FieldError:
        return None
    return path


def form_value(path: str, text: str | None) -> Any:
    """The JSON value of a correction of `path` typed from form text (empty clears the field).

    Raises FieldError (from api.fields) for a path that is not correctable or text that does not fit.
    """
    spec = field_spec(path)
    raw = (text or "").strip()
    if not raw:
        return None
    if spec.kind == "long":
        try:
            return int(raw.replace(",", ""))
        except ValueError as exc:
            raise FieldError(f"{path} takes a whole number") from exc
    if spec.kind == "double":
        try:
            return float(raw.replace(",", ""))
        except ValueError as exc:
            raise FieldError(f"{path} takes a number") from exc
    if spec.kind == "boolean":
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise FieldError(f"{path} takes yes or no")
    if spec.kind == "decimal":
        return raw.replace(",", "").replace("$", "")
    return raw


def reason_fields(reasons: Iterable[Any]) -> set[str]:
    """Field paths named by review reasons (as correction paths where they are correctable)."""
    named = set()
    for reason in reasons:
        field = getattr(reason, "field", None) if not isinstance(reason, dict) else reason.get("field")
        if field:
            named.add(correction_path(field) or field)
    return named


def field_marks(provenance: Provenance, flagged: set[str]) -> list[str]:
    """Why a field stands out: `invalid`, `low confidence`, `needs review` (empty: it does not)."""
    marks = []
    if provenance.errors:
        marks.append("invalid")
    if provenance.confidence is not None and provenance.confidence < LOW_CONFIDENCE:
        marks.append("low confidence")
    if provenance.path in flagged:
        marks.append("needs review")
    return marks
