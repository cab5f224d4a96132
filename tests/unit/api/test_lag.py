"""Consumer lag and per-stage throughput are computed from committed and end offsets."""

from api.lag import stage_label, summarise


def test_lag_is_end_minus_committed_summed_per_topic_and_never_negative():
    committed = {("mca.page.ready", 0): 10, ("mca.page.ready", 1): 5, ("mca.page.read", 0): 7}
    ends = {("mca.page.ready", 0): 12, ("mca.page.ready", 1): 5, ("mca.page.read", 0): 3}
    progress = summarise("mca-streams", "streams", committed, ends)
    by_topic = {item.topic: item for item in progress}
    assert (by_topic["mca.page.ready"].committed, by_topic["mca.page.ready"].lag) == (15, 2)
    assert (by_topic["mca.page.read"].committed, by_topic["mca.page.read"].lag) == (7, 0)


def test_the_streams_group_is_split_into_its_stages_by_topic_and_other_groups_are_their_own_stage():
    assert stage_label("streams", "mca.page.ready") == "streams:ocr"
    assert stage_label("streams", "mca.document.extracted") == "streams:assemble"
    assert stage_label("streams", "mca-streams-changelog") == "streams:other"
    assert stage_label("postgres-sink", "mca.application") == "postgres-sink"


def test_partitions_without_an_end_offset_count_no_lag():
    [item] = summarise("g", "s3-sink", {("mca.dlq", 0): 4}, {})
    assert (item.committed, item.lag, item.stage) == (4, 0, "s3-sink")
