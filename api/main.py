"""The FastAPI application: `create_app(settings)` builds it; its lifespan opens and closes the clients.

Routes live under /api/v1, OpenAPI at /openapi.json with /docs and /redoc, Prometheus at /metrics.
The app reads the database and the object store and publishes commands to Kafka; it never runs a
pipeline stage. Clients are made when the app starts (not at import), in a worker thread, so even
a slow registry or database does not block the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from confluent_kafka.admin import AdminClient
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import func, select
from sqlalchemy.exc import DataError

from api.config import API_PREFIX, ApiConfig, ApiTopics, api_config
from api.lag import read_progress
from api.metrics import ApiMetrics, refresh_forever
from api.middleware import RequestMiddleware
from api.resources import DATABASE_CONNECTIONS, DATABASE_POOL_SIZE, ApiResources, Database, Publisher
from api.routes import applications, corrections, documents, health, reprocess, users, webhooks
from api.services.principals import PrincipalCache
from api.ui import mount_ui
from infra.database import make_engine
from infra.object_store import object_store_from_settings
from infra.settings import Settings, key_ring
from ingest.wiring import build_producer
from schemas.db.records import WebhookDelivery
from schemas.serde import AvroSerde

logger = logging.getLogger(__name__)

DESCRIPTION = """Underwriting data from merchant cash advance submissions.

Sign in with the OAuth2 password flow (`/api/v1/auth/token`, username = email) or send an API key
as `X-API-Key`. SSNs, dates of birth and account numbers are masked unless your role grants
`pii:read`; every PII read and every change is audited."""


def open_resources(settings: Settings, config: ApiConfig, metrics: ApiMetrics) -> ApiResources:
    """Every client of the app (blocking: call from a worker thread)."""
    engine = make_engine(
        config.database_url,
        pool_size=DATABASE_POOL_SIZE,
        max_overflow=DATABASE_CONNECTIONS - DATABASE_POOL_SIZE,
        pool_timeout=30,
    )
    admin_config: dict[str, Any] = {**config.kafka_admin, "logger": logging.getLogger("librdkafka")}
    return ApiResources(
        config=config,
        database=Database(engine),
        ring=key_ring(settings),
        publisher=Publisher(
            build_producer(settings, **{"client.id": "mca-api"}), AvroSerde(settings.registry_url)
        ),
        store=object_store_from_settings(settings),
        kafka_admin=AdminClient(admin_config),
        metrics=metrics,
        principals=PrincipalCache(config.auth_cache_seconds),
    )


def close_resources(resources: ApiResources) -> None:
    """Flush the producer (bounded) and close the database pool."""
    resources.publisher.close()
    resources.database.engine.dispose()


def webhook_outcomes(resources: ApiResources) -> dict[str, int]:
    """Logged delivery attempts by outcome (blocking)."""
    query = select(WebhookDelivery.outcome, func.count()).group_by(WebhookDelivery.outcome)
    with resources.database.session() as session:
        return {str(outcome): int(count) for outcome, count in session.execute(query)}


async def refuse_unstorable(request: Request, exc: Exception) -> JSONResponse:
    """A value the database cannot take or compare (a NUL character, an out-of-range number) is the
    caller's error: 422, without echoing the value (it may be personal data)."""
    logger.info(
        "%s %s: the database refused a value (%s)", request.method, request.url.path, type(exc).__name__
    )
    return JSONResponse(
        {"detail": "A value cannot be stored or searched (e.g. it contains a NUL character)"}, status_code=422
    )


def create_app(settings: Settings, *, topics: ApiTopics | None = None) -> FastAPI:
    """The API for `settings`; `topics` overrides where commands and delivery tasks are published."""
    config = api_config(settings, topics)
    metrics = ApiMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resources = await asyncio.to_thread(open_resources, settings, config, metrics)
        app.state.resources = resources
        refresher = asyncio.create_task(
            refresh_forever(
                metrics,
                read_kafka=lambda: read_progress(
                    resources.kafka_admin, config.consumer_groups, kafka_config=config.kafka_admin
                ),
                read_outcomes=lambda: webhook_outcomes(resources),
                every_seconds=config.metrics_refresh_seconds,
            )
        )
        logger.info(
            "API ready: database %s, topics %s", resources.database.engine.dialect.name, config.topics
        )
        try:
            yield
        finally:
            refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await refresher
            await asyncio.to_thread(close_resources, resources)

    app = FastAPI(
        title="MCA platform API",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url="/redoc",
        openapi_url="/openapi.json",
    )
    app.add_middleware(RequestMiddleware, metrics=metrics)
    for router in (
        health.router,
        users.auth_router,
        applications.router,
        corrections.router,
        reprocess.router,
        documents.router,
        webhooks.router,
        users.router,
    ):
        app.include_router(router, prefix=API_PREFIX)

    app.add_exception_handler(DataError, refuse_unstorable)
    mount_ui(app, settings)  # the web UI under /ui (api/ui)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus_metrics() -> Response:
        """Prometheus text exposition (cached readings; never waits on Kafka or the database)."""
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return app
