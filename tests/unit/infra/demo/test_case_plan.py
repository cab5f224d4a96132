"""The case plan mixes outcomes, and the outcome rules apply in case order with the README's precedence."""

from __future__ import annotations

import random

from infra.demo.case_plan import DEPENDENT, EDGE_OUTCOMES, plan_cases
from infra.demo.truth import CaseFacts, OutcomeRules


def test_small_sets_are_clean_deals() -> None:
    assert [c.kind for c in plan_cases(2, random.Random(1))] == ["normal", "normal"]
    assert plan_cases(0, random.Random(1)) == []


def test_from_eight_cases_a_resend_and_another_isos_copy_follow_a_clean_deal() -> None:
    for seed in range(20):
        plan = plan_cases(8, random.Random(seed))
        kinds = [c.kind for c in plan]
        assert "duplicate" in kinds and "other_iso" in kinds
        for case in plan:
            if case.kind in DEPENDENT:
                assert case.source is not None and case.source < case.index
                assert plan[case.source].kind == "normal"


def test_a_large_set_holds_every_edge_kind_and_mostly_clean_deals() -> None:
    plan = plan_cases(40, random.Random(3))
    assert {c.kind for c in plan} >= set(EDGE_OUTCOMES)
    assert sum(c.kind == "normal" for c in plan) >= 20


def test_another_isos_copy_and_a_same_iso_resubmission_never_repeat_the_same_deal() -> None:
    for seed in range(100):
        plan = plan_cases(16, random.Random(seed))
        copy = next(c for c in plan if c.kind == "other_iso")
        again = next(c for c in plan if c.kind == "same_iso_resubmission")
        assert copy.source != again.source


def _facts(**kw: object) -> CaseFacts:
    base = dict(
        message_id="<a@x>",
        sender_domain="iso-one.com",
        attachment_count=4,
        has_invalid=False,
        application_read=True,
        statements_read=3,
        unreconciled=False,
        ein="12-3456789",
    )
    base.update(kw)
    return CaseFacts(**base)  # type: ignore[arg-type]


def test_outcome_rules_follow_the_readme_in_case_order() -> None:
    rules = OutcomeRules()
    assert rules.decide(_facts()) == "processed"
    assert rules.decide(_facts(sender_domain="iso-two.com", has_invalid=True)) == "duplicate"
    assert rules.decide(_facts(message_id="<c@x>")) == "processed"  # same ISO again: a warning only
    assert rules.decide(_facts(message_id="<b@x>", sender_domain="iso-two.com")) == "review_required"
    assert rules.decide(_facts(message_id="<d@x>", attachment_count=0, ein=None)) == "rejected"
    assert (
        rules.decide(
            _facts(message_id="<e@x>", application_read=False, statements_read=0, ein=None, has_invalid=True)
        )
        == "rejected"
    )
    assert rules.decide(_facts(message_id="<f@x>", ein="98-7654321", unreconciled=True)) == "review_required"
    assert rules.decide(_facts(message_id="<g@x>", ein=None, application_read=False)) == "review_required"
    assert rules.decide(_facts(message_id="<h@x>", ein="98-7654322", statements_read=0)) == "review_required"
