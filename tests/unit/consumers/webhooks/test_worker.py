"""When a delivery task is due, and the sender's refusal of forbidden targets without connecting."""

from __future__ import annotations

from datetime import UTC, datetime

from consumers.webhooks.sender import SenderConfig, WebhookSender
from consumers.webhooks.worker import seconds_until_due


def test_a_task_without_next_attempt_time_is_due_now():
    assert seconds_until_due({"next_attempt_at": None}, 1_000.0) == 0.0


def test_a_retry_task_waits_until_its_next_attempt_time():
    due = datetime.fromtimestamp(1_030.5, UTC)
    assert seconds_until_due({"next_attempt_at": due}, 1_000.0) == 30.5
    assert seconds_until_due({"next_attempt_at": 1_030_500}, 1_000.0) == 30.5
    assert seconds_until_due({"next_attempt_at": due}, 1_031.0) < 0


def test_the_sender_refuses_a_private_target_without_connecting():
    def resolve(host: str, port: int) -> list[str]:
        return ["10.0.0.7"]

    sender = WebhookSender(SenderConfig(), resolve=resolve)
    try:
        result = sender.post("https://internal.example/hook", "{}", {})
    finally:
        sender.close()
    assert result.status_code is None
    assert result.error is not None and result.error.startswith("refused:")
