"""The API's clients, made at startup and closed at shutdown: database, key ring, registry, Kafka
producer and admin, object store, metrics.

Async routes reach the database only through `Database.run`, which runs the work in a worker
thread, and publish through `Publisher.publish`, which encodes in a worker thread (the registry
client does blocking HTTP on first use) and awaits Kafka's acknowledgement without blocking.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from confluent_kafka.admin import AdminClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from api.config import ApiConfig
from api.metrics import ApiMetrics
from api.services.principals import PrincipalCache
from infra.crypto import KeyRing
from infra.object_store import ObjectStore
from ingest.producer import EventProducer
from schemas.serde import AvroSerde

T = TypeVar("T")

# FastAPI runs up to 40 sync routes and dependencies at once; more connections than that never help.
DATABASE_POOL_SIZE = 10
DATABASE_CONNECTIONS = 40


class Database:
    """Sessions on one engine; `run` for async callers."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def session(self) -> Session:
        """A new session (the caller closes it)."""
        return self._sessions()

    async def run(self, work: Callable[[Session], T]) -> T:
        """`work(session)` in a worker thread with a session of its own, closed afterwards."""

        def call() -> T:
            with self._sessions() as session:
                return work(session)

        return await asyncio.to_thread(call)


class Publisher:
    """Publishes Avro events, awaiting Kafka's acknowledgement."""

    def __init__(self, producer: EventProducer, serde: AvroSerde) -> None:
        self._producer = producer
        self._serde = serde

    async def publish(self, *, schema_topic: str, topic: str, key: str, value: Mapping[str, Any]) -> None:
        """Encode `value` with `schema_topic`'s schema and publish it to `topic` under `key`.

        Raises TransientError (Kafka or the registry away) or SerializationError.
        """
        data = await asyncio.to_thread(self._serde.encode, schema_topic, value)
        await self._producer.publish(topic, key, data)

    def close(self) -> None:
        """Deliver what is in flight (bounded) and stop."""
        self._producer.close()


@dataclass
class ApiResources:
    """Every client the routes use; one per process."""

    config: ApiConfig
    database: Database
    ring: KeyRing
    publisher: Publisher
    store: ObjectStore
    kafka_admin: AdminClient
    metrics: ApiMetrics
    principals: PrincipalCache
