"""The assemble agents: pages are collected per document in a table; extracted documents are
collected per application in a table and, once a submission is complete, assembled into its state
on mca.application and its transitions on mca.application.event, each under a deterministic id."""

from __future__ import annotations

import random

from infra.topics import APPLICATION, APPLICATION_EVENT, DOCUMENT_EXTRACTED, DOCUMENT_READ, PAGE_READ
from schemas.ids import event_id
from streams.agents import assemble
from tests.unit.streams.edge_submissions import application_and_statement, email, merchant_files

from .pipeline_support import harness, stage_events


async def test_the_pages_of_a_document_are_collected_in_any_order_into_one_document_read(tmp_path):
    h = harness(tmp_path)
    assemble.register(h.runtime)
    pages = (
        await stage_events(h.services, email([("S.pdf", merchant_files().statement, "application/pdf")]))
    )[PAGE_READ.name]
    shuffled = random.Random(3).sample(pages, len(pages))
    async with h.agent("assemble-pages").test_context() as ctx:
        for value in [*shuffled, shuffled[0]]:
            await ctx.put(h.encode(PAGE_READ.name, value))
    [document] = h.publisher.on(DOCUMENT_READ.name)
    assert [p["page_number"] for p in document.value["pages"]] == [1, 2, 3, 4]
    assert document.value["page_count"] == 4 and document.value["status"] is None


async def test_a_reprocess_reading_collects_the_pages_afresh_and_an_older_reading_changes_nothing(tmp_path):
    h = harness(tmp_path)
    assemble.register(h.runtime)
    first = (
        await stage_events(h.services, email([("S.pdf", merchant_files().statement, "application/pdf")]))
    )[PAGE_READ.name]

    def reread(page: dict, reading: int) -> dict:
        return {**page, "submission": {**page["submission"], "reading": reading},
                "page": {**page["page"], "mean_confidence": 0.6 + reading / 100}}

    async with h.agent("assemble-pages").test_context() as ctx:
        for value in first:
            await ctx.put(h.encode(PAGE_READ.name, value))
        for value in reversed(first):  # the reprocess run's pages, read anew
            await ctx.put(h.encode(PAGE_READ.name, reread(value, 1)))
        await ctx.put(h.encode(PAGE_READ.name, first[-1]))  # a late page of the first reading

    before, after = (d.value for d in h.publisher.on(DOCUMENT_READ.name))
    assert before["submission"]["reading"] == 0 and after["submission"]["reading"] == 1
    assert {p["mean_confidence"] for p in after["pages"]} == {0.61}
    assert [p["page_number"] for p in after["pages"]] == [1, 2, 3, 4]


async def feed_extracted(h, raws: list[bytes], *, again: int = 0) -> None:
    events = []
    for raw in raws:
        events += (await stage_events(h.services, raw))[DOCUMENT_EXTRACTED.name]
    async with h.agent("assemble").test_context() as ctx:
        for value in [*events, *events[len(events) - again :]]:
            await ctx.put(h.encode(DOCUMENT_EXTRACTED.name, value))


async def test_a_complete_submission_becomes_an_application_and_its_events(tmp_path):
    h = harness(tmp_path)
    assemble.register(h.runtime)
    await feed_extracted(
        h, [email([*application_and_statement(merchant_files()), ("E.pdf", b"", "application/pdf")])]
    )
    [state] = h.publisher.on(APPLICATION.name)
    record = state.value
    assert state.key == record["application_id"].encode()
    assert (record["status"], record["version"]) == ("review_required", 1)
    assert [r["code"] for r in record["review_reasons"]][0] == "invalid_document"
    assert [d["doc_type"] for d in record["documents"]] == ["iso_application", "bank_statement", "invalid"]
    assert record["merchant"]["ein"] == merchant_files().ein
    assert record["owners"][0]["ssn"]["masked"].startswith("***-**-")
    events = [e.value for e in h.publisher.on(APPLICATION_EVENT.name)]
    assert [(e["type"], e["status"]) for e in events] == [
        ("application.received", None),
        ("application.review_required", "review_required"),
    ]
    assert events[1]["event_id"] == event_id(record["application_id"], "application.review_required", 1)


async def test_a_redelivered_document_publishes_the_same_state_and_event_ids_again(tmp_path):
    h = harness(tmp_path)
    assemble.register(h.runtime)
    await feed_extracted(h, [email(application_and_statement(merchant_files()))], again=1)
    first, again = h.publisher.on(APPLICATION.name)
    assert first.value == again.value
    ids = [e.value["event_id"] for e in h.publisher.on(APPLICATION_EVENT.name)]
    assert len(ids) == 3 and len(set(ids)) == 2 and ids[1] == ids[2]


async def test_a_resend_is_a_duplicate_of_its_own_and_the_original_stays_unchanged(tmp_path):
    h = harness(tmp_path)
    assemble.register(h.runtime)
    attachments = application_and_statement(merchant_files())
    await feed_extracted(h, [email(attachments), email(attachments, resent=True)])
    original, resend = (p.value for p in h.publisher.on(APPLICATION.name))
    assert original["status"] != "duplicate" and original["version"] == 1
    assert (resend["status"], resend["duplicate_of"]) == ("duplicate", original["application_id"])
    assert resend["application_id"] != original["application_id"]
    types = [
        e.value["type"]
        for e in h.publisher.on(APPLICATION_EVENT.name)
        if e.value["application_id"] == resend["application_id"]
    ]
    assert types == ["application.received", "application.duplicate"]


async def test_another_iso_brokers_copy_is_recognised_through_the_merchants_table(tmp_path):
    h = harness(tmp_path)
    assemble.register(h.runtime)
    attachments = application_and_statement(merchant_files())
    first = email(attachments, message_id="<a@first-iso.example>")
    copy = email(attachments, sender="rep@second-iso.example", message_id="<b@second-iso.example>")
    await feed_extracted(h, [first, copy])
    original, other = (p.value for p in h.publisher.on(APPLICATION.name))
    assert "ein_seen_from_other_iso" in [r["code"] for r in other["review_reasons"]]
    assert other["related_application_ids"] == [original["application_id"]]
