"""The Faust app is configured from Settings: at-least-once, raw topics, short timeouts, web off."""

from __future__ import annotations

from pathlib import Path

import faust
import pytest

from infra.errors import ConfigurationError
from infra.settings import Settings
from infra.topics import DLQ, PAGE_READY
from streams.agents import STAGES, parse_agent_names
from streams.app import broker_urls, create_app, declare_topic, faust_settings, streams_config


def config(tmp_path: Path, **settings: object):
    return streams_config(Settings(home=tmp_path, kafka_bootstrap="k1:9092, k2:9092", **settings))


def test_the_app_processes_at_least_once_with_raw_serializers_and_short_timeouts(tmp_path):
    options = faust_settings(config(tmp_path, streams_session_timeout_seconds=8.0))
    assert options["broker"] == ["kafka://k1:9092", "kafka://k2:9092"]
    assert options["processing_guarantee"] == "at_least_once"
    assert options["producer_acks"] == -1
    assert (options["key_serializer"], options["value_serializer"]) == ("raw", "raw")
    assert options["broker_session_timeout"] == 8.0
    assert options["broker_heartbeat_interval"] < options["broker_session_timeout"]
    assert options["broker_request_timeout"] > options["broker_session_timeout"]
    assert options["producer_request_timeout"] == 30.0
    assert options["store"] == "memory://"
    assert options["web_enabled"] is False
    assert options["broker_credentials"] is None


def test_the_web_server_runs_only_on_a_configured_port(tmp_path):
    options = faust_settings(config(tmp_path, streams_web_port=6066))
    assert (options["web_enabled"], options["web_port"], options["web_bind"]) == (True, 6066, "127.0.0.1")


def test_an_unsupported_table_store_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unsupported table store"):
        faust_settings(config(tmp_path, streams_store="aerospike://"))


def test_sasl_settings_become_faust_credentials(tmp_path):
    options = faust_settings(config(tmp_path, kafka_security_protocol="SASL_SSL",
                                    kafka_sasl_mechanism="PLAIN", kafka_sasl_username="svc",
                                    kafka_sasl_password="pw"))
    credentials = options["broker_credentials"]
    assert isinstance(credentials, faust.SASLCredentials)
    assert (credentials.username, credentials.password) == ("svc", "pw")
    assert credentials.ssl_context is not None


def test_topics_of_the_map_are_declared_as_raw_bytes_with_their_partitions(tmp_path):
    app = create_app(config(tmp_path))
    topic = declare_topic(app, PAGE_READY)
    assert (topic.get_topic_name(), topic.partitions) == (PAGE_READY.name, PAGE_READY.partitions)
    assert (topic.key_serializer, topic.value_serializer) == ("raw", "raw")
    assert declare_topic(app, DLQ, name="dlq-test").get_topic_name() == "dlq-test"
    assert broker_urls(" a:1 ,, b:2") == ["kafka://a:1", "kafka://b:2"]


def test_agents_are_chosen_by_stage_name_or_module_path():
    assert parse_agent_names(None) == list(STAGES)
    assert parse_agent_names("render, ocr,render") == ["render", "ocr"]
    assert parse_agent_names("split,tests.demo_agents") == ["split", "tests.demo_agents"]
    with pytest.raises(ConfigurationError, match="unknown agent"):
        parse_agent_names("split,renderr")
