"""Commands applied to an application's state: corrections, discards, review decisions, reprocessing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from schemas.examples import example_value
from schemas.ids import event_id
from schemas.pii import decrypt_field
from streams.stages.commands import apply_command, new_state, reassemble
from tests.unit.streams.stages.commands_support import RING, SSN_CORRECTED, command, finding

NOW = dt.datetime(2025, 3, 5, 9, 0, tzinfo=dt.UTC)


def base(status: str = "review_required", reasons: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An assembled application at version 1, without human input."""
    record = example_value("mca.application")
    record.update(
        version=1,
        status=status,
        corrections=[],
        review=None,
        review_reasons=reasons if reasons is not None else [finding("statements_missing")],
    )
    return record


def test_a_correction_sets_the_field_records_who_and_why_and_makes_the_next_version():
    state = new_state(base())
    result = apply_command(state, command("correct_field", field="merchant.ein", value="98-7654321"), now=NOW)
    assert result.outcome == "applied" and result.record is not None and result.event is not None
    record = result.record
    assert (record["version"], record["merchant"]["ein"], record["updated_at"]) == (2, "98-7654321", NOW)
    [correction] = record["corrections"]
    assert correction["path"] == "merchant.ein" and correction["actor"] == "user:7"
    assert correction["reason"] == "per phone call" and correction["value"] == "98-7654321"
    [provenance] = [f for f in record["fields"] if f["path"] == "merchant.ein"]
    assert (provenance["source"], provenance["confidence"], provenance["document_id"]) == (
        "corrected",
        1.0,
        None,
    )
    event = result.event
    assert event["type"] == "application.corrected" and event["version"] == 2
    assert event["event_id"] == event_id(record["application_id"], "application.corrected", 2)
    assert event["corrected_fields"] == ["merchant.ein"] and event["actor"] == "user:7"
    assert "98-7654321" not in str(event)


def test_a_stale_command_changes_nothing():
    state = new_state(base())
    stale = apply_command(
        state, command("correct_field", field="merchant.ein", value="1", expected=7), now=NOW
    )
    assert stale.outcome == "stale" and stale.record is None and stale.event is None
    assert stale.state == state and "version 7" in stale.detail


def test_a_pii_correction_arrives_encrypted_and_stays_encrypted():
    state = new_state(base())
    result = apply_command(
        state, command("correct_field", field="owners[0].ssn", value=SSN_CORRECTED), now=NOW
    )
    assert result.record is not None and result.event is not None
    ssn = result.record["owners"][0]["ssn"]
    assert ssn == SSN_CORRECTED and decrypt_field(RING, ssn, field="owners[0].ssn") == "987-65-4321"
    assert result.record["corrections"][0]["value"] == SSN_CORRECTED
    assert "987-65-4321" not in str(result.event)


def test_a_second_correction_of_a_field_replaces_the_first():
    state = new_state(base())
    first = apply_command(
        state, command("correct_field", field="funding.amount_requested", value=Decimal("75000.00")), now=NOW
    )
    second = apply_command(
        first.state,
        command("correct_field", field="funding.amount_requested", value=Decimal("80000.00"), expected=2),
        now=NOW,
    )
    assert second.record is not None
    assert second.record["funding"]["amount_requested"] == Decimal("80000.00")
    assert [c["value"] for c in second.record["corrections"]] == [Decimal("80000.00")]


def test_a_correction_of_a_field_the_record_does_not_have_is_refused():
    state = new_state(base())
    state["current"]["voided_check"] = state["base"]["voided_check"] = None
    result = apply_command(
        state, command("correct_field", field="voided_check.bank_name", value="X"), now=NOW
    )
    assert result.outcome == "refused" and result.state == state
    beyond = apply_command(state, command("correct_field", field="owners[3].name", value="X"), now=NOW)
    assert beyond.outcome == "refused"


def test_discarding_a_correction_brings_the_extracted_value_back():
    state = new_state(base())
    extracted = state["base"]["merchant"]["ein"]
    corrected = apply_command(
        state, command("correct_field", field="merchant.ein", value="98-7654321"), now=NOW
    )
    discarded = apply_command(
        corrected.state, command("discard_correction", field="merchant.ein", expected=2), now=NOW
    )
    assert discarded.outcome == "applied" and discarded.record is not None and discarded.event is not None
    assert discarded.record["merchant"]["ein"] == extracted and discarded.record["corrections"] == []
    assert discarded.record["version"] == 3 and discarded.event["type"] == "application.corrected"
    assert [f["source"] for f in discarded.record["fields"] if f["path"] == "merchant.ein"] == ["extracted"]


