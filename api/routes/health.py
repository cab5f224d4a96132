"""Health: the process (/health), the database (/health/db) and Kafka (/health/kafka); no auth.

The database check is a plain `def` (threadpool); the Kafka check runs the blocking metadata call
in a worker thread with a bounded timeout. A component that does not answer gives 503.
"""

from __future__ import annotations

import asyncio
import time

from confluent_kafka import KafkaException
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api.deps import ResourcesDep
from infra.database import mask_url

router = APIRouter(prefix="/health", tags=["health"])
KAFKA_TIMEOUT_SECONDS = 3.0


class Health(BaseModel):
    """Whether a component answers, how fast, and what it said."""

    status: str
    component: str
    latency_ms: int | None = None
    detail: str | None = None


def _answer(health: Health) -> JSONResponse:
    return JSONResponse(health.model_dump(), status_code=200 if health.status == "ok" else 503)


@router.get("", response_model=Health, summary="The API process answers")
async def health() -> Health:
    """Always ok while the process serves requests."""
    return Health(status="ok", component="api")


@router.get("/db", response_model=Health, responses={503: {"model": Health}}, summary="The database answers")
def health_db(resources: ResourcesDep) -> JSONResponse:
    """ok when `SELECT 1` succeeds."""
    started = time.monotonic()
    try:
        with resources.database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or type(exc).__name__).splitlines()[0]
        return _answer(Health(status="unavailable", component="database", detail=mask_url(reason)))
    latency = round((time.monotonic() - started) * 1000)
    return _answer(
        Health(
            status="ok",
            component="database",
            latency_ms=latency,
            detail=resources.database.engine.dialect.name,
        )
    )


@router.get("/kafka", response_model=Health, responses={503: {"model": Health}}, summary="Kafka answers")
async def health_kafka(resources: ResourcesDep) -> JSONResponse:
    """ok when the cluster returns its metadata within a few seconds."""
    started = time.monotonic()
    try:
        metadata = await asyncio.to_thread(resources.kafka_admin.list_topics, timeout=KAFKA_TIMEOUT_SECONDS)
    except KafkaException as exc:
        return _answer(
            Health(status="unavailable", component="kafka", detail=str(exc.args[0] if exc.args else exc))
        )
    latency = round((time.monotonic() - started) * 1000)
    return _answer(
        Health(
            status="ok", component="kafka", latency_ms=latency, detail=f"{len(metadata.brokers)} broker(s)"
        )
    )
