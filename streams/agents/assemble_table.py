"""Pure rules over one value of assemble's applications table (the agent: streams/agents/assemble.py).

A value holds, per application id: `owner` (the first submission that claimed the id),
`submissions` (per submission: the expected document `count`, the `documents` collected by
document id, and what each document's arrival `emitted`), `app` (the owner's state: base and
current record, streams/stages/commands.py), the commands applied lately, a pending `reprocess`
run and what that run's completion emitted (`rerun_emitted`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from infra.topics import APPLICATION, APPLICATION_EVENT
from streams.agents.contracts import Output
from streams.stages.commands import new_state, reassemble
from streams.wire.events import application_event
from streams.wire.failures import is_failure

NO_DOCUMENT = "none"  # the entry of a submission that split failed on as a whole


def emitted_by(state: Mapping[str, Any], submission: Mapping[str, Any], document_key: str) -> list[Any]:
    """What the arrival of `document_key` emitted (its reprocess run's outputs when it had one)."""
    return state.get("rerun_emitted", {}).get(document_key) or submission["emitted"][document_key]


def split_failed(documents: Mapping[str, Any]) -> bool:
    """Whether the collected entries record that split failed on the whole submission."""
    entry = documents.get(NO_DOCUMENT)
    return entry is not None and is_failure(entry)


def admit(documents: Mapping[str, Any], value: Mapping[str, Any]) -> bool:
    """False for a split failure of a submission some of whose documents are already in (the split
    was redelivered or redriven and did read it): the documents stand."""
    split_failure = is_failure(value) and value["document"] is None
    return not (split_failure and any(key != NO_DOCUMENT for key in documents))


def stored(outputs: Sequence[Output]) -> list[dict[str, Any]]:
    """Outputs as table values (to publish them again on a redelivery)."""
    return [{"topic": o.topic, "key": o.key, "value": o.value} for o in outputs]


def replay(emitted: Sequence[Mapping[str, Any]], state: Mapping[str, Any], key: str) -> list[Output]:
    """What a redelivered input emitted, published again: events as they were, and the state of
    application `key` as it is now (never an older version over a newer one)."""
    current = (state.get("app") or {}).get("current")
    outputs = []
    for o in emitted:
        value = o["value"]
        if o["topic"] == APPLICATION.name and o["key"] == key and current is not None:
            value = current
        outputs.append(Output(o["topic"], key=o["key"], value=value))
    return outputs


def app_of(state: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    """The application state of `key`: kept in `app`, or (a table value written before states were
    kept) the owner submission's last published record."""
    if state.get("app") is not None:
        return dict(state["app"])
    owner = state.get("submissions", {}).get(state.get("owner") or "")
    for outputs in (owner or {}).get("emitted", {}).values():
        for o in outputs:
            if o["topic"] == APPLICATION.name and o["key"] == key:
                return new_state(o["value"])
    return None


def next_version(
    state: Mapping[str, Any], key: str, base: dict[str, Any], now: dt.datetime
) -> tuple[dict[str, Any], list[Output]]:
    """Application `key` assembled again as `base`: its next state, with the human corrections in
    force re-applied, and the record and event that publish it."""
    app = app_of(state, key)
    if app is None:  # assembled before this table kept states: start afresh
        app_state, record = new_state(base), base
        event = application_event(record, f"application.{record['status']}", occurred_at=now)
    else:
        app_state, record, event = reassemble(app, base, now=now)
    return app_state, [
        Output(APPLICATION.name, key=key, value=record),
        Output(APPLICATION_EVENT.name, key=key, value=event),
    ]
