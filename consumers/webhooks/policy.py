"""What happens to a delivery after an attempt: done, retried later, dead-lettered, and whether its
endpoint gets disabled (pure functions; the clock and the random source are passed in).

Backoff: after failed attempt n the next one waits a uniformly random time between 0 and
min(last tier, first tier * 2**(n-1)) ("full jitter": retries of many deliveries spread out instead
of arriving together). The ceiling picks the retry topic: the first tier whose longest wait covers
it, so a task never queues behind one of a much longer tier (1m, 10m, 1h by default).

Failure: no answer (timeout, refused connection, forbidden address) or any status outside 2xx,
redirects included (they are never followed). 410 Gone ends the delivery and disables the endpoint
at once. Otherwise an endpoint is disabled once `disable_after_failures` consecutive deliveries used
all their attempts, or when it has been failing without a single success for `disable_after`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from consumers.webhooks.payload import iso_timestamp

Outcome = Literal["succeeded", "retrying", "dead_lettered"]
GONE = 410
ATTEMPTS_EXHAUSTED = "attempts_exhausted"
ENDPOINT_DISABLED = "endpoint_disabled"
ENDPOINT_GONE = "endpoint_gone"


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts, retry tiers (longest wait of each retry topic, ascending) and disabling thresholds."""

    retry_topics: tuple[str, ...]
    dlq_topic: str
    tier_seconds: tuple[float, ...] = (60.0, 600.0, 3600.0)
    max_attempts: int = 8
    disable_after_failures: int = 10
    disable_after: timedelta = timedelta(days=3)

    def __post_init__(self) -> None:
        if len(self.tier_seconds) != len(self.retry_topics) or not self.tier_seconds:
            raise ValueError("one tier delay per retry topic is needed")
        if any(b < a for a, b in zip(self.tier_seconds, self.tier_seconds[1:], strict=False)):
            raise ValueError("retry tiers must be ascending")
        if self.tier_seconds[0] <= 0 or self.max_attempts < 1 or self.disable_after_failures < 1:
            raise ValueError("tiers, attempts and the disable threshold must be positive")

    def ceiling(self, failed_attempts: int) -> float:
        """Longest wait (seconds) before the attempt after `failed_attempts` failures (>= 1)."""
        exponent = min(max(failed_attempts, 1) - 1, 62)  # beyond that the cap applies anyway
        return min(self.tier_seconds[-1], self.tier_seconds[0] * 2.0**exponent)

    def retry_topic(self, failed_attempts: int) -> str:
        """The retry topic the task waits on after `failed_attempts` failures."""
        ceiling = self.ceiling(failed_attempts)
        for topic, longest in zip(self.retry_topics, self.tier_seconds, strict=True):
            if ceiling <= longest:
                return topic
        return self.retry_topics[-1]

    def backoff(self, failed_attempts: int, rng: random.Random) -> timedelta:
        """A full-jitter wait: uniform between 0 and `ceiling(failed_attempts)`."""
        return timedelta(seconds=rng.uniform(0.0, self.ceiling(failed_attempts)))


@dataclass(frozen=True)
class EndpointHealth:
    """The endpoint's failure counters (columns consecutive_failures and failing_since)."""

    consecutive_failures: int = 0
    failing_since: datetime | None = None


@dataclass(frozen=True)
class Decision:
    """Where a delivery goes after an attempt, and the endpoint's counters afterwards.

    `topic` is the retry topic or the DLQ (None once succeeded); `disable_reason` is set when the
    endpoint must be disabled now; `dead_letter_reason` is attempts_exhausted, endpoint_disabled
    or endpoint_gone.
    """

    outcome: Outcome
    topic: str | None = None
    next_attempt_at: datetime | None = None
    dead_letter_reason: str | None = None
    disable_reason: str | None = None
    health: EndpointHealth = EndpointHealth()


def is_success(status_code: int | None) -> bool:
    """Whether an answer counts as delivered: any 2xx status."""
    return status_code is not None and 200 <= status_code < 300


