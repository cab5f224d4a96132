"""HTTP answers that several route modules give alike, so that the same outcome reads the same
everywhere: Kafka away (503) and a command accepted but not projected yet (202).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import HTTPException, status
from fastapi.responses import JSONResponse

from api.config import API_PREFIX
from api.models.commands import CommandAccepted
from infra.errors import TransientError


@contextmanager
def kafka_or_503() -> Iterator[None]:
    """Answer a TransientError of the block (Kafka or the registry away, nothing published) with 503."""
    try:
        yield
    except TransientError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail="Kafka is unavailable") from exc


def command_accepted(value: dict[str, Any]) -> JSONResponse:
    """202 for a published command `value` (api.services.commands.command): its CommandAccepted body,
    the application's URL to poll in Location, and the command id in X-Command-Id."""
    location = f"{API_PREFIX}/applications/{value['application_id']}"
    accepted = CommandAccepted(
        command_id=value["command_id"],
        application_id=value["application_id"],
        type=value["type"],
        expected_version=value["expected_version"],
        location=location,
    )
    return JSONResponse(
        accepted.model_dump(mode="json"),
        status_code=status.HTTP_202_ACCEPTED,
        headers={"X-Command-Id": value["command_id"], "Location": location},
    )
