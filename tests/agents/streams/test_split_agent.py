"""The split agent: an accepted email becomes one mca.document.received event per document, each
document's bytes stored in the object store (claim check), keyed by the application id."""

from __future__ import annotations

from infra.topics import DLQ, DOCUMENT_EXTRACTED, DOCUMENT_RECEIVED, EMAIL_RECEIVED
from schemas.ids import application_id
from streams.agents import split
from tests.unit.streams.edge_submissions import email, merchant_files
from tests.unit.streams.stage_chain import email_event

from .pipeline_support import harness


async def test_each_document_of_an_email_becomes_an_event_with_its_bytes_stored(tmp_path):
    h = harness(tmp_path)
    split.register(h.runtime)
    files = merchant_files()
    raw = email(
        [
            ("App.pdf", files.application, "application/pdf"),
            ("notes.txt", b"hi", "text/plain"),
            ("Statement.pdf", files.statement, "application/octet-stream"),
        ]
    )
    event = email_event(raw, h.services)
    async with h.agent("split").test_context() as ctx:
        await ctx.put(h.encode(EMAIL_RECEIVED.name, event), key=event["submission_id"].encode())
    published = h.publisher.on(DOCUMENT_RECEIVED.name)
    app_id = application_id(event["message_id"], event["submission_id"])
    assert {p.key for p in published} == {app_id.encode()}
    values = [p.value for p in published]
    assert [(v["document"]["index"], v["document"]["filename"], v["status"]) for v in values] == [
        (0, "App.pdf", None),
        (1, "notes.txt", "ignored"),
        (2, "Statement.pdf", None),
    ]
    assert {v["submission"]["document_count"] for v in values} == {3}
    assert h.services.store.get(values[0]["document"]["blob"]["uri"]) == files.application
    assert values[1]["document"]["blob"] is None and values[1]["reason"] == "unsupported_type"


async def test_an_email_without_documents_is_announced_straight_to_assemble(tmp_path):
    h = harness(tmp_path)
    split.register(h.runtime)
    event = email_event(email([]), h.services)
    async with h.agent("split").test_context() as ctx:
        await ctx.put(h.encode(EMAIL_RECEIVED.name, event))
    [announcement] = h.publisher.on(DOCUMENT_EXTRACTED.name)
    assert announcement.value["document"] is None
    assert (announcement.value["status"], announcement.value["reason"]) == ("ignored", "no_documents")
    assert announcement.value["submission"]["document_count"] == 0
    assert h.publisher.on(DOCUMENT_RECEIVED.name) == []


async def test_a_claim_check_pointing_nowhere_is_dead_lettered_and_the_stream_goes_on(tmp_path):
    h = harness(tmp_path)
    split.register(h.runtime)
    lost = email_event(email([], message_id="<lost@x.example>"), h.services)
    lost["raw"] = {**lost["raw"], "uri": lost["raw"]["uri"].replace("raw/", "raw/missing-")}
    good = email_event(email([], message_id="<good@x.example>"), h.services)
    async with h.agent("split").test_context() as ctx:
        await ctx.put(h.encode(EMAIL_RECEIVED.name, lost))
        await ctx.put(h.encode(EMAIL_RECEIVED.name, good))
    [letter] = h.publisher.on(DLQ.name)
    assert (letter.value["stage"], letter.value["error_type"]) == ("split", "ObjectNotFoundError")
    [announcement] = h.publisher.on(DOCUMENT_EXTRACTED.name)
    assert announcement.value["submission"]["submission_id"] == good["submission_id"]
