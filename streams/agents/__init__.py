"""Stage agents: one wiring module per stage, each exposing `register(runtime)`.

`register(runtime: streams.runtime.StreamsRuntime) -> None` defines the stage's Faust agent(s),
normally with `streams.agents.faust_agent.stage_agent`. `mca worker --agents split,render` registers a
subset; a name with a dot is taken as a module path (an extra agent module, e.g. in tests).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from infra.errors import ConfigurationError

if TYPE_CHECKING:
    from streams.runtime import StreamsRuntime

logger = logging.getLogger(__name__)

STAGES: dict[str, str] = {
    "split": "streams.agents.split",
    "render": "streams.agents.render",
    "ocr": "streams.agents.ocr",
    "extract": "streams.agents.extract",
    "assemble": "streams.agents.assemble",
}


def parse_agent_names(text: str | None) -> list[str]:
    """`split,render` as ["split", "render"]; None or empty means every stage. Raises
    ConfigurationError on a name that is neither a stage nor a module path."""
    if not text or not text.strip():
        return list(STAGES)
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in STAGES and "." not in name]
    if unknown:
        raise ConfigurationError(f"unknown agent(s) {', '.join(unknown)}; stages are {', '.join(STAGES)}")
    return list(dict.fromkeys(names))


def register_agents(runtime: StreamsRuntime, names: Sequence[str], *, required: bool = True) -> list[str]:
    """Import each named agent module and call its `register(runtime)`; returns the names registered.

    With `required=False` a stage whose module does not exist (yet) is skipped with a warning.
    Raises ConfigurationError when a required module is missing or nothing was registered.
    """
    registered: list[str] = []
    for name in names:
        module_name = STAGES.get(name, name)
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            if required:
                raise ConfigurationError(f"agent module {module_name} does not exist") from exc
            logger.warning("agent %s skipped: %s does not exist", name, module_name)
            continue
        module.register(runtime)
        registered.append(name)
    if not registered:
        raise ConfigurationError("no agent to run")
    return registered
