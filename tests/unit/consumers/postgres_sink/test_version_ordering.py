"""Which operation of a batch decides an application's state: newest version, tombstones in order."""

from __future__ import annotations

import copy

from consumers.postgres_sink.commands import sink_config
from consumers.postgres_sink.mapping import project_application
from consumers.postgres_sink.runner import SinkConfig, sink_consumer_settings
from consumers.postgres_sink.writer import Removal, coalesce
from infra.settings import Settings
from schemas.examples import example_value


def version(number: int, application_id: str = "a" * 64, status: str = "processed"):
    value = copy.deepcopy(example_value("mca.application"))
    value.update(application_id=application_id, version=number, status=status)
    return project_application(value)


def test_the_newest_version_wins_whatever_the_arrival_order():
    for order in ([1, 2, 3], [3, 1, 2], [2, 3, 3, 1]):
        [winner] = coalesce([version(n) for n in order])
        assert winner.version == 3


def test_a_redelivered_version_is_one_operation():
    assert coalesce([version(2), version(2)]) == [version(2)]


def test_applications_are_coalesced_independently_in_order_of_first_appearance():
    a, b = "a" * 64, "b" * 64
    result = coalesce([version(1, b), version(5, a), version(2, b), version(4, a)])
    assert [(op.application_id, op.version) for op in result] == [(b, 2), (a, 5)]


def test_a_tombstone_removes_what_came_before_and_a_later_version_starts_afresh():
    assert coalesce([version(3), Removal("a" * 64)]) == [Removal("a" * 64)]
    [after] = coalesce([version(3), Removal("a" * 64), version(1)])
    assert after.version == 1


def test_the_consumer_never_auto_commits_and_starts_from_the_beginning():
    settings = sink_consumer_settings({"bootstrap.servers": "k:9092"}, SinkConfig(group_id="g1"))
    assert settings["enable.auto.commit"] is False and settings["enable.auto.offset.store"] is False
    assert settings["auto.offset.reset"] == "earliest" and settings["group.id"] == "g1"
    assert settings["bootstrap.servers"] == "k:9092"


def test_sink_config_takes_settings_and_command_line_overrides():
    settings = Settings(postgres_sink_batch_size=7, postgres_sink_batch_max_seconds=0.2,
                        postgres_sink_group_id="from-settings")
    config = sink_config(settings, topic="t", group=None, dlq_topic="d")
    assert (config.topic, config.group_id, config.dlq_topic, config.batch_size, config.batch_max_seconds) == (
        "t", "from-settings", "d", 7, 0.2)
    assert sink_config(settings, topic="t", group="cli", dlq_topic="d").group_id == "cli"
