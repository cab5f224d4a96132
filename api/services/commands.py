"""Commands about an application as `mca.application.correction` events, and the read-your-writes wait.

The API never changes an application itself: it publishes a command naming the version it was
made against, the assemble stage applies it (or refuses it as stale) and emits the next version,
and the postgres-sink projects that. `send_command` publishes a command and audits it;
`wait_for_version` then polls the projection, without blocking the event loop, until the version
moved past the expected one or the time is up.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from api.audit import RequestInfo, commit_with_audit
from api.resources import ApiResources, Database, Publisher
from api.security import Principal
from api.services.loading import current_version
from infra.topics import APPLICATION_CORRECTION

FIRST_POLL_SECONDS = 0.05
MAX_POLL_SECONDS = 0.5


def command(
    *,
    command_type: str,
    application_id: str,
    actor: str,
    expected_version: int | None,
    field: str | None = None,
    value: Any = None,
    document_id: str | None = None,
    decision: str | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """A fresh `mca.application.correction` value with a new command id (pure apart from the id)."""
    return {
        "command_id": str(uuid.uuid4()),
        "type": command_type,
        "application_id": application_id,
        "field": field,
        "value": value,
        "document_id": document_id,
        "decision": decision,
        "expected_version": expected_version,
        "actor": actor,
        "reason": reason,
        "at": now or datetime.now(UTC),
    }


async def publish_command(publisher: Publisher, *, topic: str, value: dict[str, Any]) -> None:
    """Publish a command keyed by its application (one partition per application keeps them in order);
    returns once Kafka acknowledged it. Raises TransientError when Kafka or the registry is away."""
    await publisher.publish(
        schema_topic=APPLICATION_CORRECTION.name, topic=topic, key=value["application_id"], value=value
    )


async def send_command(
    resources: ApiResources,
    *,
    principal: Principal,
    request: RequestInfo,
    value: dict[str, Any],
    action: str,
    detail: dict[str, Any],
) -> None:
    """Publish the command `value` (see `publish_command`), then audit it as `action` on its
    application, naming its command id besides `detail`. Raises TransientError when Kafka or the
    registry is away: then nothing was published and nothing is audited."""
    await publish_command(resources.publisher, topic=resources.config.topics.correction, value=value)

    def record(session: Session) -> None:
        commit_with_audit(session, principal=principal, request=request, action=action,
                          target=("application", value["application_id"]),
                          detail={"command_id": value["command_id"], **detail})

    await resources.database.run(record)


async def wait_for_version(
    database: Database, *, application_id: str, above: int, seconds: float
) -> int | None:
    """The projected version once it is greater than `above`, or None when `seconds` pass first.

    Polls with a growing interval (50 ms up to 500 ms); each read runs in a worker thread."""
    deadline = time.monotonic() + seconds
    interval = FIRST_POLL_SECONDS
    while True:
        version = await database.run(lambda session: current_version(session, application_id=application_id))
        if version is not None and version > above:
            return version
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        await asyncio.sleep(min(interval, remaining))
        interval = min(interval * 2, MAX_POLL_SECONDS)
