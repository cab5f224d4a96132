"""Commands about an application (mca.application.correction) applied to its state, pure.

The state of one application is its `base` (the record the pipeline assembled, without human
input) and its `current` record (base + the human corrections in force + the latest review, at
the current version). `current` is always `materialize(base, ...)`, so a discarded correction
gives the extracted value back and a reprocessed base keeps the corrections in force.

Rules:
- A command applies only when its `expected_version` is the current version; a stale one changes
  nothing (it is logged). Every applied command makes version + 1 and one event whose id is
  deterministic per (application, transition, version), so a replay never makes a second id.
- correct_field sets the path (PII arrives and stays an EncryptedValue), replaces an earlier
  correction of the same path, and marks the value's provenance `corrected`; discard_correction
  drops the human value of a path so the extracted one applies again. Both emit
  `application.corrected`.
- A correction resolves the field-tied review reasons of its path (required_field_missing,
  low_confidence, invalid_value); when no reason is left, a review_required application becomes
  `processed` (the event's status and previous_status say so). Other reasons (a missing or invalid
  document, unreconciled balances, another ISO broker's copy) need a reviewer.
- review: approve -> processed, reject -> rejected, `review` records the sign-off; event
  `application.reviewed`.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from streams.wire.events import application_event

logger = logging.getLogger(__name__)

FIELD_REASONS = frozenset({"required_field_missing", "low_confidence", "invalid_value"})
FIELD_COMMANDS = ("correct_field", "discard_correction")
_SEGMENT = re.compile(r"^([a-z_][a-z0-9_]*)(?:\[(\d+)\])?$")
_OWNER_INDEX = re.compile(r"^owners\[\d+\]\.(.+)$")


class PathError(ValueError):
    """A field path that does not name a place in the record (unknown, or under a missing parent)."""


@dataclass(frozen=True)
class CommandResult:
    """What one command did: `applied` with the new state, its record and event, or `stale` /
    `refused` with the state unchanged (`record` and `event` None) and why in `detail`."""

    outcome: Literal["applied", "stale", "refused"]
    state: dict[str, Any]
    record: dict[str, Any] | None = None
    event: dict[str, Any] | None = None
    detail: str = ""


def new_state(record: Mapping[str, Any]) -> dict[str, Any]:
    """The state of a freshly assembled application: its record is both base and current."""
    return {"base": copy.deepcopy(dict(record)), "current": copy.deepcopy(dict(record))}


def set_path(record: dict[str, Any], path: str, value: Any) -> None:
    """Set `path` (merchant.ein, owners[0].ssn, bank_statements[1].ending_balance) in `record`.

    Raises PathError when a segment is malformed or a parent is missing (null, or no such item)."""
    *parents, leaf = path.split(".")
    node: Any = record
    for part in parents:
        node = _child(node, part, path)
    match = _SEGMENT.match(leaf)
    if match is None or match.group(2) is not None or not isinstance(node, dict):
        raise PathError(f"{path!r} does not name a field of the record")
    node[leaf] = value


def _child(node: Any, part: str, path: str) -> Any:
    match = _SEGMENT.match(part)
    if match is None or not isinstance(node, dict) or node.get(match.group(1)) is None:
        raise PathError(f"{path!r}: no {part!r} in the record")
    child = node[match.group(1)]
    if match.group(2) is None:
        return child
    index = int(match.group(2))
    if not isinstance(child, list) or index >= len(child) or child[index] is None:
        raise PathError(f"{path!r}: no item {index} of {match.group(1)!r}")
    return child[index]


def resolves(finding: Mapping[str, Any], path: str, value: Any, record: Mapping[str, Any]) -> bool:
    """Whether a correction of `path` to `value` (already set in `record`) resolves `finding`.

    Only field-tied findings can be resolved, and only by a value: `owner.ssn` (no owner with name
    and SSN) by any owners[i].ssn, `owners.ownership_pct` (over 100% in total) by an owner's
    ownership_pct once the total is 100% or less, anything else by its own path."""
    field = finding.get("field")
    if finding.get("code") not in FIELD_REASONS or not field or value is None:
        return False
    if field == path:
        return True
    owner_leaf = _OWNER_INDEX.match(path)
    if owner_leaf is None:
        return False
    if field == "owners.ownership_pct":
        return owner_leaf.group(1) == "ownership_pct" and _ownership_total(record) <= 100
    return field == f"owner.{owner_leaf.group(1)}"


def _ownership_total(record: Mapping[str, Any]) -> Decimal:
    total = Decimal(0)
    for owner in record.get("owners") or []:
        share = (owner or {}).get("ownership_pct")
        try:
            total += Decimal(str(share)) if share is not None else Decimal(0)
        except InvalidOperation:
            continue
    return total


def _provenance(record: dict[str, Any], path: str, value: Any) -> None:
    fields = [f for f in record.get("fields") or [] if f["path"] != path]
    if value is not None:
        fields.append(
            {
                "path": path,
                "document_id": None,
                "page": None,
                "box": None,
                "confidence": 1.0,
                "source": "corrected",
                "errors": [],
            }
        )
    record["fields"] = fields


def materialize(
    base: Mapping[str, Any],
    *,
    corrections: Sequence[Mapping[str, Any]],
    review: Mapping[str, Any] | None,
    version: int,
    updated_at: dt.datetime,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The record of `base` with `corrections` (oldest first) and `review` at `version`; returns it
    and the corrections in force (a correction whose path the base no longer has is dropped, with
    a warning: e.g. an owner the reprocessed documents no longer list)."""
    record = copy.deepcopy(dict(base))
    in_force: list[dict[str, Any]] = []
    findings = list(record.get("review_reasons") or [])
    for correction in corrections:
        path, value = correction["path"], correction["value"]
        try:
            set_path(record, path, value)
        except PathError as exc:
            logger.warning(
                "application %s: correction %s dropped: %s",
                record["application_id"],
                correction["command_id"],
                exc,
                extra={"application_id": record["application_id"]},
            )
            continue
        _provenance(record, path, value)
        in_force.append(dict(correction))
        findings = [f for f in findings if not resolves(f, path, value, record)]
    status = record["status"]
    if review is not None:
        status = "processed" if review["decision"] == "approve" else "rejected"
    elif status == "review_required" and not findings:
        status = "processed"
    record.update(
        status=status,
        review_reasons=findings if status == "review_required" else [],
        corrections=in_force,
        review=dict(review) if review is not None else None,
        version=version,
        updated_at=updated_at,
    )
    return record, in_force


