"""`mca s3-sink`: the command is registered, checks its pattern, and maps registry failures."""

from __future__ import annotations

import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError
from typer.testing import CliRunner

from consumers.s3_sink.commands import build_sink, consumer_settings, registry_schema_fetcher
from infra.errors import SerializationError, TransientError
from infra.settings import Settings
from tests.unit.consumers.s3_sink.helpers import SCHEMA_TEXT


def test_the_command_is_part_of_the_mca_cli():
    from infra.cli import app

    result = CliRunner().invoke(app, ["s3-sink", "--help"])
    assert result.exit_code == 0, result.output
    assert "--pattern" in result.output


def test_an_unanchored_pattern_is_refused_before_anything_starts():
    from infra.cli import app

    result = CliRunner().invoke(app, ["s3-sink", "--pattern", "mca.*"])
    assert result.exit_code == 2
    assert "must start with" in result.output


def test_writer_schemas_are_fetched_by_id_from_the_registry():
    client = SchemaRegistryClient.new_client({"url": "mock://s3-sink-unit"})
    schema_id = client.register_schema("mca.application.event-value", Schema(SCHEMA_TEXT, "AVRO"))
    fetch = registry_schema_fetcher(client)
    assert fetch(schema_id) == client.get_schema(schema_id).schema_str


class FailingClient:
    def __init__(self, status: int) -> None:
        self.status = status

    def get_schema(self, schema_id):
        raise SchemaRegistryError(self.status, 40403 if self.status == 404 else -1, "failed")


@pytest.mark.parametrize(("status", "kind"), [(404, SerializationError), (503, TransientError),
                                              (429, TransientError), (422, SerializationError)])
def test_registry_failures_map_to_skip_or_retry(status, kind):
    with pytest.raises(kind):
        registry_schema_fetcher(FailingClient(status))(1)


def test_settings_give_the_group_limits_and_security(tmp_path):
    settings = Settings(
        home=tmp_path, s3_sink_group_id="archive", s3_sink_max_records=7, s3_sink_max_bytes=1000,
        s3_sink_max_age_seconds=2.5, kafka_security_protocol="SASL_SSL", kafka_sasl_mechanism="PLAIN",
        registry_url="mock://s3-sink-settings",
    )
    consumer = consumer_settings(settings, r"^mca\.dlq$")
    assert (consumer.group_id, consumer.pattern) == ("archive", r"^mca\.dlq$")
    assert consumer.security["security.protocol"] == "SASL_SSL"
    assert consumer.security["sasl.mechanism"] == "PLAIN"
    limits = build_sink(settings).batcher.limits
    assert (limits.max_records, limits.max_bytes, limits.max_age_seconds) == (7, 1000, 2.5)
