"""A Faust app built by streams.app.create_app for test_rebalance_redelivery: its agent records
each event it starts and finishes in RESULT_DIR; events named slow-* take SLOW_S seconds."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from streams.app import StreamsConfig, create_app

RESULT_DIR = Path(os.environ["RESULT_DIR"])

app = create_app(StreamsConfig(
    app_id=os.environ["APP_ID"], bootstrap=os.environ["BOOTSTRAP"], store="memory://",
    data_dir=RESULT_DIR / "faust", session_timeout_s=10.0, heartbeat_s=1.0, rebalance_timeout_s=40.0,
    commit_interval_s=60.0, request_timeout_s=30.0, replication_factor=1,
))
source = app.topic(os.environ["TOPIC"], key_type=bytes, value_type=bytes, key_serializer="raw",
                   value_serializer="raw", internal=False)


@app.agent(source)
async def record(stream):  # type: ignore[no-untyped-def]
    async for value in stream:
        name = value.decode()
        (RESULT_DIR / f"started-{name}").touch()
        if name.startswith("slow-"):
            await asyncio.sleep(float(os.environ["SLOW_S"]))
        with (RESULT_DIR / "done").open("a") as done:
            done.write(name + "\n")
