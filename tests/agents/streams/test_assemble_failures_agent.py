"""A stage that gives up on a message does not leave its application waiting forever: the dead letter
reaches assemble (re-keyed by application onto assemble's partitions), the document counts as failed,
and the application completes as `failed` with an `application.failed` event under a deterministic
id. Read after all (`mca dlq replay` after a fix), the document replaces the failure and the
application is assembled again at the next version with its real status."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from infra.topics import (
    APPLICATION,
    APPLICATION_EVENT,
    DLQ,
    DOCUMENT_EXTRACTED,
    DOCUMENT_READ,
    DOCUMENT_RECEIVED,
    EMAIL_RECEIVED,
)
from schemas.ids import event_id
from schemas.serde import AvroSerde
from streams import pipeline
from streams.agents import assemble, assemble_records, extract, split
from streams.agents.assemble_failures import failures_topic_name
from streams.local_run import LocalRunner
from streams.pipeline import extraction
from streams.stages.limits import Limits
from tests.unit.streams.edge_submissions import application_and_statement, email, merchant_files
from tests.unit.streams.stage_chain import InlineRuntime, email_event

from .pipeline_support import AgentHarness, harness, stage_events


@dataclass
class Publisher:
    """Records what Kafka would receive, decoded; the routed dead letters with the DLQ's schema."""

    serde: AvroSerde
    routed: str
    records: list[tuple[str, bytes | None, bytes, dict[str, Any]]] = field(default_factory=list)

    async def publish(self, topic: str, *, key: bytes | None, value: bytes, headers: Any) -> None:
        schema = DLQ.name if topic == self.routed else topic
        self.records.append((topic, key, value, self.serde.decode(schema, value)))

    def on(self, topic: str) -> list[dict[str, Any]]:
        return [value for name, _, _, value in self.records if name == topic]

    def raw(self, topic: str) -> list[tuple[bytes | None, bytes]]:
        return [(key, data) for name, key, data, _ in self.records if name == topic]


def failing_harness(tmp_path) -> tuple[AgentHarness, Publisher]:
    h = harness(tmp_path)
    publisher = Publisher(h.serde, failures_topic_name(h.runtime.app.conf.id))
    h.runtime.publisher = publisher
    for stage in (split, extract, assemble):
        stage.register(h.runtime)
    return h, publisher


async def put(h: AgentHarness, agent: str, topic: str, values: list[dict[str, Any]]) -> None:
    async with h.agent(agent).test_context() as ctx:
        for value in values:
            await ctx.put(h.encode(topic, value))


async def deliver_dead_letters(h: AgentHarness, publisher: Publisher, *, again: bool = False) -> None:
    """What Kafka would do with the dead letters: the route reads mca.dlq, assemble-failures the
    routed topic (each once, or twice when `again`: a redelivery)."""
    letters = publisher.raw(DLQ.name)
    async with h.agent("assemble-dlq-route").test_context() as ctx:
        for key, data in letters:
            await ctx.put(data, key=key)
    routed = publisher.raw(publisher.routed)
    async with h.agent("assemble-failures").test_context() as ctx:
        for key, data in routed * (2 if again else 1):
            await ctx.put(data, key=key)


def extract_failing_on(monkeypatch: pytest.MonkeyPatch, filename: str) -> None:
    real = pipeline.extract_entry

    def extract_entry(entry, *args):
        if entry.filename == filename:
            raise RuntimeError(f"parser bug on {filename}")
        return real(entry, *args)

    monkeypatch.setattr("streams.pipeline.extract_entry", extract_entry)