def test_discarding_a_field_nobody_corrected_is_refused():
    result = apply_command(new_state(base()), command("discard_correction", field="merchant.ein"), now=NOW)
    assert result.outcome == "refused"


def test_a_correction_that_resolves_every_review_reason_moves_the_application_to_processed():
    reasons = [finding("required_field_missing", "merchant.ein"), finding("low_confidence", "owner.ssn")]
    state = new_state(base(reasons=reasons))
    ein = apply_command(state, command("correct_field", field="merchant.ein", value="12-3456789"), now=NOW)
    assert ein.record is not None and ein.record["status"] == "review_required"
    assert [r["field"] for r in ein.record["review_reasons"]] == ["owner.ssn"]
    ssn = apply_command(
        ein.state, command("correct_field", field="owners[0].ssn", value=SSN_CORRECTED, expected=2), now=NOW
    )
    assert ssn.record is not None and ssn.event is not None
    assert (ssn.record["status"], ssn.record["review_reasons"]) == ("processed", [])
    assert (ssn.event["type"], ssn.event["status"], ssn.event["previous_status"]) == (
        "application.corrected",
        "processed",
        "review_required",
    )


def test_reasons_a_correction_cannot_resolve_still_need_a_reviewer():
    reasons = [finding("invalid_value", "merchant.ein"), finding("balances_do_not_reconcile")]
    state = new_state(base(reasons=reasons))
    result = apply_command(state, command("correct_field", field="merchant.ein", value="12-3456789"), now=NOW)
    assert result.record is not None and result.record["status"] == "review_required"
    assert [r["code"] for r in result.record["review_reasons"]] == ["balances_do_not_reconcile"]


def test_ownership_over_100_percent_is_resolved_once_the_corrected_shares_add_up():
    state = new_state(base(reasons=[finding("invalid_value", "owners.ownership_pct")]))
    state["base"]["owners"][0]["ownership_pct"] = Decimal("120.00")
    result = apply_command(
        state, command("correct_field", field="owners[0].ownership_pct", value=Decimal("100.00")), now=NOW
    )
    assert result.record is not None and result.record["status"] == "processed"


def test_approving_processes_and_rejecting_rejects_with_the_sign_off_recorded():
    state = new_state(base())
    approved = apply_command(state, command("review", decision="approve", reason="looks good"), now=NOW)
    assert approved.record is not None and approved.event is not None
    assert approved.record["status"] == "processed" and approved.record["review_reasons"] == []
    assert approved.record["review"] == {
        "decision": "approve",
        "actor": "user:7",
        "note": "looks good",
        "at": approved.record["review"]["at"],
    }
    assert approved.event["type"] == "application.reviewed" and approved.event["previous_status"] == (
        "review_required"
    )
    rejected = apply_command(approved.state, command("review", decision="reject", expected=2), now=NOW)
    assert rejected.record is not None and rejected.record["status"] == "rejected"
    assert rejected.event is not None and rejected.event["event_id"] == event_id(
        rejected.record["application_id"], "application.reviewed", 3
    )


def test_a_reprocessed_application_keeps_the_human_corrections_at_a_higher_version():
    state = new_state(base())
    corrected = apply_command(
        state, command("correct_field", field="merchant.ein", value="98-7654321"), now=NOW
    )
    reviewed = apply_command(corrected.state, command("review", decision="approve", expected=2), now=NOW)
    reread = base(status="processed", reasons=[])
    reread.update(extractor_version="9.9.9")
    reread["merchant"]["legal_name"] = "Example Bakery Holdings LLC"
    after, record, event = reassemble(reviewed.state, reread, now=NOW)
    assert (record["version"], record["extractor_version"]) == (4, "9.9.9")
    assert record["merchant"]["legal_name"] == "Example Bakery Holdings LLC"
    assert record["merchant"]["ein"] == "98-7654321" and len(record["corrections"]) == 1
    assert record["review"] is None
    assert (event["type"], event["version"], event["previous_status"]) == (
        "application.processed",
        4,
        "processed",
    )
    assert after["current"] == record and after["base"]["merchant"]["ein"] == reread["merchant"]["ein"]


def test_a_correction_the_reprocessed_reading_has_no_place_for_is_dropped():
    state = new_state(base())
    corrected = apply_command(
        state, command("correct_field", field="owners[0].name", value="Pat E."), now=NOW
    )
    reread = base()
    reread["owners"] = []
    _, record, _ = reassemble(corrected.state, reread, now=NOW)
    assert record["corrections"] == [] and record["owners"] == []
