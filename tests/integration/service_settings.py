"""Settings for project services that tests start as operators do (`mca services up` or `mca smtp`):
set in the environment, which the service processes inherit, on a private Kafka with its topics."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.settings import Settings, load_settings
from infra.topic_admin import apply_topic_map


def services_on(
    monkeypatch: pytest.MonkeyPatch, home: Path, bootstrap: str, registry_url: str, **settings: str
) -> Settings:
    """Settings (MCA_* variables set through `monkeypatch`) of services under `home` on the Kafka at
    `bootstrap` and the registry at `registry_url`, with the topic map applied; `settings` adds
    more variables by name (e.g. MCA_SMTP_PORT="2525")."""
    environment = {
        "MCA_HOME": str(home),
        "MCA_KAFKA_BOOTSTRAP": bootstrap,
        "MCA_KAFKA_EMBEDDED": "false",
        "MCA_REGISTRY_URL": registry_url,
        "MCA_REGISTRY_EMBEDDED": "false",
        **settings,
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    loaded = load_settings()
    apply_topic_map(loaded)
    return loaded