def statement_of(read: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [d for d in read if d["document"]["filename"] == "Statement.pdf"]


async def test_an_extract_failure_on_one_document_completes_the_application_as_failed(tmp_path, monkeypatch):
    h, publisher = failing_harness(tmp_path)
    read = (await stage_events(h.services, email(application_and_statement(merchant_files()))))[
        DOCUMENT_READ.name
    ]
    extract_failing_on(monkeypatch, "Statement.pdf")
    await put(h, "extract", DOCUMENT_READ.name, read)
    [letter] = publisher.on(DLQ.name)
    assert (letter["stage"], letter["error_type"]) == ("extract", "RuntimeError")
    assert letter["application_id"] == read[0]["submission"]["application_id"]
    await put(h, "assemble", DOCUMENT_EXTRACTED.name, publisher.on(DOCUMENT_EXTRACTED.name))
    assert publisher.on(APPLICATION.name) == []  # the statement is still outstanding
    await deliver_dead_letters(h, publisher)

    [record] = publisher.on(APPLICATION.name)
    [statement] = [d["document"] for d in statement_of(read)]
    assert (record["status"], record["version"]) == ("failed", 1)
    assert record["status_detail"] == (
        f"internal_error: extract failed on document {statement['document_id']} (RuntimeError)"
    )
    assert [(d["filename"], d["status"], d["reason"]) for d in record["documents"]] == [
        ("Application.pdf", "read", None),
        ("Statement.pdf", "invalid", "internal_error:extract:RuntimeError"),
    ]
    assert "parser bug" not in repr(record)  # the error message stays in the DLQ
    assert record["merchant"]["ein"] == merchant_files().ein
    events = publisher.on(APPLICATION_EVENT.name)
    assert [(e["type"], e["status"]) for e in events] == [
        ("application.received", None),
        ("application.failed", "failed"),
    ]
    assert events[1]["event_id"] == event_id(record["application_id"], "application.failed", 1)


async def test_a_document_assemble_cannot_take_in_fails_alone_and_the_application_completes(
    tmp_path, monkeypatch
):
    h, publisher = failing_harness(tmp_path)
    read = (await stage_events(h.services, email(application_and_statement(merchant_files()))))[
        DOCUMENT_READ.name
    ]
    await put(h, "extract", DOCUMENT_READ.name, read)
    real = assemble_records.result_from_extracted

    def result_from_extracted(event, *args):
        if event["document"]["filename"] == "Statement.pdf":
            raise KeyError("a field assemble did not expect")
        return real(event, *args)

    monkeypatch.setattr(assemble_records, "result_from_extracted", result_from_extracted)
    await put(h, "assemble", DOCUMENT_EXTRACTED.name, publisher.on(DOCUMENT_EXTRACTED.name))

    assert publisher.on(DLQ.name) == []
    [record] = publisher.on(APPLICATION.name)
    assert record["status"] == "failed" and record["status_detail"].startswith("internal_error: assemble")
    assert [(d["filename"], d["status"], d["reason"]) for d in record["documents"]] == [
        ("Application.pdf", "read", None),
        ("Statement.pdf", "invalid", "internal_error:assemble:KeyError"),
    ]


async def test_a_dead_letter_of_assemble_fails_the_document_whose_arrival_it_could_not_assemble(
    tmp_path, monkeypatch
):
    h, publisher = failing_harness(tmp_path)
    read = (await stage_events(h.services, email(application_and_statement(merchant_files()))))[
        DOCUMENT_READ.name
    ]
    await put(h, "extract", DOCUMENT_READ.name, read)
    extracted = publisher.on(DOCUMENT_EXTRACTED.name)
    real = assemble.ApplicationAssembler._complete

    async def complete(self, state, info, events, *args):
        if any(e["document"]["filename"] == "Application.pdf" and "failure" not in e for e in events):
            raise ValueError("a bug that the application form's fields meet")
        return await real(self, state, info, events, *args)

    with monkeypatch.context() as patch:
        patch.setattr(assemble.ApplicationAssembler, "_complete", complete)
        await put(h, "assemble", DOCUMENT_EXTRACTED.name, statement_of(extracted) + [
            e for e in extracted if e not in statement_of(extracted)])
        [letter] = publisher.on(DLQ.name)
        assert (letter["stage"], letter["error_type"]) == ("assemble", "ValueError")
        await deliver_dead_letters(h, publisher)

    [record] = publisher.on(APPLICATION.name)
    assert record["status"] == "failed"
    assert [(d["filename"], d["status"]) for d in record["documents"]] == [
        ("Application.pdf", "invalid"), ("Statement.pdf", "read"),
    ]


async def test_an_extractor_bug_caught_by_extract_fails_its_document_and_the_application_like_mca_extract(
    tmp_path, monkeypatch
):
    h, publisher = failing_harness(tmp_path)
    raw = email(application_and_statement(merchant_files()))
    real = extraction.extract_document

    def extract_document(document, **kwargs):
        if "statement" in " ".join(w.text for page in document.pages for w in page.words).lower():
            raise IndexError("a statement layout the extractor did not expect")
        return real(document, **kwargs)

    monkeypatch.setattr(extraction, "extract_document", extract_document)
    read = (await stage_events(h.services, raw))[DOCUMENT_READ.name]
    await put(h, "extract", DOCUMENT_READ.name, read)
    await put(h, "assemble", DOCUMENT_EXTRACTED.name, publisher.on(DOCUMENT_EXTRACTED.name))

    assert publisher.on(DLQ.name) == []  # caught by the stage: a recorded outcome, not a dead letter
    [record] = publisher.on(APPLICATION.name)
    local = LocalRunner(InlineRuntime(), Limits())  # type: ignore[arg-type]
    expected = local.assemble(await local.read_email(raw))
    assert record["status"] == expected.status == "failed"
    assert [(d["filename"], d["reason"]) for d in record["documents"]] == [
        (d.filename, d.reason) for d in expected.documents
    ]
    assert ("Statement.pdf", "internal_error:extract:IndexError") in [
        (d.filename, d.reason) for d in expected.documents
    ]


async def test_a_redelivered_dead_letter_publishes_the_same_state_and_event_ids_again(tmp_path, monkeypatch):
    h, publisher = failing_harness(tmp_path)
    raw = email(application_and_statement(merchant_files()))
    read = (await stage_events(h.services, raw))[DOCUMENT_READ.name]
    extract_failing_on(monkeypatch, "Statement.pdf")
    await put(h, "extract", DOCUMENT_READ.name, read)
    await put(h, "assemble", DOCUMENT_EXTRACTED.name, publisher.on(DOCUMENT_EXTRACTED.name))
    await deliver_dead_letters(h, publisher, again=True)
    first, again = publisher.on(APPLICATION.name)
    assert first == again and first["version"] == 1
    ids = [e["event_id"] for e in publisher.on(APPLICATION_EVENT.name) if e["type"] == "application.failed"]
    assert len(ids) == 2 and len(set(ids)) == 1


async def test_the_document_read_after_a_fix_replaces_the_failure_at_the_next_version(tmp_path, monkeypatch):
    h, publisher = failing_harness(tmp_path)
    raw = email(application_and_statement(merchant_files()))
    read = (await stage_events(h.services, raw))[DOCUMENT_READ.name]
    with monkeypatch.context() as patch:
        extract_failing_on(patch, "Statement.pdf")
        await put(h, "extract", DOCUMENT_READ.name, read)
    await put(h, "assemble", DOCUMENT_EXTRACTED.name, publisher.on(DOCUMENT_EXTRACTED.name))
    await deliver_dead_letters(h, publisher)
    failed = publisher.on(APPLICATION.name)[-1]

    replayed = statement_of(read)
    before = len(publisher.on(DOCUMENT_EXTRACTED.name))
    await put(h, "extract", DOCUMENT_READ.name, replayed)  # the dead letter's original, redriven
    fixed = publisher.on(DOCUMENT_EXTRACTED.name)[before:]
    await put(h, "assemble", DOCUMENT_EXTRACTED.name, [*fixed, *fixed])

    undisturbed = (await stage_events(h.services, raw))[APPLICATION.name][-1]
    record = publisher.on(APPLICATION.name)[-1]
    assert (failed["status"], record["version"]) == ("failed", 2)
    assert record["status"] == undisturbed["status"] != "failed" and record["status_detail"] is None
    assert [d["status"] for d in record["documents"]] == ["read", "read"]
    latest = [e for e in publisher.on(APPLICATION_EVENT.name) if e["version"] == 2]
    transition = (f"application.{record['status']}", "failed")
    assert [(e["type"], e["previous_status"]) for e in latest] == [transition] * 2
    assert len({e["event_id"] for e in latest}) == 1  # the redelivered reading: the same event again


async def test_a_submission_split_fails_on_completes_as_failed_without_documents(tmp_path, monkeypatch):
    h, publisher = failing_harness(tmp_path)
    raw = email(application_and_statement(merchant_files()))

    def broken_split(raw, submission_id, limits):
        raise RecursionError("nested too deep")

    monkeypatch.setattr("streams.pipeline.split_submission", broken_split)
    await put(h, "split", EMAIL_RECEIVED.name, [email_event(raw, h.services)])
    assert publisher.on(DOCUMENT_RECEIVED.name) == []
    await deliver_dead_letters(h, publisher)
    [record] = publisher.on(APPLICATION.name)
    assert (record["status"], record["documents"]) == ("failed", [])
    assert record["application_id"] == pipeline.submission_from_email(raw).application_id
    assert record["status_detail"] == "internal_error: split failed on the submission (RecursionError)"
    assert [e["type"] for e in publisher.on(APPLICATION_EVENT.name)] == [
        "application.received",
        "application.failed",
    ]


async def test_a_failure_arriving_after_the_document_was_read_changes_nothing(tmp_path, monkeypatch):
    h, publisher = failing_harness(tmp_path)
    raw = email(application_and_statement(merchant_files()))
    read = (await stage_events(h.services, raw))[DOCUMENT_READ.name]
    await put(h, "extract", DOCUMENT_READ.name, read)
    await put(h, "assemble", DOCUMENT_EXTRACTED.name, publisher.on(DOCUMENT_EXTRACTED.name))
    with monkeypatch.context() as patch:  # a redelivery of an already extracted document fails
        extract_failing_on(patch, "Statement.pdf")
        await put(h, "extract", DOCUMENT_READ.name, statement_of(read))
    await deliver_dead_letters(h, publisher)
    [record] = publisher.on(APPLICATION.name)
    assert record["status"] != "failed" and record["version"] == 1
