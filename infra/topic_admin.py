"""`mca topics apply | list`: bring the cluster's topics in line with the topic map (infra/topics.py).

The decision is pure (`plan_topic_changes`): desired and existing topics in, a list of changes out.
Applying creates missing topics, sets drifted configs with incremental alter configs (other
configs are left alone) and grows partitions. Shrinking partitions or changing the replication
factor needs a data migration, so those are only reported.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import typer
from confluent_kafka.admin import (
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    NewPartitions,
    NewTopic,
    ResourceType,
)
from rich.console import Console
from rich.table import Table

from infra.settings import Settings, load_settings
from infra.topics import ALL_TOPICS, TopicSpec, topic_config

logger = logging.getLogger(__name__)

topics_app = typer.Typer(help="Create or update the platform's Kafka topics from the topic map.",
                         no_args_is_help=True)


@dataclass(frozen=True)
class TopicState:
    """A topic as wanted (from the map) or as found on the cluster."""

    name: str
    partitions: int
    replication_factor: int
    config: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TopicChange:
    """One step of a plan. `report` steps are drift that apply cannot fix by itself."""

    topic: str
    action: Literal["create", "alter_config", "add_partitions", "report"]
    detail: str
    partitions: int = 0
    replication_factor: int = 0
    config: Mapping[str, str] = field(default_factory=dict)


def desired_topics(specs: Iterable[TopicSpec], *, replication_factor: int,
                   min_insync_replicas: int) -> list[TopicState]:
    """The topic map as wanted states for a cluster with the given replication settings."""
    return [TopicState(s.name, s.partitions, replication_factor,
                       topic_config(s, min_insync_replicas=min_insync_replicas)) for s in specs]


def plan_topic_changes(desired: Iterable[TopicState],
                       existing: Mapping[str, TopicState]) -> list[TopicChange]:
    """What to do so `existing` matches `desired` (empty when nothing differs). Topics not in
    `desired` are never touched; only the configs named by `desired` are compared."""
    changes: list[TopicChange] = []
    for want in desired:
        have = existing.get(want.name)
        if have is None:
            detail = f"create {want.partitions} partitions, replication {want.replication_factor}"
            changes.append(TopicChange(want.name, "create", detail, partitions=want.partitions,
                                       replication_factor=want.replication_factor, config=dict(want.config)))
            continue
        drift = {k: v for k, v in want.config.items() if have.config.get(k) != v}
        if drift:
            detail = ", ".join(f"{k}: {have.config.get(k)} -> {v}" for k, v in sorted(drift.items()))
            changes.append(TopicChange(want.name, "alter_config", detail, config=drift))
        if have.partitions < want.partitions:
            changes.append(TopicChange(want.name, "add_partitions",
                                       f"partitions: {have.partitions} -> {want.partitions}",
                                       partitions=want.partitions))
        elif have.partitions > want.partitions:
            changes.append(TopicChange(want.name, "report",
                                       f"has {have.partitions} partitions, map says {want.partitions} "
                                       "(partitions cannot shrink)"))
        if have.replication_factor != want.replication_factor:
            detail = (f"replication {have.replication_factor}, wanted {want.replication_factor} "
                      "(needs kafka-reassign-partitions)")
            changes.append(TopicChange(want.name, "report", detail))
    return changes


def admin_client_config(settings: Settings) -> dict[str, Any]:
    """AdminClient settings for the configured cluster (security included, short timeouts)."""
    config: dict[str, Any] = {
        "bootstrap.servers": settings.kafka_bootstrap,
        "security.protocol": settings.kafka_security_protocol,
        "socket.timeout.ms": 10_000,
    }
    if settings.kafka_sasl_mechanism:
        config["sasl.mechanism"] = settings.kafka_sasl_mechanism
        config["sasl.username"] = settings.kafka_sasl_username or ""
        config["sasl.password"] = (settings.kafka_sasl_password.get_secret_value()
                                   if settings.kafka_sasl_password else "")
    return config


def existing_topics(admin: AdminClient, names: Iterable[str], timeout: float = 15.0) -> dict[str, TopicState]:
    """Partitions, replication factor and configs of those of `names` that exist on the cluster."""
    metadata = admin.list_topics(timeout=timeout).topics
    present = [n for n in names if n in metadata and metadata[n].error is None]
    if not present:
        return {}
    futures = admin.describe_configs([ConfigResource(ResourceType.TOPIC, n) for n in present],
                                     request_timeout=timeout)
    configs = {res.name: {k: e.value for k, e in fut.result(timeout).items()} for res, fut in futures.items()}
    states = {}
    for name in present:
        partitions = metadata[name].partitions
        replicas = len(partitions[0].replicas) if partitions else 0
        states[name] = TopicState(name, len(partitions), replicas, configs.get(name, {}))
    return states


def apply_topic_changes(admin: AdminClient, changes: Iterable[TopicChange], timeout: float = 30.0) -> None:
    """Carry out create/alter_config/add_partitions steps (report steps are skipped); raises
    confluent_kafka.KafkaException on the first refused step."""
    changes = list(changes)
    creates = [NewTopic(c.topic, c.partitions, c.replication_factor, config=dict(c.config))
               for c in changes if c.action == "create"]
    alters = [ConfigResource(ResourceType.TOPIC, c.topic, incremental_configs=[
        ConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET) for k, v in c.config.items()])
        for c in changes if c.action == "alter_config"]
    grows = [NewPartitions(c.topic, c.partitions) for c in changes if c.action == "add_partitions"]
    if creates:
        for future in admin.create_topics(creates, request_timeout=timeout).values():
            future.result(timeout)
    if alters:
        for future in admin.incremental_alter_configs(alters, request_timeout=timeout).values():
            future.result(timeout)
    if grows:
        for future in admin.create_partitions(grows, request_timeout=timeout).values():
            future.result(timeout)


def apply_topic_map(settings: Settings, *, dry_run: bool = False) -> list[TopicChange]:
    """Plan (and unless dry_run, apply) the topic map against the configured cluster."""
    admin = AdminClient(admin_client_config(settings))
    desired = desired_topics(ALL_TOPICS, replication_factor=settings.kafka_replication_factor,
                             min_insync_replicas=settings.kafka_min_insync_replicas)
    changes = plan_topic_changes(desired, existing_topics(admin, [t.name for t in desired]))
    if not dry_run:
        apply_topic_changes(admin, changes)
    return changes


def print_changes(changes: list[TopicChange], console: Console, *, dry_run: bool = False) -> None:
    """One line per change, or a line saying the cluster already matches the map."""
    if not changes:
        console.print("topics: all match the topic map, nothing changed")
    for change in changes:
        verb = "would " + change.action if dry_run and change.action != "report" else change.action
        style = "yellow" if change.action == "report" else "green"
        console.print(f"[{style}]{verb}[/] {change.topic}: {change.detail}")


@topics_app.command("apply")
def apply_command(
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan, change nothing."),
) -> None:
    """Create missing topics, fix drifted configs and grow partitions; idempotent."""
    changes = apply_topic_map(load_settings(), dry_run=dry_run)
    print_changes(changes, Console(), dry_run=dry_run)


@topics_app.command("list")
def list_command() -> None:
    """The topic map beside what the cluster has."""
    settings = load_settings()
    admin = AdminClient(admin_client_config(settings))
    found = existing_topics(admin, [t.name for t in ALL_TOPICS])
    table = Table("topic", "partitions", "replication", "cleanup", "retention.ms", "key", "state")
    for spec in ALL_TOPICS:
        have = found.get(spec.name)
        table.add_row(spec.name, str(have.partitions if have else spec.partitions),
                      str(have.replication_factor if have else settings.kafka_replication_factor),
                      spec.cleanup_policy, str(spec.retention_ms), spec.key,
                      "present" if have else "[red]missing[/]")
    Console().print(table)
