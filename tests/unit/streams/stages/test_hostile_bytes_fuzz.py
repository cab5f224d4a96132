"""Bounded fuzzing of the code that first meets a broker's bytes: an email or a document that is
random, truncated, bit-flipped or spliced from two others is parsed, split, planned and rendered
into a recorded outcome by the code that reads it, never an exception (the stages' catch-alls are a
last safety net, not the way hostile input is handled).

Examples are derandomized and bounded, so CI runs the same cases every time in a few seconds."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.parse import parse_email
from streams.stages.limits import Limits
from streams.stages.reading import UnreadableDocument, plan_document, prepare_page
from streams.stages.split import split_email
from tests.unit.streams.edge_submissions import (
    application_and_statement,
    email,
    fillable_application,
    merchant_files,
    scanned_statement,
)

BOUNDED = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
LIMITS = Limits()
STATUSES = {"read", "invalid", "ignored"}


def _seed_documents() -> list[bytes]:
    files = merchant_files()
    return [files.application, files.statement, fillable_application(), scanned_statement()]


def _seed_emails() -> list[bytes]:
    return [email(application_and_statement(merchant_files()))]


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """One of `seeds` damaged the ways transfers and hostile senders damage files."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, max(len(data) - 1, 0)))
        change = draw(st.sampled_from(["truncate", "flip", "garbage", "delete", "splice"]))
        if change == "truncate":
            del data[where:]
        elif change == "flip" and data:
            data[where] ^= 1 << draw(st.integers(0, 7))
        elif change == "garbage":
            data[where:where] = draw(st.binary(min_size=1, max_size=64))
        elif change == "delete":
            del data[where : where + draw(st.integers(1, 4096))]
        else:
            other = draw(st.sampled_from(seeds))
            cut = draw(st.integers(0, len(other)))
            data[where:] = other[cut:]
    return bytes(data)


hostile_documents = st.one_of(st.binary(max_size=2048), mutated(_seed_documents()))
hostile_emails = st.one_of(st.binary(max_size=2048), mutated(_seed_emails()))


@BOUNDED
@given(hostile_emails)
def test_any_bytes_parse_into_an_email_with_its_defects_listed(raw: bytes) -> None:
    parsed = parse_email(raw, envelope_sender="broker@iso.example")
    assert isinstance(parsed.defects, list)
    assert all(attachment.sha256 for attachment in parsed.attachments)


@BOUNDED
@given(hostile_emails)
def test_any_bytes_split_into_documents_and_recorded_ignored_parts(raw: bytes) -> None:
    result = split_email(raw, LIMITS)
    for ignored in result.ignored:
        assert ignored.reason


@BOUNDED
@given(hostile_documents)
def test_any_document_bytes_get_a_plan_with_a_status_and_a_reason_when_refused(data: bytes) -> None:
    plan = plan_document(data, filename="statement.pdf", content_type="application/pdf", limits=LIMITS)
    assert plan.status in STATUSES
    assert (plan.status == "read") == (plan.reason is None)
    if plan.status == "read":
        assert 0 < len(plan.pages) <= plan.page_count


@BOUNDED
@given(mutated(_seed_documents()))
def test_a_damaged_pdf_that_plans_as_readable_renders_or_is_refused_with_a_reason(data: bytes) -> None:
    plan = plan_document(data, filename="application.pdf", content_type="application/pdf", limits=LIMITS)
    if plan.status != "read" or plan.kind is None:
        return
    try:
        prepare_page(data, plan.pages[0], kind=plan.kind, limits=LIMITS)
    except UnreadableDocument as refusal:
        assert refusal.reason
