"""Shared test configuration: tiers by folder, and the service fixtures for integration tests.

Each service fixture lives in tests/fixtures/<service>.py and starts its real service once per
test session. Integration tests never skip in CI (CI is set): an unreachable service fails them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
IN_CI = bool(os.environ.get("CI"))

pytest_plugins = [
    "tests.fixtures.kafka",
    "tests.fixtures.registry",
    "tests.fixtures.storage",
    "tests.fixtures.mail",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        parts = Path(str(item.fspath)).parts
        for tier in ("unit", "agents", "integration"):
            if tier in parts:
                item.add_marker(getattr(pytest.mark, tier))


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the checkout; tests that need it skip cleanly where it is absent."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present in this clone")
    return SHARED
