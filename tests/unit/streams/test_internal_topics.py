"""Faust's own topics are known from the app before the worker starts, and requested as Faust would."""

from __future__ import annotations

from infra.settings import Settings
from streams.agents import parse_agent_names, register_agents
from streams.internal_topics import InternalTopic, internal_topics, new_topics
from streams.runtime import build_runtime


def test_the_pipeline_app_declares_its_changelogs_and_repartition_topics(tmp_path):
    runtime = build_runtime(Settings(home=tmp_path, cpu_pool_workers=1))
    try:
        register_agents(runtime, parse_agent_names(None), required=False)
        topics = {topic.name: topic for topic in internal_topics(runtime.app)}
    finally:
        runtime.close()
    app_id = runtime.app.conf.id
    changelog = f"{app_id}-applications-changelog"
    assert topics[changelog] == InternalTopic(changelog, 6, True)
    assert topics[f"{app_id}-merchants-by-ein-changelog"].partitions == 1
    assert topics[f"{app_id}-assemble-commands-repartition"] == InternalTopic(
        f"{app_id}-assemble-commands-repartition", 6, False)
    assert not [name for name in topics if name.startswith("mca.")]


def test_changelogs_are_compacted_and_repartition_topics_are_not():
    changelog, repartition = new_topics(
        [InternalTopic("a-t-changelog", 6, True), InternalTopic("a-r-repartition", 6, False)], 1)
    assert changelog.config == {"cleanup.policy": "compact"} and changelog.num_partitions == 6
    assert repartition.config == {} and repartition.replication_factor == 1
