"""Every pipeline stage agent on the topics named by MCA_TEST_TOPIC_NAMES (JSON), with an extract
stage that crashes on the document named MCA_TEST_FAIL_NAME while the file MCA_TEST_FAIL_FILE
exists (a stand-in for a library that crashes on a hostile attachment until it is fixed), for
`mca worker --agents tests.integration.streams.failing_agents`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from infra.topics import DOCUMENT_READ
from streams.agents import assemble, ocr, render, split
from streams.agents.contracts import Output
from streams.agents.extract import DocumentExtractor
from streams.agents.faust_agent import stage_agent
from streams.agents.services import services_for
from streams.dlq import SourceMessage
from streams.runtime import StreamsRuntime


def register(runtime: StreamsRuntime) -> None:
    """Rename the topics, then define split, render, ocr, assemble (with its pages, command and
    failure agents) and the crashing extract."""
    runtime.topic_names.update(json.loads(os.environ["MCA_TEST_TOPIC_NAMES"]))
    for stage in (split, render, ocr, assemble):
        stage.register(runtime)
    marker, hostile = Path(os.environ["MCA_TEST_FAIL_FILE"]), os.environ["MCA_TEST_FAIL_NAME"]
    extractor = DocumentExtractor(runtime, services_for(runtime))

    async def extract(value: dict[str, Any], source: SourceMessage) -> list[Output]:
        if value["document"]["filename"] == hostile and marker.exists():
            raise RuntimeError(f"the extractor crashed on {hostile}")
        return await extractor.handle(value, source)

    stage_agent(
        runtime, stage="extract", source=DOCUMENT_READ, handle=extract, concurrency=runtime.concurrency
    )
