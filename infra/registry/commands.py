"""`mca registry serve` (also `python -m infra.registry serve`): run the project's schema registry.

Every option falls back to the settings; the settings are read only when an option is missing,
so a launcher passing them all needs no MCA_* environment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from typing import Annotated, TypeVar
from urllib.parse import urlsplit

import typer

from infra.settings import Settings, load_settings

V = TypeVar("V")

registry_app = typer.Typer(
    name="registry",
    help="The project's Confluent-compatible schema registry, stored in a compacted Kafka topic.",
    no_args_is_help=True,
    add_completion=False,
)

Host = Annotated[str | None, typer.Option(help="Interface to listen on (default: host of MCA_REGISTRY_URL)")]
Port = Annotated[int | None, typer.Option(help="Port to listen on (default: port of MCA_REGISTRY_URL)")]
Bootstrap = Annotated[str | None, typer.Option(help="Kafka bootstrap servers (default: MCA_KAFKA_BOOTSTRAP)")]
Topic = Annotated[str | None, typer.Option(help="Compacted topic of schemas (default: MCA_REGISTRY_TOPIC)")]
Replication = Annotated[
    int | None, typer.Option(help="Replication factor of a new topic (default: MCA_KAFKA_REPLICATION_FACTOR)")
]
Timeout = Annotated[
    int | None, typer.Option(help="Longest wait for a write, in ms (default: MCA_KAFKA_DELIVERY_TIMEOUT_MS)")
]


@registry_app.callback()
def registry_group() -> None:
    """Schema registry commands."""


@cache
def _settings() -> Settings:
    return load_settings()


def _or_setting(value: V | None, pick: Callable[[Settings], V]) -> V:
    return value if value is not None else pick(_settings())


@registry_app.command("serve")
def serve(
    host: Host = None,
    port: Port = None,
    bootstrap: Bootstrap = None,
    topic: Topic = None,
    replication_factor: Replication = None,
    delivery_timeout_ms: Timeout = None,
) -> None:
    """Serve the registry until interrupted (SIGINT or SIGTERM)."""
    import uvicorn

    from infra.registry.app import create_app
    from infra.registry.store import KafkaSchemaLog

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    log = KafkaSchemaLog(
        _or_setting(bootstrap, lambda s: s.kafka_bootstrap),
        _or_setting(topic, lambda s: s.registry_topic),
        _or_setting(replication_factor, lambda s: s.kafka_replication_factor),
        timeout_s=_or_setting(delivery_timeout_ms, lambda s: s.kafka_delivery_timeout_ms) / 1000,
    )
    uvicorn.run(
        create_app(log),
        host=_or_setting(host, lambda s: urlsplit(s.registry_url).hostname or "127.0.0.1"),
        port=_or_setting(port, lambda s: urlsplit(s.registry_url).port or 8081),
        log_level="info",
        access_log=False,
    )
