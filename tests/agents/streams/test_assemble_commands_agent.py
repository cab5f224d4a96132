"""The assemble stage answers the API's commands: commands are re-keyed onto assemble's partitions,
applied to the application's table value when made against its current version, and survive a
reprocess run, which the stage starts by sending the submission's email through the pipeline again."""

from __future__ import annotations

from typing import Any

from infra.topics import (
    APPLICATION,
    APPLICATION_CORRECTION,
    APPLICATION_EVENT,
    DOCUMENT_EXTRACTED,
    EMAIL_RECEIVED,
)
from schemas.ids import submission_id
from streams.agents import assemble
from streams.agents.assemble_commands import routed_topic_name
from tests.unit.streams.edge_submissions import application_and_statement, email, merchant_files
from tests.unit.streams.stages.commands_support import command

from .pipeline_support import AgentHarness, harness, stage_events


async def assembled(h: AgentHarness, raw: bytes) -> dict[str, Any]:
    """Feed `raw`'s extracted documents to the assemble agent; the application's first record."""
    events = (await stage_events(h.services, raw))[DOCUMENT_EXTRACTED.name]
    async with h.agent("assemble").test_context() as ctx:
        for value in events:
            await ctx.put(h.encode(DOCUMENT_EXTRACTED.name, value))
    return h.publisher.on(APPLICATION.name)[-1].value


async def send(h: AgentHarness, *commands: dict[str, Any]) -> None:
    async with h.agent("assemble-commands").test_context() as ctx:
        for value in commands:
            await ctx.put(h.encode(APPLICATION_CORRECTION.name, value))


def latest(h: AgentHarness) -> tuple[dict[str, Any], dict[str, Any]]:
    return h.publisher.on(APPLICATION.name)[-1].value, h.publisher.on(APPLICATION_EVENT.name)[-1].value


class RawRecorder:
    """Records what would go to Kafka, undecoded (the routed topic is internal to the stage)."""

    def __init__(self) -> None:
        self.records: list[tuple[str, bytes | None, bytes]] = []

    async def publish(self, topic: str, *, key: bytes | None, value: bytes, headers: Any) -> None:
        self.records.append((topic, key, value))


async def test_a_command_is_rekeyed_by_its_application_onto_assembles_partitions(tmp_path):
    h = harness(tmp_path)
    recorder = h.runtime.publisher = RawRecorder()
    assemble.register(h.runtime)
    order = command("review", decision="approve", application_id="b" * 64)
    async with h.agent("assemble-route").test_context() as ctx:
        await ctx.put(h.encode(APPLICATION_CORRECTION.name, order), key=b"anything")
    [(topic, key, data)] = recorder.records
    assert topic == routed_topic_name(h.runtime.app.conf.id) and key == b"b" * 64
    assert h.serde.decode(APPLICATION_CORRECTION.name, data) == order
    channel = h.agent("assemble-commands").channel
    assert tuple(channel.topics) == (topic,) and channel.partitions == DOCUMENT_EXTRACTED.partitions


async def test_a_correction_made_against_the_current_version_makes_the_next_one(tmp_path):
    h = harness(tmp_path)
    assemble.register(h.runtime)
    first = await assembled(h, email(application_and_statement(merchant_files())))
    app = first["application_id"]
    correct = command("correct_field", field="merchant.dba_name", value="Corner Shop", application_id=app)
    stale = command("correct_field", field="merchant.dba_name", value="Too Late", application_id=app)
    await send(h, correct, stale)
    record, event = latest(h)
    assert (record["version"], record["merchant"]["dba_name"]) == (2, "Corner Shop")
    assert [c["command_id"] for c in record["corrections"]] == [correct["command_id"]]
    assert (event["type"], event["command_id"], event["version"]) == (
        "application.corrected",
        correct["command_id"],
        2,
    )
    assert len(h.publisher.on(APPLICATION.name)) == 2  # the stale command published nothing


async def test_a_redelivered_command_publishes_the_same_event_and_changes_nothing_more(tmp_path):
    h = harness(tmp_path)
    assemble.register(h.runtime)
    app = (await assembled(h, email(application_and_statement(merchant_files()))))["application_id"]
    review = command("review", decision="reject", application_id=app)
    await send(h, review, review)
    first, again = h.publisher.on(APPLICATION_EVENT.name)[-2:]
    assert first.value == again.value and first.value["type"] == "application.reviewed"
    assert [p.value["version"] for p in h.publisher.on(APPLICATION.name)] == [1, 2, 2]
    assert h.publisher.on(APPLICATION.name)[-1].value["status"] == "rejected"


async def test_a_command_for_an_unknown_application_is_ignored(tmp_path):
    h = harness(tmp_path)
    assemble.register(h.runtime)
    await send(h, command("review", decision="approve", application_id="c" * 64))
    assert h.publisher.records == []


async def test_reprocessing_reads_the_email_again_and_keeps_the_corrections(tmp_path):
    h = harness(tmp_path)
    assemble.register(h.runtime)
    raw = email(application_and_statement(merchant_files()))
    first = await assembled(h, raw)
    app = first["application_id"]
    await send(
        h, command("correct_field", field="funding.use_of_funds", value="Inventory", application_id=app)
    )
    reprocess = command("reprocess", application_id=app, expected=None)
    await send(h, reprocess)
    [again] = h.publisher.on(EMAIL_RECEIVED.name)
    assert again.key == submission_id(raw).encode() and again.value["submission_id"] == submission_id(raw)
    assert again.value["sender"] == first["submission"]["sender"]
    assert again.value["received_at"] == first["submission"]["received_at"]
    assert (again.value["reading"], first["submission"]["reading"]) == (1, 0)
    # The pipeline reads the email again: assemble collects that run apart from the first reading,
    # and a late redelivery of a first-reading document during the run is not taken for the run's.
    first_reading = (await stage_events(h.services, raw))[DOCUMENT_EXTRACTED.name]
    events = [{**e, "submission": {**e["submission"], "reading": 1}} for e in first_reading]
    published = len(h.publisher.on(APPLICATION.name))
    async with h.agent("assemble").test_context() as ctx:
        await ctx.put(h.encode(DOCUMENT_EXTRACTED.name, first_reading[-1]))
    replayed = h.publisher.on(APPLICATION.name)[published:]
    assert [r.value["version"] for r in replayed] == [2]  # what it emitted, as the application is now
    async with h.agent("assemble").test_context() as ctx:
        for value in events:
            await ctx.put(h.encode(DOCUMENT_EXTRACTED.name, value))
    record, event = latest(h)
    assert record["version"] == 3 and record["funding"]["use_of_funds"] == "Inventory"
    assert [c["path"] for c in record["corrections"]] == ["funding.use_of_funds"]
    assert record["extractor_version"] == first["extractor_version"]
    assert record["warnings"] == first["warnings"]  # its own first reading is no resubmission
    assert (event["type"], event["version"]) == (f"application.{record['status']}", 3)
    # A late redelivery of that run's last document publishes the same event and the current state.
    async with h.agent("assemble").test_context() as ctx:
        await ctx.put(h.encode(DOCUMENT_EXTRACTED.name, events[-1]))
    assert latest(h) == (record, event)