def decide(
    *,
    attempt: int,
    status_code: int | None,
    health: EndpointHealth,
    policy: RetryPolicy,
    now: datetime,
    rng: random.Random,
) -> Decision:
    """The decision after attempt number `attempt` (1-based) answered `status_code` (None: no
    answer), given the endpoint's counters before it."""
    if is_success(status_code):
        return Decision("succeeded")
    failing_since = health.failing_since or now
    ended = EndpointHealth(health.consecutive_failures + 1, failing_since)
    if status_code == GONE:
        return Decision("dead_lettered", policy.dlq_topic, dead_letter_reason=ENDPOINT_GONE,
                        disable_reason="the endpoint answered 410 Gone", health=ended)
    exhausted = attempt >= policy.max_attempts
    disable_reason = None
    if exhausted and ended.consecutive_failures >= policy.disable_after_failures:
        disable_reason = f"{ended.consecutive_failures} consecutive deliveries failed"
    elif now - failing_since >= policy.disable_after:
        disable_reason = f"failing without success since {iso_timestamp(failing_since)}"
    if disable_reason or exhausted:
        reason = ATTEMPTS_EXHAUSTED if exhausted else ENDPOINT_DISABLED
        return Decision("dead_lettered", policy.dlq_topic, dead_letter_reason=reason,
                        disable_reason=disable_reason, health=ended)
    return Decision("retrying", policy.retry_topic(attempt), now + policy.backoff(attempt, rng),
                    health=EndpointHealth(health.consecutive_failures, failing_since))


def disabled_endpoint_decision(policy: RetryPolicy, health: EndpointHealth) -> Decision:
    """A task of an endpoint that is disabled: straight to the DLQ, counters unchanged."""
    return Decision("dead_lettered", policy.dlq_topic, dead_letter_reason=ENDPOINT_DISABLED, health=health)


@dataclass(frozen=True)
class RecordedAttempt:
    """One row of `webhook_deliveries`, as far as the decisions need it."""

    attempt: int
    outcome: str
    next_attempt_at: datetime | None = None
    status_code: int | None = None
    error: str | None = None
    latency_ms: int | None = None
    attempted_at: datetime | None = None


def replayed_decision(recorded: RecordedAttempt, policy: RetryPolicy) -> Decision | None:
    """The routing an already recorded attempt decided (a task read again after a crash), so it is
    routed without sending again; None for an outcome the workers never write."""
    if recorded.outcome == "succeeded":
        return Decision("succeeded")
    if recorded.outcome == "retrying":
        return Decision("retrying", policy.retry_topic(recorded.attempt), recorded.next_attempt_at)
    if recorded.outcome == "dead_lettered":
        exhausted = recorded.attempt >= policy.max_attempts
        reason = ATTEMPTS_EXHAUSTED if exhausted else ENDPOINT_DISABLED
        return Decision("dead_lettered", policy.dlq_topic, dead_letter_reason=reason)
    return None


@dataclass(frozen=True)
class Plan:
    """What to do with a task: `send` attempt number `attempt`, `replay` the `recorded` one, or `skip`."""

    action: Literal["send", "replay", "skip"]
    attempt: int
    recorded: RecordedAttempt | None = None
    reason: str = ""


def plan_attempt(history: Sequence[RecordedAttempt], task_attempt: int) -> Plan:
    """Decide from the delivery's logged attempts what a task that made `task_attempt` attempts does.

    A delivery that succeeded is never sent again; a task older than the newest logged attempt is a
    stale copy (a task re-published after a crash) and is dropped; a task whose next attempt is
    already logged is replayed from the log instead of sending again.
    """
    upcoming = task_attempt + 1
    if any(row.outcome == "succeeded" for row in history):
        return Plan("skip", upcoming, reason="already delivered")
    if max((row.attempt for row in history), default=0) > upcoming:
        return Plan("skip", upcoming, reason="superseded by a later attempt")
    for row in history:
        if row.attempt == upcoming:
            return Plan("replay", upcoming, recorded=row, reason="attempt already logged")
    return Plan("send", upcoming)
