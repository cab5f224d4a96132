"""The README's first command: on a fresh MCA_HOME, `mca demo` brings the stack up, ingests the
project's demo submissions and prints what reached Kafka."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from infra.stack.kafka import KafkaCluster
from infra.stack.process import free_port, free_port_block

MCA = str(Path(sys.executable).with_name("mca"))


def test_demo_on_a_fresh_home_starts_the_stack_and_ingests_every_demo_submission(tmp_path: Path) -> None:
    broker_port = free_port_block(2)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MCA_")}
    env.update(
        MCA_HOME=str(tmp_path / "home"), MCA_KAFKA_BOOTSTRAP=f"127.0.0.1:{broker_port}",
        MCA_KAFKA_HEAP="384m", MCA_REGISTRY_URL=f"http://127.0.0.1:{free_port()}", COLUMNS="200",
    )
    try:
        result = subprocess.run(
            [MCA, "demo", "--n", "4", "--seed", "3"], env=env, capture_output=True, text=True,
            timeout=400, stdin=subprocess.DEVNULL, check=False,
        )
        output = result.stdout

        assert result.returncode == 0, f"{output}\n{result.stderr}"
        assert "kafka: started" in output
        assert "wrote 4 demo submissions" in output
        assert "mca.email.received (read back through the schema registry)" in output
        for name in ("001.eml", "002.eml", "003.eml", "004.eml"):
            assert name in output
        assert "not on Kafka" not in output
    finally:
        subprocess.run([MCA, "stack", "down"], env=env, capture_output=True, timeout=120, check=False)
        KafkaCluster(tmp_path / "home", broker_port=broker_port).stop(grace=5)
