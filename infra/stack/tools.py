"""Kafka's own command-line tools, run from the same jars as the embedded broker.

The shell scripts of a Kafka distribution (bin/kafka-topics.sh, ...) only pick a main class and a
classpath; `tool_argv` does the same, so operators get the genuine tools without a download.
"""

from __future__ import annotations

from collections.abc import Sequence

from infra.stack.classpath import TOOLS_LOG_CONFIG, java_executable, kafka_classpath

# Tool name (the script name of a Kafka distribution, without .sh) -> main class in Kafka 4.4.
KAFKA_TOOLS: dict[str, str] = {
    "kafka-topics": "org.apache.kafka.tools.TopicCommand",
    "kafka-console-consumer": "org.apache.kafka.tools.consumer.ConsoleConsumer",
    "kafka-console-producer": "org.apache.kafka.tools.ConsoleProducer",
    "kafka-consumer-groups": "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
    "kafka-configs": "org.apache.kafka.tools.ConfigCommand",
    "kafka-get-offsets": "org.apache.kafka.tools.GetOffsetShell",
    "kafka-metadata-quorum": "org.apache.kafka.tools.MetadataQuorumCommand",
    "kafka-storage": "kafka.tools.StorageTool",
    "kafka-cluster": "org.apache.kafka.tools.ClusterTool",
    "kafka-features": "org.apache.kafka.tools.FeatureCommand",
    "kafka-leader-election": "org.apache.kafka.tools.LeaderElectionCommand",
    "kafka-reassign-partitions": "org.apache.kafka.tools.reassign.ReassignPartitionsCommand",
    "kafka-delete-records": "org.apache.kafka.tools.DeleteRecordsCommand",
    "kafka-log-dirs": "org.apache.kafka.tools.LogDirsCommand",
    "kafka-dump-log": "org.apache.kafka.tools.DumpLogSegments",
    "kafka-transactions": "org.apache.kafka.tools.TransactionsCommand",
    "kafka-acls": "org.apache.kafka.tools.AclCommand",
}

# Short-lived JVMs: the quick-start compiler and a serial GC make them start about twice as fast.
TOOL_JVM_OPTIONS = ("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Djava.awt.headless=true")


def tool_name(name: str) -> str:
    """Accept 'kafka-topics', 'kafka-topics.sh' or 'topics'; return the canonical name or raise KeyError."""
    base = name.removesuffix(".sh")
    for candidate in (base, f"kafka-{base}"):
        if candidate in KAFKA_TOOLS:
            return candidate
    raise KeyError(name)


def tool_argv(name: str, args: Sequence[str], classpath: str | None = None) -> list[str]:
    """The `java ...` command line that runs Kafka tool `name` with `args` (KeyError if unknown)."""
    main_class = KAFKA_TOOLS[tool_name(name)]
    return [
        java_executable(), *TOOL_JVM_OPTIONS, f"-Dlog4j2.configurationFile={TOOLS_LOG_CONFIG}",
        "-cp", classpath if classpath is not None else kafka_classpath(), main_class, *args,
    ]
