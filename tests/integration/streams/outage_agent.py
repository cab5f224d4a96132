"""A stage agent for test_worker_command: copies email events to document events, and while the
file named by MCA_TEST_OUTAGE_FILE exists, fails events whose subject is "outage" transiently."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from infra.errors import TransientError
from infra.topics import DOCUMENT_RECEIVED, EMAIL_RECEIVED
from schemas.examples import example_value
from streams.agents.contracts import Output, RetryPolicy
from streams.agents.faust_agent import stage_agent
from streams.dlq import SourceMessage
from streams.runtime import StreamsRuntime


def register(runtime: StreamsRuntime) -> None:
    """Define the agent on topics renamed by MCA_TEST_TOPIC_NAMES (JSON)."""
    runtime.topic_names.update(json.loads(os.environ["MCA_TEST_TOPIC_NAMES"]))
    runtime.retry = RetryPolicy(attempts=2, first_wait_s=0.05, max_wait_s=0.1)
    outage = Path(os.environ["MCA_TEST_OUTAGE_FILE"])

    async def copy(value: dict[str, Any], source: SourceMessage) -> list[Output]:
        if value["subject"] == "outage" and outage.exists():
            raise TransientError("the object store is away")
        document = example_value(DOCUMENT_RECEIVED.name)
        document["detail"] = f"{value['subject']}@{source.offset}"
        return [Output(DOCUMENT_RECEIVED.name, key=None, value=document)]

    stage_agent(runtime, stage="outage", source=EMAIL_RECEIVED, handle=copy)
