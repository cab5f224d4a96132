"""The README's first command: on a fresh MCA_HOME, `mca demo` brings the stack and every service
up, sends the project's demo submissions to the SMTP door and lists the applications the API
returns for them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.stack.kafka import KafkaCluster
from infra.stack.process import free_port, free_port_block

MCA = str(Path(sys.executable).with_name("mca"))


@pytest.mark.timeout(960)
def test_demo_on_a_fresh_home_runs_the_whole_system_and_lists_every_application(tmp_path: Path) -> None:
    broker_port = free_port_block(2)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MCA_")}
    env.update(
        MCA_HOME=str(tmp_path / "home"), MCA_KAFKA_BOOTSTRAP=f"127.0.0.1:{broker_port}",
        MCA_KAFKA_HEAP="384m", MCA_REGISTRY_URL=f"http://127.0.0.1:{free_port()}", COLUMNS="200",
        MCA_API_PORT=str(free_port()), MCA_SMTP_PORT=str(free_port()),
    )
    try:
        result = subprocess.run(
            [MCA, "demo", "--n", "4", "--seed", "3"], env=env, capture_output=True, text=True,
            timeout=900, stdin=subprocess.DEVNULL, check=False,
        )
        output = result.stdout

        assert result.returncode == 0, f"{output}\n{result.stderr}"
        assert "kafka: started" in output
        for service in ("worker", "postgres-sink", "s3-sink", "webhooks", "api", "smtp"):
            assert f"{service}: started" in output
        assert "wrote 4 demo submissions" in output
        assert "4 accepted, 0 refused" in output
        assert f"applications (GET http://127.0.0.1:{env['MCA_API_PORT']}/api/v1/applications)" in output
        rows = [line for line in output.splitlines() if line.startswith("│ 00")]
        assert [row.split("│")[1].strip() for row in rows] == ["001.eml", "002.eml", "003.eml", "004.eml"]
        assert not [row for row in rows if "not processed" in row]
        assert f"The web UI is at http://127.0.0.1:{env['MCA_API_PORT']}/ui" in output
        assert f"the API at http://127.0.0.1:{env['MCA_API_PORT']}/api/v1" in output
        assert "Sign in as admin@mca.localhost with the one-time password" in output
    finally:
        subprocess.run([MCA, "stack", "down"], env=env, capture_output=True, timeout=120, check=False)
        KafkaCluster(tmp_path / "home", broker_port=broker_port).stop(grace=5)
