"""The extract agent: a read document is classified and every value published with its confidence,
page and box; SSNs, dates of birth, account and routing numbers only as ciphertext."""

from __future__ import annotations

import re

from infra.topics import DOCUMENT_EXTRACTED, DOCUMENT_READ
from schemas.pii import decrypt_field
from streams.agents import extract
from streams.wire.extraction import transactions_from_json
from tests.unit.streams.edge_submissions import email, merchant_files

from .pipeline_support import harness, stage_events


async def extract_documents(h, raw: bytes) -> list:
    extract.register(h.runtime)
    read = (await stage_events(h.services, raw))[DOCUMENT_READ.name]
    async with h.agent("extract").test_context() as ctx:
        for value in read:
            await ctx.put(h.encode(DOCUMENT_READ.name, value))
    return h.publisher.on(DOCUMENT_EXTRACTED.name)


async def test_an_application_form_is_classified_and_its_values_published_with_pii_encrypted(tmp_path):
    h = harness(tmp_path)
    [published] = await extract_documents(
        h, email([("App.pdf", merchant_files().application, "application/pdf")])
    )
    event = published.value
    assert (event["doc_type"], event["status"]) == ("iso_application", "read")
    fields = {f["path"]: f for f in event["fields"]}
    assert fields["merchant.ein"]["value"] == merchant_files().ein
    assert fields["merchant.ein"]["page"] == 1 and fields["merchant.ein"]["box"] is not None
    ssn = fields["owners[0].ssn"]["value"]
    assert re.fullmatch(r"\*\*\*-\*\*-\d{4}", ssn["masked"])
    clear = decrypt_field(h.services.ring, ssn, field="ssn")
    assert clear.encode() not in published.data and clear.replace("-", "").encode() not in published.data


async def test_a_statement_keeps_its_transactions_in_the_object_store(tmp_path):
    h = harness(tmp_path)
    [published] = await extract_documents(
        h, email([("Stmt.pdf", merchant_files().statement, "application/pdf")])
    )
    event = published.value
    assert event["doc_type"] == "bank_statement"
    rows = transactions_from_json(h.services.store.get(event["transactions"]["uri"]))
    count = next(f["value"] for f in event["fields"] if f["path"] == "bank_statement.deposit_count")
    assert count == sum(1 for row in rows if row.amount > 0)
    assert any(f["path"] == "bank_statement.reconciled" for f in event["fields"])


async def test_a_refused_document_keeps_its_status_and_reason(tmp_path):
    h = harness(tmp_path)
    [published] = await extract_documents(h, email([("Empty.pdf", b"", "application/pdf")]))
    event = published.value
    assert (event["doc_type"], event["status"], event["reason"], event["fields"]) == (
        "invalid",
        "invalid",
        "empty",
        [],
    )
