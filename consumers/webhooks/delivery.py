"""Handling one delivery task: look at the log, attempt (or replay a logged attempt), log it, route on.

Order of effects, chosen for crash safety: POST, then log the attempt with the endpoint's counters
(one transaction), then publish the task to its next topic (acknowledged), and only then does the
worker commit the task's offset. A crash anywhere re-reads the task, and the log tells what was done:
- succeeded: nothing more is sent (a crash between the 2xx and the log sends once more, with the
  same webhook-id and body; receivers deduplicate on webhook-id);
- the attempt is logged but the routing may not have happened: it is routed again from the log
  (at worst a second copy of the retry task, which `plan_attempt` drops as superseded later on).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from consumers.webhooks.kafka_io import Outgoing, TaskPublisher
from consumers.webhooks.payload import after_attempt
from consumers.webhooks.policy import (
    Decision,
    RetryPolicy,
    decide,
    disabled_endpoint_decision,
    plan_attempt,
    replayed_decision,
)
from consumers.webhooks.sender import AttemptResult, WebhookSender
from consumers.webhooks.signing import SigningSecretError, signature_headers
from consumers.webhooks.store import AttemptAlreadyLoggedError, Endpoint, EndpointMissingError, WebhookStore

logger = logging.getLogger(__name__)

DLQ_REASON_HEADER = "mca-dlq-reason"
NOT_SENT = "endpoint disabled: not sent"


class DeliveryHandler:
    """`handle(task)` for one `mca.webhook.delivery` value; returns what happened (for logs and tests):
    succeeded, retrying, dead_lettered, skipped or endpoint_missing.

    Raises TransientError (Kafka) or SQLAlchemy errors (database) for the worker to retry."""

    def __init__(
        self,
        *,
        store: WebhookStore,
        sender: WebhookSender,
        publisher: TaskPublisher,
        policy: RetryPolicy,
        rng: random.Random | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._sender = sender
        self._publisher = publisher
        self._policy = policy
        self._rng = rng or random.Random()
        self._now = now

    def handle(self, task: Mapping[str, Any]) -> str:
        """Attempt, replay or skip `task` (see the module doc)."""
        delivery = task["delivery_id"]
        endpoint = self._store.endpoint(task["endpoint_id"])
        if endpoint is None:
            logger.warning("delivery %s: endpoint %s does not exist; dropped", delivery, task["endpoint_id"])
            return "endpoint_missing"
        plan = plan_attempt(self._store.history(delivery), int(task["attempt"]))
        if plan.action == "skip":
            logger.info("delivery %s attempt %d skipped: %s", delivery, plan.attempt, plan.reason)
            return "skipped"
        if plan.recorded is not None:
            decision = replayed_decision(plan.recorded, self._policy)
            if decision is None:
                return "skipped"
            recorded = plan.recorded
            routed = after_attempt(task, attempt=recorded.attempt,
                                   attempted_at=recorded.attempted_at or self._now(),
                                   status_code=recorded.status_code, error=recorded.error,
                                   latency_ms=recorded.latency_ms, next_attempt_at=recorded.next_attempt_at)
        else:
            try:
                decision, routed = self._attempt(task, endpoint, plan.attempt)
            except EndpointMissingError:
                logger.warning("delivery %s: endpoint %s was deleted; dropped", delivery, task["endpoint_id"])
                return "endpoint_missing"
            except AttemptAlreadyLoggedError:  # another worker got there first: follow the log
                return self.handle(task)
        self._route(routed, decision)
        return decision.outcome

    def _attempt(self, task: Mapping[str, Any], endpoint: Endpoint, attempt: int) -> tuple[Decision, dict]:
        started = self._now()
        if not endpoint.enabled:
            decision = self._store.record(
                task, attempt=attempt, attempted_at=started, error=NOT_SENT,
                decide=lambda health: disabled_endpoint_decision(self._policy, health),
            )
            result = AttemptResult(None, 0, error=NOT_SENT)
        else:
            result = self._send(task, endpoint, attempt, started)
            finished = self._now()

            def decide_now(health: Any) -> Decision:
                return decide(attempt=attempt, status_code=result.status_code, health=health,
                              policy=self._policy, now=finished, rng=self._rng)

            decision = self._store.record(
                task, attempt=attempt, attempted_at=started, decide=decide_now,
                status_code=result.status_code, latency_ms=result.latency_ms,
                response_excerpt=result.response_excerpt, error=result.error,
            )
            if decision.disable_reason:
                logger.warning("endpoint %s disabled: %s", endpoint.id, decision.disable_reason)
        routed = after_attempt(task, attempt=attempt, attempted_at=started, status_code=result.status_code,
                               error=result.error, latency_ms=result.latency_ms,
                               next_attempt_at=decision.next_attempt_at)
        return decision, routed

    def _send(self, task: Mapping[str, Any], endpoint: Endpoint, attempt: int, at: datetime) -> AttemptResult:
        try:
            secrets = endpoint.signing_secrets(at)
            headers = signature_headers(task["delivery_id"], task["payload"], secrets, at)
        except SigningSecretError as exc:
            return AttemptResult(None, 0, error=f"not sent: {exc}")
        result = self._sender.post(endpoint.url, task["payload"], headers,
                                   allow_private=endpoint.allow_private_addresses)
        logger.info("delivery %s attempt %d to endpoint %s: %s in %d ms", task["delivery_id"], attempt,
                    endpoint.id, result.status_code or result.error, result.latency_ms)
        return result

    def _route(self, routed: dict[str, Any], decision: Decision) -> None:
        if decision.topic is None:
            return
        headers: tuple[tuple[str, bytes], ...] = ()
        if decision.outcome == "dead_lettered" and decision.dead_letter_reason:
            reason = decision.dead_letter_reason
            headers = ((DLQ_REASON_HEADER, reason.encode()),)
            last = routed.get("last_error")
            routed = {**routed, "last_error": f"{reason}: {last}" if last else reason}
            logger.warning("delivery %s dead-lettered (%s)", routed["delivery_id"], reason)
        self._publisher.publish([Outgoing(decision.topic, str(routed["endpoint_id"]), routed, headers)])
