"""`mca s3-sink`: archive every mca.* topic into Avro files in the object store (process edge)."""

from __future__ import annotations

import importlib
import logging
import signal
import threading
from collections.abc import Callable
from typing import Annotated

import typer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

from consumers.s3_sink.batching import BatchLimits
from consumers.s3_sink.container import WriterSchemas
from consumers.s3_sink.runner import DEFAULT_PATTERN, ConsumerSettings, run_sink, subscription
from consumers.s3_sink.sink import ArchiveSink
from infra.errors import ConfigurationError, SerializationError, TransientError
from infra.object_store import object_store_from_settings
from infra.settings import Settings, load_settings
from infra.topic_admin import admin_client_config

logger = logging.getLogger(__name__)

_RETRY_STATUS = frozenset({408, 425, 429})


def _transport_errors() -> tuple[type[Exception], ...]:
    found: list[type[Exception]] = []
    for name in ("httpx2", "httpx"):  # the registry client uses httpx2 when installed
        try:
            found.append(importlib.import_module(name).TransportError)
        except ImportError:
            continue
    return tuple(found)


def registry_schema_fetcher(client: SchemaRegistryClient) -> Callable[[int], str]:
    """`fetch(schema_id) -> schema text` over `client`: TransientError when the registry is away,
    SerializationError for an id it does not know (the record cannot be archived)."""
    transport = _transport_errors()

    def fetch(schema_id: int) -> str:
        try:
            return str(client.get_schema(schema_id).schema_str)
        except SchemaRegistryError as exc:
            if exc.http_status_code >= 500 or exc.http_status_code in _RETRY_STATUS:
                raise TransientError(f"schema registry unavailable: {exc}") from exc
            raise SerializationError(f"schema id {schema_id}: {exc}") from exc
        except transport as exc:
            raise TransientError(f"schema registry unreachable: {exc}") from exc

    return fetch


def consumer_settings(settings: Settings, pattern: str) -> ConsumerSettings:
    """The consumer's settings: brokers, security, group and pattern."""
    admin = admin_client_config(settings)
    security = {k: v for k, v in admin.items() if k.startswith(("security.", "sasl."))}
    return ConsumerSettings(settings.kafka_bootstrap, settings.s3_sink_group_id, pattern, security)


def build_sink(settings: Settings) -> ArchiveSink:
    """The ArchiveSink over the configured object store and registry, with the configured limits."""
    limits = BatchLimits(
        settings.s3_sink_max_records, settings.s3_sink_max_bytes, settings.s3_sink_max_age_seconds
    )
    fetch = registry_schema_fetcher(SchemaRegistryClient({"url": settings.registry_url}))
    return ArchiveSink(object_store_from_settings(settings), WriterSchemas(fetch), limits)


def s3_sink_command(
    pattern: Annotated[
        str, typer.Option(help="Regular expression (starting with ^) of the topics to archive.")
    ] = DEFAULT_PATTERN,
) -> None:
    """Archive every matching topic into Avro files `<topic>/<partition>/<first>-<last>.avro` in the
    object store until SIGINT or SIGTERM; every instance joins the same consumer group."""
    try:
        subscription(pattern)
    except ConfigurationError as exc:
        raise typer.BadParameter(str(exc), param_hint="--pattern") from exc
    settings = load_settings()
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        logger.info("signal %s: storing open batches and stopping", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    run_sink(consumer_settings(settings, pattern), build_sink(settings), stop)
