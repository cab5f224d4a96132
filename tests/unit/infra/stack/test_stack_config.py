"""Pure parts of the local stack: broker properties, tool command lines, masking, addresses."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.stack.kafka import KafkaCluster, broker_properties, new_cluster_id
from infra.stack.process import split_host_port
from infra.stack.services import mask_url
from infra.stack.tools import tool_argv, tool_name


def test_three_node_properties_form_a_quorum_of_three_with_replicated_internal_topics() -> None:
    props = broker_properties(1, nodes=3, host="127.0.0.1", broker_port=9092, controller_port=9095,
                              data_dir=Path("/data/node-1"))

    assert props["controller.quorum.voters"] == "0@127.0.0.1:9095,1@127.0.0.1:9096,2@127.0.0.1:9097"
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:9093,CONTROLLER://127.0.0.1:9096"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:9093"
    assert props["offsets.topic.replication.factor"] == "3"
    assert props["transaction.state.log.min.isr"] == "2"
    assert props["log.dirs"] == "/data/node-1"


def test_single_node_properties_keep_internal_topics_at_replication_one() -> None:
    props = broker_properties(0, nodes=1, host="127.0.0.1", broker_port=9092, controller_port=9093,
                              data_dir=Path("/d"))

    assert props["offsets.topic.replication.factor"] == "1"
    assert props["transaction.state.log.min.isr"] == "1"
    assert props["group.initial.rebalance.delay.ms"] == "0"
    assert props["auto.create.topics.enable"] == "false"


def test_controller_ports_default_past_the_broker_ports() -> None:
    cluster = KafkaCluster(Path("/tmp/x"), nodes=3, broker_port=9092)

    assert cluster.controller_port == 9095
    assert cluster.bootstrap_servers == "127.0.0.1:9092,127.0.0.1:9093,127.0.0.1:9094"


def test_overlapping_broker_and_controller_ports_are_refused() -> None:
    with pytest.raises(ValueError, match="overlap"):
        KafkaCluster(Path("/tmp/x"), nodes=3, broker_port=9092, controller_port=9093)


def test_cluster_ids_look_like_the_ones_kafka_storage_makes() -> None:
    cluster_id = new_cluster_id()

    assert len(cluster_id) == 22
    assert "=" not in cluster_id


def test_tools_are_found_by_script_name_with_or_without_prefix_and_suffix() -> None:
    assert tool_name("kafka-topics") == tool_name("kafka-topics.sh") == tool_name("topics") == "kafka-topics"
    with pytest.raises(KeyError):
        tool_name("rm")


def test_tool_command_runs_the_tool_main_class_with_the_given_arguments() -> None:
    argv = tool_argv("kafka-console-consumer", ["--topic", "t"], classpath="/a.jar:/b.jar")

    assert Path(argv[0]).name == "java"
    assert argv[argv.index("-cp") + 1] == "/a.jar:/b.jar"
    assert argv[-3:] == ["org.apache.kafka.tools.consumer.ConsoleConsumer", "--topic", "t"]


@pytest.mark.parametrize(("url", "masked"), [
    ("postgresql+psycopg://mca:s3cret@127.0.0.1:5432/mca", "postgresql+psycopg://mca:***@127.0.0.1:5432/mca"),
    ("http://user:pw@registry:8081", "http://user:***@registry:8081"),
    ("http://127.0.0.1:8081", "http://127.0.0.1:8081"),
    ("sqlite:////tmp/mca.db", "sqlite:////tmp/mca.db"),
])
def test_passwords_never_show_in_addresses(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_bootstrap_addresses_split_into_host_and_port() -> None:
    assert split_host_port("127.0.0.1:19092,127.0.0.1:19093", 9092) == ("127.0.0.1", 19092)
    assert split_host_port("kafka", 9092) == ("kafka", 9092)
