"""The topic plan: what `mca topics apply` would change, decided without Kafka."""

from __future__ import annotations

from infra.topic_admin import TopicState, desired_topics, plan_topic_changes
from infra.topics import ALL_TOPICS, APPLICATION, EMAIL_RECEIVED, topic_config

WANTED = TopicState("orders", 6, 3, {"cleanup.policy": "delete", "retention.ms": "1000"})


def test_missing_topic_is_created_with_partitions_replication_and_config() -> None:
    [change] = plan_topic_changes([WANTED], {})

    assert change.action == "create"
    assert (change.topic, change.partitions, change.replication_factor) == ("orders", 6, 3)
    assert dict(change.config) == {"cleanup.policy": "delete", "retention.ms": "1000"}


def test_topic_that_matches_the_map_needs_no_change_even_with_extra_broker_configs() -> None:
    existing = TopicState("orders", 6, 3, {"cleanup.policy": "delete", "retention.ms": "1000",
                                           "segment.bytes": "1073741824"})

    assert plan_topic_changes([WANTED], {"orders": existing}) == []


def test_drifted_configs_are_altered_and_only_the_drifted_keys_are_set() -> None:
    existing = TopicState("orders", 6, 3, {"cleanup.policy": "delete", "retention.ms": "5"})

    [change] = plan_topic_changes([WANTED], {"orders": existing})

    assert change.action == "alter_config"
    assert dict(change.config) == {"retention.ms": "1000"}
    assert "retention.ms: 5 -> 1000" in change.detail


def test_a_config_missing_on_the_cluster_counts_as_drift() -> None:
    existing = TopicState("orders", 6, 3, {"cleanup.policy": "delete"})

    [change] = plan_topic_changes([WANTED], {"orders": existing})

    assert dict(change.config) == {"retention.ms": "1000"}


def test_partitions_grow_to_the_number_in_the_map() -> None:
    existing = TopicState("orders", 2, 3, dict(WANTED.config))

    [change] = plan_topic_changes([WANTED], {"orders": existing})

    assert (change.action, change.partitions) == ("add_partitions", 6)


def test_more_partitions_than_the_map_is_reported_never_shrunk() -> None:
    existing = TopicState("orders", 12, 3, dict(WANTED.config))

    [change] = plan_topic_changes([WANTED], {"orders": existing})

    assert change.action == "report"
    assert "cannot shrink" in change.detail


def test_a_different_replication_factor_is_reported_not_applied() -> None:
    existing = TopicState("orders", 6, 1, dict(WANTED.config))

    [change] = plan_topic_changes([WANTED], {"orders": existing})

    assert change.action == "report"
    assert "replication 1, wanted 3" in change.detail


def test_config_drift_and_partition_growth_are_planned_together() -> None:
    existing = TopicState("orders", 3, 3, {"cleanup.policy": "compact", "retention.ms": "1000"})

    actions = [c.action for c in plan_topic_changes([WANTED], {"orders": existing})]

    assert actions == ["alter_config", "add_partitions"]


def test_topics_outside_the_map_are_left_alone() -> None:
    stranger = TopicState("someone-elses", 1, 1, {"retention.ms": "1"})

    assert plan_topic_changes([WANTED], {"orders": WANTED, "someone-elses": stranger}) == []


def test_planning_the_applied_map_again_changes_nothing() -> None:
    desired = desired_topics(ALL_TOPICS, replication_factor=3, min_insync_replicas=2)
    created = {c.topic: TopicState(c.topic, c.partitions, c.replication_factor, c.config)
               for c in plan_topic_changes(desired, {})}

    assert len(created) == len(ALL_TOPICS)
    assert plan_topic_changes(desired, created) == []


def test_desired_topics_carry_replication_settings_and_the_map_configs() -> None:
    by_name = {t.name: t for t in desired_topics(ALL_TOPICS, replication_factor=3, min_insync_replicas=2)}

    email = by_name[EMAIL_RECEIVED.name]
    assert (email.partitions, email.replication_factor) == (EMAIL_RECEIVED.partitions, 3)
    assert email.config["min.insync.replicas"] == "2"
    assert by_name[APPLICATION.name].config == topic_config(APPLICATION, min_insync_replicas=2)
