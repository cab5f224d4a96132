"""Retry routing, backoff with full jitter, dead-lettering, disabling, and the replay plan."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from consumers.webhooks.policy import (
    ATTEMPTS_EXHAUSTED,
    ENDPOINT_DISABLED,
    ENDPOINT_GONE,
    EndpointHealth,
    RecordedAttempt,
    RetryPolicy,
    decide,
    disabled_endpoint_decision,
    is_success,
    plan_attempt,
    replayed_decision,
)

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
POLICY = RetryPolicy(retry_topics=("r1m", "r10m", "r1h"), dlq_topic="dlq", max_attempts=8,
                     disable_after_failures=3, disable_after=timedelta(days=3))


HEALTHY = EndpointHealth()


def attempt(n: int, status: int | None, health: EndpointHealth = HEALTHY):
    return decide(attempt=n, status_code=status, health=health, policy=POLICY, now=NOW, rng=random.Random(n))


def test_backoff_ceiling_doubles_from_the_first_tier_and_stops_at_the_last():
    assert [POLICY.ceiling(n) for n in range(1, 9)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_each_retry_waits_on_the_first_tier_that_covers_its_ceiling():
    assert [POLICY.retry_topic(n) for n in range(1, 9)] == ["r1m", "r10m", "r10m", "r10m",
                                                            "r1h", "r1h", "r1h", "r1h"]


def test_full_jitter_spreads_waits_between_zero_and_the_ceiling():
    rng = random.Random(7)
    waits = [POLICY.backoff(3, rng).total_seconds() for _ in range(2000)]
    assert min(waits) >= 0 and max(waits) <= 240
    assert min(waits) < 24 and max(waits) > 216  # the whole range is used, not a fixed delay
    assert 100 < sum(waits) / len(waits) < 140


def test_tiers_in_seconds_give_a_test_sized_schedule():
    fast = RetryPolicy(retry_topics=("a", "b", "c"), dlq_topic="d", tier_seconds=(0.5, 1.0, 2.0))
    assert [fast.ceiling(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 2.0]
    assert [fast.retry_topic(n) for n in (1, 2, 3)] == ["a", "b", "c"]


@pytest.mark.parametrize("tiers", [(60.0, 600.0), (600.0, 60.0, 3600.0), (0.0, 1.0, 2.0)])
def test_a_policy_needs_one_ascending_positive_tier_per_retry_topic(tiers):
    with pytest.raises(ValueError):
        RetryPolicy(retry_topics=("a", "b", "c"), dlq_topic="d", tier_seconds=tiers)


@pytest.mark.parametrize("status", [200, 201, 202, 204, 299])
def test_any_2xx_is_delivered_and_resets_the_endpoint_counters(status):
    decision = attempt(3, status, EndpointHealth(2, NOW - timedelta(hours=1)))
    assert decision.outcome == "succeeded" and decision.topic is None
    assert decision.health == EndpointHealth(0, None)


@pytest.mark.parametrize("status", [None, 500, 503, 429, 408, 400, 404, 301, 302])
def test_timeouts_5xx_429_redirects_and_other_4xx_are_retried(status):
    decision = attempt(1, status)
    assert not is_success(status)
    assert (decision.outcome, decision.topic) == ("retrying", "r1m")
    assert NOW <= decision.next_attempt_at <= NOW + timedelta(seconds=60)
    assert decision.health == EndpointHealth(0, NOW)  # failing since now, no delivery lost yet


def test_410_gone_dead_letters_and_disables_at_once():
    decision = attempt(1, 410)
    assert (decision.outcome, decision.topic) == ("dead_lettered", "dlq")
    assert decision.dead_letter_reason == ENDPOINT_GONE
    assert decision.disable_reason and "410" in decision.disable_reason


def test_the_last_attempt_goes_to_the_dlq_and_counts_a_failed_delivery():
    decision = attempt(8, 503, EndpointHealth(0, NOW - timedelta(hours=2)))
    assert (decision.outcome, decision.topic, decision.dead_letter_reason) == ("dead_lettered", "dlq",
                                                                              ATTEMPTS_EXHAUSTED)
    assert decision.disable_reason is None
    assert decision.health == EndpointHealth(1, NOW - timedelta(hours=2))


def test_n_consecutive_failed_deliveries_disable_the_endpoint():
    decision = attempt(8, 503, EndpointHealth(2, NOW - timedelta(hours=5)))
    assert decision.dead_letter_reason == ATTEMPTS_EXHAUSTED
    assert decision.disable_reason == "3 consecutive deliveries failed"


def test_failing_longer_than_the_limit_disables_even_mid_retries():
    decision = attempt(2, 500, EndpointHealth(0, NOW - timedelta(days=3, seconds=1)))
    assert (decision.outcome, decision.dead_letter_reason) == ("dead_lettered", ENDPOINT_DISABLED)
    assert decision.disable_reason and decision.disable_reason.startswith("failing without success since")


def test_a_short_outage_does_not_disable():
    decision = attempt(2, 500, EndpointHealth(2, NOW - timedelta(hours=1)))
    assert decision.outcome == "retrying" and decision.disable_reason is None


def test_a_task_of_a_disabled_endpoint_goes_to_the_dlq_without_touching_counters():
    health = EndpointHealth(4, NOW)
    decision = disabled_endpoint_decision(POLICY, health)
    assert (decision.outcome, decision.topic, decision.dead_letter_reason) == ("dead_lettered", "dlq",
                                                                              ENDPOINT_DISABLED)
    assert decision.health == health and decision.disable_reason is None


def row(n: int, outcome: str, **extra) -> RecordedAttempt:
    return RecordedAttempt(attempt=n, outcome=outcome, **extra)


def test_a_new_task_is_sent_as_attempt_one():
    assert (plan_attempt([], 0).action, plan_attempt([], 0).attempt) == ("send", 1)


def test_a_retry_task_sends_the_next_attempt():
    plan = plan_attempt([row(1, "retrying"), row(2, "retrying")], 2)
    assert (plan.action, plan.attempt) == ("send", 3)


def test_a_delivery_logged_as_succeeded_is_never_sent_again():
    assert plan_attempt([row(1, "retrying"), row(2, "succeeded")], 1).action == "skip"
    assert plan_attempt([row(1, "succeeded")], 0).reason == "already delivered"


def test_a_task_read_again_after_its_attempt_was_logged_is_replayed_not_resent():
    logged = row(2, "retrying", next_attempt_at=NOW)
    plan = plan_attempt([row(1, "retrying"), logged], 1)
    assert (plan.action, plan.recorded) == ("replay", logged)
    decision = replayed_decision(logged, POLICY)
    assert (decision.outcome, decision.topic, decision.next_attempt_at) == ("retrying", "r10m", NOW)


def test_a_stale_copy_of_an_older_task_is_dropped():
    plan = plan_attempt([row(1, "retrying"), row(2, "retrying"), row(3, "retrying")], 1)
    assert (plan.action, plan.reason) == ("skip", "superseded by a later attempt")


def test_replaying_a_dead_lettered_attempt_names_why():
    assert replayed_decision(row(8, "dead_lettered"), POLICY).dead_letter_reason == ATTEMPTS_EXHAUSTED
    assert replayed_decision(row(2, "dead_lettered"), POLICY).dead_letter_reason == ENDPOINT_DISABLED
    assert replayed_decision(row(2, "succeeded"), POLICY).topic is None


def test_a_redelivery_of_a_dead_lettered_delivery_sends_again():
    # The API redelivers by publishing the task with attempt = the newest logged attempt.
    plan = plan_attempt([row(1, "retrying"), row(2, "dead_lettered")], 2)
    assert (plan.action, plan.attempt) == ("send", 3)
