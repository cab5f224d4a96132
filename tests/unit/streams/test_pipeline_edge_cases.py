"""Every bad or edge kind that samples/README.md names reaches its outcome without a crash, on the
path `mca extract` and the Faust agents share (streams/pipeline.py)."""

from __future__ import annotations

import pytest

from streams.local_run import LocalRunner
from streams.stages.application_json import application_to_json
from streams.stages.limits import Limits

from .edge_submissions import application_and_statement, email, merchant_files, spoilt
from .stage_chain import InlineRuntime


async def extract(*raws: bytes) -> list[dict]:
    runner = LocalRunner(InlineRuntime(), Limits())  # type: ignore[arg-type]
    return [application_to_json(runner.assemble(await runner.read_email(raw))) for raw in raws]


def third_document(kind: str) -> bytes:
    files = merchant_files()
    return email(
        [*application_and_statement(files), spoilt(kind, files)], message_id=f"<{kind}@first-iso.example>"
    )


@pytest.mark.parametrize(
    "kind, reason",
    [
        ("truncated", "corrupt"),
        ("password_protected", "encrypted"),
        ("zero_byte", "empty"),
        ("html_as_pdf", "wrong_type"),
        ("decompression_bomb", "too_large"),
    ],
)
async def test_an_unreadable_attachment_is_an_invalid_document_and_sends_the_application_to_review(
    kind, reason
):
    [app] = await extract(third_document(kind))
    good, statement, bad = app["documents"]
    assert (bad["doc_type"], bad["status"], bad["reason"], bad["pages"]) == ("invalid", "invalid", reason, 0)
    assert (good["doc_type"], statement["doc_type"]) == ("iso_application", "bank_statement")
    assert app["status"] == "review_required"
    assert "invalid_document" in app["review_reasons"]


async def test_a_pdf_with_only_an_owner_password_opens_with_the_empty_password_and_is_read():
    [app] = await extract(third_document("owner_password_only"))
    restricted = app["documents"][2]
    assert (restricted["doc_type"], restricted["status"], restricted["pages"]) == (
        "bank_statement",
        "read",
        4,
    )
    assert "invalid_document" not in app["review_reasons"]


async def test_a_300_page_irrelevant_document_is_other_and_does_not_by_itself_need_review():
    [app] = await extract(third_document("three_hundred_pages"))
    lease = app["documents"][2]
    assert (lease["doc_type"], lease["status"], lease["pages"]) == ("other", "read", 300)
    assert "invalid_document" not in app["review_reasons"]


async def test_an_email_without_attachments_is_rejected():
    [app] = await extract(email([]))
    assert (app["status"], app["documents"]) == ("rejected", [])


async def test_a_resend_is_a_duplicate_of_the_original():
    attachments = application_and_statement(merchant_files())
    original, resend = await extract(email(attachments), email(attachments, resent=True))
    assert resend["status"] == "duplicate"
    assert resend["duplicate_of"] == original["application_id"]
    assert [d["doc_type"] for d in resend["documents"]] == ["iso_application", "bank_statement"]


async def test_another_iso_brokers_copy_of_the_same_merchant_needs_review():
    attachments = application_and_statement(merchant_files())
    first = email(attachments, message_id="<a@first-iso.example>")
    copy = email(attachments, sender="rep@second-iso.example", message_id="<b@second-iso.example>")
    _, other = await extract(first, copy)
    assert other["merchant"]["ein"] == merchant_files().ein
    assert other["status"] == "review_required"
    assert "ein_seen_from_other_iso" in other["review_reasons"]
