"""`mca dlq list | show | replay`: inspect dead letters and redrive them to their source topics.

A replay publishes the original key and value bytes to the partition they were read from, with
the header `mca-redrive-of: <dlq topic>:<partition>:<offset>`; a dead letter whose tag is already
on its source topic is never replayed again. Dead letters themselves are never deleted (the DLQ
is a log; retention ages them out).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from infra.errors import MCAError
from infra.settings import load_settings
from infra.topic_admin import admin_client_config
from infra.topics import DLQ
from streams.dlq import DeadLetter, matches_id, plan_replay, preview
from streams.dlq_kafka import DeadLetterQueue

dlq_app = typer.Typer(help="Inspect and replay dead letters (poison messages of every stage).",
                      no_args_is_help=True)

TopicOption = Annotated[str, typer.Option("--topic", help="The DLQ topic to read.")]
IdsOption = Annotated[list[str] | None, typer.Option("--ids", help="PARTITION:OFFSET ids (repeatable).")]
AllOption = Annotated[bool, typer.Option("--all", help="Replay every dead letter not yet replayed.")]
DryRunOption = Annotated[bool, typer.Option("--dry-run", help="Say what would be replayed; publish nothing.")]
StageOption = Annotated[str | None, typer.Option("--stage", help="Only dead letters of this stage.")]


def _queue(topic: str) -> DeadLetterQueue:
    from schemas.serde import AvroSerde  # the registry client belongs to the command, not the import

    settings = load_settings()
    codec = AvroSerde(settings.registry_url, auto_register=False)
    return DeadLetterQueue(admin_client_config(settings), codec, topic=topic)


def _fail(console: Console, message: str, code: int = 1) -> typer.Exit:
    console.print(f"[red]{message}[/red]")
    return typer.Exit(code)


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if isinstance(value, datetime) else str(value)


def _source(record: dict[str, Any] | Any) -> str:
    return f"{record['source_topic']}[{record['source_partition']}]@{record['source_offset']}"


def letters_table(letters: Sequence[DeadLetter], redriven: set[bytes]) -> Table:
    """One row per dead letter: id, time, stage, error, source, application, replayed."""
    table = Table(title=f"Dead letters ({len(letters)})")
    for column in ("id", "at (UTC)", "stage", "error", "source", "application", "replayed"):
        table.add_column(column, overflow="fold")
    for letter in letters:
        record = letter.record
        error = f"{record['error_type']}: {record['error_message']}"
        table.add_row(letter.id, _when(record["at"]), letter.stage, error[:80], _source(record),
                      (record.get("application_id") or "")[:16],
                      "yes" if letter.redrive_tag in redriven else "")
    return table


def letter_details(letter: DeadLetter, replayed: bool) -> str:
    """Everything one dead letter records, with previews of the original key and value."""
    record = letter.record
    headers = ", ".join(f"{h['key']}={preview(h['value'], 60)}" for h in record.get("headers") or [])
    value = record.get("value")
    return "\n".join([
        f"dead letter {letter.id} in {letter.dlq_topic}",
        f"at:          {_when(record['at'])} UTC by {record.get('worker') or '?'}",
        f"stage:       {letter.stage} (attempts: {record.get('attempts')})",
        f"error:       {record['error_type']}: {record['error_message']}",
        f"source:      {_source(record)} (timestamp {_when(record.get('source_timestamp'))})",
        f"application: {record.get('application_id') or '-'}",
        f"replayed:    {'yes' if replayed else 'no'}",
        f"headers:     {headers or '(none)'}",
        f"key:         {preview(record.get('key'), 120)}",
        f"value ({len(value) if value is not None else 0} bytes):",
        preview(value, 512),
    ])


@dlq_app.command("list")
def list_command(
    stage: StageOption = None,
    limit: Annotated[int, typer.Option(help="Show the newest N (0: all).")] = 50,
    topic: TopicOption = DLQ.name,
) -> None:
    """List dead letters, oldest first, with their error, source and whether they were replayed."""
    console = Console()
    try:
        queue = _queue(topic)
        letters = [letter for letter in queue.dead_letters() if stage is None or letter.stage == stage]
        shown = letters[-limit:] if limit > 0 else letters
        redriven = queue.redriven(shown)
    except MCAError as exc:
        raise _fail(console, str(exc)) from exc
    console.print(letters_table(shown, redriven))
    if len(shown) < len(letters):
        console.print(f"{len(letters) - len(shown)} older dead letter(s) not shown (--limit 0 shows all)")


@dlq_app.command("show")
def show_command(
    offset_or_id: Annotated[str, typer.Argument(help="PARTITION:OFFSET, or an offset when unambiguous.")],
    topic: TopicOption = DLQ.name,
) -> None:
    """Show one dead letter: its error, source, headers and a text or hex preview of the original."""
    console = Console()
    try:
        queue = _queue(topic)
        found = [letter for letter in queue.dead_letters() if matches_id(letter, offset_or_id)]
        if len(found) != 1:
            ids = ", ".join(letter.id for letter in found)
            raise _fail(console, f"{offset_or_id} matches {ids}: give PARTITION:OFFSET" if found
                        else f"no dead letter {offset_or_id} in {topic}")
        [letter] = found
        replayed = letter.redrive_tag in queue.redriven(found)
    except MCAError as exc:
        raise _fail(console, str(exc)) from exc
    console.print(letter_details(letter, replayed), markup=False, highlight=False)


@dlq_app.command("replay")
def replay_command(
    stage: StageOption = None,
    ids: IdsOption = None,
    replay_all: AllOption = False,
    dry_run: DryRunOption = False,
    topic: TopicOption = DLQ.name,
) -> None:
    """Re-publish dead letters' original bytes to their source topics, each at most once."""
    console = Console()
    wanted = [part.strip() for item in ids or [] for part in item.split(",") if part.strip()]
    if not (stage or wanted or replay_all):
        raise _fail(console, "name what to replay: --stage, --ids or --all", code=2)
    try:
        queue = _queue(topic)
        chosen = plan_replay(queue.dead_letters(), redriven=set(), stage=stage, ids=wanted)
        candidates = [*chosen.replay, *(letter for letter, _ in chosen.skipped)]
        plan = plan_replay(candidates, redriven=queue.redriven(candidates))
        for letter, reason in plan.skipped:
            console.print(f"skipped {letter.id} ({letter.stage}): {reason}")
        if dry_run:
            for letter in plan.replay:
                console.print(f"would replay {letter.id} to {_source(letter.record)}")
            return
        for letter, partition, offset in queue.replay(plan.replay):
            console.print(f"replayed {letter.id} ({letter.stage}) to "
                          f"{letter.source_topic}[{partition}]@{offset}")
    except MCAError as exc:
        raise _fail(console, str(exc)) from exc
    console.print(f"{len(plan.replay)} replayed, {len(plan.skipped)} skipped")
