"""The Faust application: one app for every stage agent, built from Settings at the process edge.

Kafka semantics chosen here, and why:
- `at_least_once`: an agent acknowledges a message only after its output (or its dead letter) is
  acknowledged by Kafka (streams/agents/base.py), and Faust commits only acknowledged offsets, so
  a worker killed at any moment re-reads what it had not finished. Outputs carry deterministic ids,
  so the re-read's duplicates are recognisable downstream.
- Product topics are declared with raw bytes as key and value: events are decoded (Avro, through
  the registry) by the agent's wiring, where a value that does not decode becomes a dead letter
  with its original bytes. Faust's own decode-error path would acknowledge the message first and
  then crash the agent. Topics are created by `mca topics apply`, not by the workers.
- Short session and heartbeat timeouts: a dead worker's partitions move within seconds.
"""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faust
from faust.types import TopicT

from infra.settings import Settings
from infra.topics import ALL_TOPICS, TopicSpec

logger = logging.getLogger(__name__)

SUPPORTED_STORES = ("memory://", "rocksdb://")


@dataclass(frozen=True)
class StreamsConfig:
    """Everything the Faust app needs, as plain values."""

    app_id: str
    bootstrap: str
    store: str
    data_dir: Path
    session_timeout_s: float
    heartbeat_s: float
    rebalance_timeout_s: float
    commit_interval_s: float
    request_timeout_s: float
    replication_factor: int
    web_port: int | None = None
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = None


def streams_config(settings: Settings) -> StreamsConfig:
    """The streams part of `settings`."""
    password = settings.kafka_sasl_password
    return StreamsConfig(
        app_id=settings.streams_app_id,
        bootstrap=settings.kafka_bootstrap,
        store=settings.streams_store,
        data_dir=settings.home_dir / "streams",
        session_timeout_s=settings.streams_session_timeout_seconds,
        heartbeat_s=settings.streams_heartbeat_seconds,
        rebalance_timeout_s=settings.streams_rebalance_timeout_seconds,
        commit_interval_s=settings.streams_commit_interval_seconds,
        request_timeout_s=settings.kafka_delivery_timeout_ms / 1000,
        replication_factor=settings.kafka_replication_factor,
        web_port=settings.streams_web_port,
        security_protocol=settings.kafka_security_protocol,
        sasl_mechanism=settings.kafka_sasl_mechanism,
        sasl_username=settings.kafka_sasl_username,
        sasl_password=password.get_secret_value() if password is not None else None,
    )


def broker_urls(bootstrap: str) -> list[str]:
    """Faust broker URLs (`kafka://host:port`) for a Kafka bootstrap list (`host:port,host:port`)."""
    return [f"kafka://{server.strip()}" for server in bootstrap.split(",") if server.strip()]


def broker_credentials(config: StreamsConfig) -> faust.SASLCredentials | faust.SSLCredentials | None:
    """Faust credentials for the configured security protocol (None for PLAINTEXT)."""
    protocol = config.security_protocol.upper()
    if protocol == "PLAINTEXT":
        return None
    context = ssl.create_default_context() if protocol.endswith("SSL") else None
    if protocol.startswith("SASL"):
        return faust.SASLCredentials(
            username=config.sasl_username,
            password=config.sasl_password,
            mechanism=config.sasl_mechanism or "PLAIN",
            ssl_context=context,
        )
    return faust.SSLCredentials(context)


CONSUMER_METADATA_MAX_AGE_MS = 5_000


def faust_settings(config: StreamsConfig) -> dict[str, Any]:
    """The keyword arguments of `faust.App` for `config`; raises ValueError on an unsupported store."""
    if not config.store.startswith(SUPPORTED_STORES):
        raise ValueError(f"unsupported table store {config.store!r}; use one of {SUPPORTED_STORES}")
    web: dict[str, Any] = {"web_enabled": False}
    if config.web_port is not None:
        web = {"web_enabled": True, "web_port": config.web_port, "web_bind": "127.0.0.1"}
    return {
        "broker": broker_urls(config.bootstrap),
        "broker_credentials": broker_credentials(config),
        "store": config.store,
        "datadir": str(config.data_dir),
        "processing_guarantee": "at_least_once",
        "broker_session_timeout": config.session_timeout_s,
        "broker_heartbeat_interval": config.heartbeat_s,
        "broker_rebalance_timeout": config.rebalance_timeout_s,
        "broker_commit_interval": config.commit_interval_s,
        "broker_request_timeout": max(config.request_timeout_s, config.session_timeout_s + 5),
        "producer_request_timeout": config.request_timeout_s,
        "producer_acks": -1,
        "consumer_auto_offset_reset": "earliest",
        # Faust creates its changelog and repartition topics just before the consumer joins; when the
        # broker's metadata does not show them yet, the leader assigns without them and only notices
        # at the next metadata refresh (5 minutes by default), with tables and agents idle meanwhile.
        "consumer_metadata_max_age_ms": CONSUMER_METADATA_MAX_AGE_MS,
        "topic_replication_factor": config.replication_factor,
        "topic_partitions": 6,  # changelogs of tables co-partitioned with the 6-partition topics they read
        "key_serializer": "raw",
        "value_serializer": "raw",
        # Faust would otherwise replace the process's logging setup and stdout.
        "logging_config": None,
        "worker_redirect_stdouts": False,
        **web,
    }


def create_app(config: StreamsConfig, **overrides: Any) -> faust.App:
    """A Faust app for `config` (overrides win; tests pass e.g. store="memory://")."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    options = {**faust_settings(config), **overrides}
    app = faust.App(config.app_id, autodiscover=False, **options)
    logger.info("faust app %s for %s, store %s", config.app_id, config.bootstrap, options["store"])
    return app


def declare_topic(app: faust.App, spec: TopicSpec, *, name: str | None = None) -> TopicT:
    """`spec`'s topic as raw bytes (see the module docstring); `name` overrides the name (tests)."""
    return app.topic(
        name or spec.name,
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
        partitions=spec.partitions,
        internal=False,
    )


def declare_topics(app: faust.App, specs: tuple[TopicSpec, ...] = ALL_TOPICS) -> dict[str, TopicT]:
    """Every topic of the map (infra/topics.py), by name."""
    return {spec.name: declare_topic(app, spec) for spec in specs}
