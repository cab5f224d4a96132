"""Every pipeline stage agent on the topics named by MCA_TEST_TOPIC_NAMES (JSON: topic map name ->
name used in the test), for `mca worker --agents tests.integration.streams.pipeline_agents`."""

from __future__ import annotations

import json
import os

from streams.agents import assemble, extract, ocr, render, split
from streams.runtime import StreamsRuntime


def register(runtime: StreamsRuntime) -> None:
    """Rename the topics, then define split, render, ocr, assemble-pages, extract and assemble."""
    runtime.topic_names.update(json.loads(os.environ["MCA_TEST_TOPIC_NAMES"]))
    for stage in (split, render, ocr, extract, assemble):
        stage.register(runtime)
