"""Apache Kafka in KRaft mode, started from the project's own jars (single node or a 3-node quorum).

Layout under `home`: kafka/cluster.json (cluster id and node count, written once), kafka/node-I
(each node's data, kept across restarts), kafka/config/node-I.properties (rewritten each start),
logs/kafka-node-I/server.log plus logs/kafka-node-I.out (JVM output), run/kafka-node-I.pid.
Every node is a combined broker+controller; node I listens on broker_port+I and controller_port+I.
"""

from __future__ import annotations

import base64
import json
import logging
import subprocess
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from confluent_kafka.admin import AdminClient

from infra.stack.classpath import BROKER_LOG_CONFIG, java_executable, kafka_classpath
from infra.stack.process import (
    StackError,
    port_open,
    running_pid,
    spawn_detached,
    stop_processes,
    tail,
)

logger = logging.getLogger(__name__)
_quiet = logging.getLogger(f"{__name__}.librdkafka")
_quiet.propagate = False  # "connection refused" while a node is still starting is expected noise
_quiet.addHandler(logging.NullHandler())

JVM_OPTIONS = (
    "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent", "-Djava.awt.headless=true",
)


def broker_properties(node_id: int, *, nodes: int, host: str, broker_port: int, controller_port: int,
                      data_dir: Path) -> dict[str, str]:
    """server.properties of one combined broker+controller node of a local cluster of `nodes`."""
    replicas = min(3, nodes)
    min_isr = min(2, nodes)
    voters = ",".join(f"{i}@{host}:{controller_port + i}" for i in range(nodes))
    return {
        "process.roles": "broker,controller",
        "node.id": str(node_id),
        "controller.quorum.voters": voters,
        "listeners": (f"PLAINTEXT://{host}:{broker_port + node_id},"
                      f"CONTROLLER://{host}:{controller_port + node_id}"),
        "advertised.listeners": f"PLAINTEXT://{host}:{broker_port + node_id}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(data_dir),
        # Topics come from the topic map (`mca topics apply`) and Faust creates its own internal
        # topics through the admin API, so a typo in a topic name fails instead of creating one.
        "auto.create.topics.enable": "false",
        "num.partitions": "1",
        "default.replication.factor": str(replicas),
        "min.insync.replicas": "1",
        "offsets.topic.replication.factor": str(replicas),
        "offsets.topic.num.partitions": "10",
        "transaction.state.log.replication.factor": str(replicas),
        "transaction.state.log.min.isr": str(min_isr),
        "transaction.state.log.num.partitions": "10",
        "share.coordinator.state.topic.replication.factor": str(replicas),
        "share.coordinator.state.topic.min.isr": str(min_isr),
        "group.initial.rebalance.delay.ms": "0",
        "unclean.leader.election.enable": "false",
        # Small machine: fewer threads, smaller segments and cleaner buffer than the server defaults.
        "num.network.threads": "2",
        "num.io.threads": "4",
        "num.recovery.threads.per.data.dir": "1",
        "log.segment.bytes": str(64 * 1024 * 1024),
        "log.cleaner.dedupe.buffer.size": str(16 * 1024 * 1024),
        "log.cleaner.threads": "1",
        "log.retention.check.interval.ms": "60000",
        "message.max.bytes": str(8 * 1024 * 1024),
        "replica.fetch.max.bytes": str(8 * 1024 * 1024),
    }


def new_cluster_id() -> str:
    """A KRaft cluster id: a random UUID in unpadded URL-safe base64, as kafka-storage makes."""
    cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
    return "A" + cluster_id[1:] if cluster_id.startswith("-") else cluster_id  # "-x" reads as a flag


def recorded_nodes(home: Path) -> int | None:
    """How many nodes the cluster under home was formatted with (None before its first start)."""
    meta = Path(home) / "kafka" / "cluster.json"
    try:
        return int(json.loads(meta.read_text())["nodes"])
    except (OSError, ValueError, KeyError):
        return None