def command_event(
    record: Mapping[str, Any],
    transition: str,
    command: Mapping[str, Any],
    *,
    previous_status: str | None,
    occurred_at: dt.datetime,
) -> dict[str, Any]:
    """The mca.application.event of a command's transition (never a value, only the paths)."""
    event = application_event(record, transition, occurred_at=occurred_at, previous_status=previous_status)
    event.update(
        actor=command["actor"],
        command_id=command["command_id"],
        corrected_fields=[command["field"]] if command.get("field") else [],
    )
    return event


def apply_command(state: Mapping[str, Any], command: Mapping[str, Any], *, now: dt.datetime) -> CommandResult:
    """Apply a correct_field, discard_correction or review command to `state` (see the module doc)."""
    current = state["current"]
    unchanged = dict(state)
    if command["expected_version"] != current["version"]:
        detail = f"made against version {command['expected_version']}, current is {current['version']}"
        return CommandResult("stale", unchanged, detail=detail)
    corrections = [dict(c) for c in current.get("corrections") or []]
    review = current.get("review")
    path = command.get("field")
    if command["type"] in FIELD_COMMANDS:
        if not path:
            return CommandResult("refused", unchanged, detail=f"{command['type']} without a field")
        if command["type"] == "discard_correction" and not any(c["path"] == path for c in corrections):
            return CommandResult("refused", unchanged, detail=f"no human correction of {path} to discard")
        corrections = [c for c in corrections if c["path"] != path]
        if command["type"] == "correct_field":
            corrections.append(
                {
                    "command_id": command["command_id"],
                    "path": path,
                    "value": command["value"],
                    "actor": command["actor"],
                    "reason": command.get("reason"),
                    "at": command["at"],
                }
            )
            try:
                set_path(copy.deepcopy(dict(current)), path, command["value"])
            except PathError as exc:
                return CommandResult("refused", unchanged, detail=str(exc))
        transition = "application.corrected"
    elif command["type"] == "review" and command.get("decision") in ("approve", "reject"):
        review = {
            "decision": command["decision"],
            "actor": command["actor"],
            "note": command.get("reason"),
            "at": command["at"],
        }
        transition = "application.reviewed"
    else:
        return CommandResult("refused", unchanged, detail=f"{command['type']} is not a state command")
    record, in_force = materialize(
        state["base"], corrections=corrections, review=review, version=current["version"] + 1, updated_at=now
    )
    event = command_event(record, transition, command, previous_status=current["status"], occurred_at=now)
    return CommandResult("applied", {"base": state["base"], "current": record}, record, event)


def reassemble(
    state: Mapping[str, Any], base: Mapping[str, Any], *, now: dt.datetime
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """A reprocessed application: the new `base` with the corrections in force re-applied on top,
    at the next version. A reviewer's sign-off was about the earlier reading, so it is not carried
    over. Returns (state, record, event `application.<status>`)."""
    current = state["current"]
    record, _ = materialize(
        base,
        corrections=current.get("corrections") or [],
        review=None,
        version=current["version"] + 1,
        updated_at=now,
    )
    event = application_event(
        record, f"application.{record['status']}", occurred_at=now, previous_status=current["status"]
    )
    return {"base": copy.deepcopy(dict(base)), "current": record}, record, event
