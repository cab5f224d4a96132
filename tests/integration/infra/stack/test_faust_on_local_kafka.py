"""A Faust app runs on the project's broker, which refuses to auto-create topics: Faust creates its
internal topics (repartition, changelog, leader) itself through the admin API."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

from confluent_kafka.admin import AdminClient

APP = '''
import os
import faust

app = faust.App(os.environ["APP_ID"], broker="kafka://" + os.environ["BOOTSTRAP"], store="memory://",
                topic_replication_factor=1, topic_partitions=2, web_enabled=False,
                datadir=os.environ["DATADIR"])
source = app.topic(os.environ["TOPIC"], value_type=str, partitions=2)
counts = app.Table("counts", default=int, partitions=2)


@app.agent(source)
async def count(stream):
    async for value in stream.group_by(lambda v: v, name="byvalue"):
        counts[value] += 1
        if counts[value] >= 3:
            with open(os.environ["RESULT_FILE"], "w") as result:
                result.write(str(counts[value]))
            os._exit(0)


@app.timer(0.5)
async def feed():
    await source.send(value="hello")
'''


def test_faust_app_with_a_table_and_a_repartition_runs_without_topic_auto_creation(
    kafka_bootstrap: str, topic_factory: Callable[..., str], tmp_path: Path,
) -> None:
    topic = topic_factory(partitions=2)
    app_id = f"test-faust-{uuid.uuid4().hex[:12]}"
    (tmp_path / "faustapp.py").write_text(APP)
    env = dict(os.environ, APP_ID=app_id, BOOTSTRAP=kafka_bootstrap, TOPIC=topic, DATADIR=str(tmp_path),
               RESULT_FILE=str(tmp_path / "counted"))

    result = subprocess.run([sys.executable, "-m", "faust", "-A", "faustapp", "worker", "-l", "warn"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
                            stdin=subprocess.DEVNULL, check=False)

    assert (tmp_path / "counted").is_file(), (result.stdout + result.stderr)[-3000:]
    assert (tmp_path / "counted").read_text() == "3"
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    internal = [t for t in admin.list_topics(timeout=10).topics if t.startswith(app_id)]
    assert any(t.endswith("-counts-changelog") for t in internal)
    for future in admin.delete_topics(internal + [f"faustapp.count-{topic}-byvalue-repartition"]).values():
        future.exception(15)