class KafkaCluster:
    """A local Kafka cluster of 1 or 3 KRaft nodes under `home`, each a detached JVM.

    `controller_port` defaults to broker_port + nodes so broker and controller ports never overlap;
    `overrides` replaces or adds broker properties (e.g. auto.create.topics.enable=true).
    Nodes are indexed 0..nodes-1 (also their node.id); data survives stop/start.
    """

    def __init__(self, home: Path, nodes: int = 1, host: str = "127.0.0.1", broker_port: int = 9092,
                 controller_port: int | None = None, heap: str = "512m",
                 overrides: Mapping[str, str] | None = None) -> None:
        if nodes not in (1, 3):
            raise ValueError("a local cluster has 1 or 3 nodes")
        self.home = Path(home).resolve()
        self.nodes = nodes
        self.host = host
        self.broker_port = broker_port
        self.controller_port = controller_port if controller_port is not None else broker_port + nodes
        self.heap = heap
        self.overrides = dict(overrides or {})
        brokers = set(range(broker_port, broker_port + nodes))
        if brokers & set(range(self.controller_port, self.controller_port + nodes)):
            raise ValueError("broker and controller ports overlap")
        self._children: dict[int, subprocess.Popen[bytes]] = {}

    @property
    def bootstrap_servers(self) -> str:
        """'host:port,...' of every broker listener."""
        return ",".join(f"{self.host}:{self.broker_port + i}" for i in range(self.nodes))

    def _data_dir(self, i: int) -> Path:
        return self.home / "kafka" / f"node-{i}"

    def _pid_file(self, i: int) -> Path:
        return self.home / "run" / f"kafka-node-{i}.pid"

    def _marker(self, i: int) -> str:
        return f"-Dmca.service=kafka:{self._data_dir(i)}"

    def node_running(self, i: int) -> bool:
        """True when node i's JVM (started by us, now or by an earlier `mca`) is alive."""
        return running_pid(self._pid_file(i), self._marker(i)) is not None

    def node_pid(self, i: int) -> int | None:
        """The pid of node i's JVM when it is alive."""
        return running_pid(self._pid_file(i), self._marker(i))

    def is_running(self) -> bool:
        """True when every node's JVM is alive."""
        return all(self.node_running(i) for i in range(self.nodes))

    def _cluster_id(self) -> str:
        meta = self.home / "kafka" / "cluster.json"
        if meta.is_file():
            recorded = json.loads(meta.read_text())
            if recorded["nodes"] != self.nodes:
                raise StackError(
                    f"{self.home / 'kafka'} holds a {recorded['nodes']}-node cluster, not {self.nodes}; "
                    "use another MCA_HOME or remove that folder"
                )
            return str(recorded["cluster_id"])
        meta.parent.mkdir(parents=True, exist_ok=True)
        cluster_id = new_cluster_id()
        meta.write_text(json.dumps({"cluster_id": cluster_id, "nodes": self.nodes}) + "\n")
        return cluster_id

    def _write_config(self, i: int) -> Path:
        props = broker_properties(i, nodes=self.nodes, host=self.host, broker_port=self.broker_port,
                                  controller_port=self.controller_port, data_dir=self._data_dir(i))
        props.update(self.overrides)
        path = self.home / "kafka" / "config" / f"node-{i}.properties"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        return path

    def _java(self, *args: str, heap: str) -> list[str]:
        return [java_executable(), f"-Xmx{heap}", *JVM_OPTIONS, "-cp", kafka_classpath(), *args]

    def _format(self, indexes: list[int], cluster_id: str) -> None:
        """Format the storage of nodes that have never run (once; `--ignore-formatted` otherwise)."""
        todo = [i for i in indexes if not (self._data_dir(i) / "meta.properties").is_file()]
        procs = [
            (i, subprocess.Popen(
                self._java(f"-Dlog4j2.configurationFile={BROKER_LOG_CONFIG}",
                           f"-Dkafka.logs.dir={self.home / 'logs' / f'kafka-node-{i}'}",
                           "kafka.tools.StorageTool", "format", "--ignore-formatted",
                           "-t", cluster_id, "-c", str(self._write_config(i)), heap="256m"),
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            ))
            for i in todo
        ]
        try:
            for i, proc in procs:
                out, _ = proc.communicate(timeout=120)
                if proc.returncode != 0:
                    text = out.decode(errors="replace")[-2000:]
                    raise StackError(f"formatting Kafka node {i} failed:\n{text}")
                logger.info("formatted Kafka node %d (cluster %s)", i, cluster_id)
        except subprocess.TimeoutExpired as exc:
            raise StackError("formatting Kafka storage took longer than 120 s") from exc
        finally:
            for _, proc in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()

    def _spawn(self, i: int) -> None:
        if self.node_running(i):
            return
        for port in (self.broker_port + i, self.controller_port + i):
            if port_open(self.host, port):
                raise StackError(f"{self.host}:{port} is taken by another process; "
                                 f"cannot start Kafka node {i}")
        logs = self.home / "logs"
        argv = self._java(
            self._marker(i), f"-Dlog4j2.configurationFile={BROKER_LOG_CONFIG}",
            f"-Dkafka.logs.dir={logs / f'kafka-node-{i}'}", "kafka.Kafka", str(self._write_config(i)),
            heap=self.heap,
        )
        self._children[i] = spawn_detached(argv, log_file=logs / f"kafka-node-{i}.out",
                                           pid_file=self._pid_file(i))
        logger.info("started Kafka node %d on %s:%d", i, self.host, self.broker_port + i)

    def start(self, timeout: float = 60) -> None:
        """Start every node that is not running and wait until all brokers answer metadata requests.

        Idempotent. Raises StackError when a node dies or the cluster is not ready within timeout.
        """
        self._format(list(range(self.nodes)), self._cluster_id())
        for i in range(self.nodes):
            self._spawn(i)
        self._wait_ready(list(range(self.nodes)), timeout)

    def start_node(self, i: int, timeout: float = 60) -> None:
        """Start node i again (after stop_node) and wait until it is registered as a broker."""
        self._format([i], self._cluster_id())
        self._spawn(i)
        self._wait_ready([i], timeout)

    def stop_node(self, i: int, grace: float = 20.0) -> None:
        """Stop node i (SIGTERM: controlled shutdown; SIGKILL after grace seconds)."""
        stop_processes([(self._pid_file(i), self._marker(i))], grace=grace)
        self._children.pop(i, None)

    def stop(self, grace: float = 20.0) -> None:
        """Stop every node; data stays under home for the next start."""
        stop_processes([(self._pid_file(i), self._marker(i)) for i in range(self.nodes)], grace=grace)
        self._children.clear()

    def _wait_ready(self, indexes: list[int], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        wanted = set(indexes)
        while time.monotonic() < deadline:
            for i in indexes:
                child = self._children.get(i)
                if (child.poll() is not None) if child is not None else not self.node_running(i):
                    log = self.home / "logs" / f"kafka-node-{i}.out"
                    raise StackError(f"Kafka node {i} exited during start; {log}:\n{tail(log)}")
            if all(port_open(self.host, self.broker_port + i) for i in indexes) and wanted <= self._brokers():
                return
            time.sleep(0.5)
        raise StackError(f"Kafka at {self.bootstrap_servers} not ready within {timeout:.0f} s; "
                         f"see {self.home / 'logs'}")

    def _brokers(self) -> set[int]:
        """Broker ids in a metadata answer from any live node (empty when none answers)."""
        config: dict[str, Any] = {"bootstrap.servers": self.bootstrap_servers, "logger": _quiet,
                                  "socket.connection.setup.timeout.ms": 1000}
        admin = AdminClient(config)
        try:
            return set(admin.list_topics(timeout=2).brokers)
        except Exception:  # KafkaException or a timeout while the node is still starting
            return set()
