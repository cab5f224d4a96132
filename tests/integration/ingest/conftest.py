"""Fixtures of the ingest integration tests: the messages to send."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

IN_CI = bool(os.environ.get("CI"))
DEMO_COUNT = 3


@pytest.fixture(scope="session")
def demo_messages(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """A few of the project's own demo submissions (infra/demo), as raw bytes (made once)."""
    try:
        from infra.demo import generate_demo_set
    except ImportError:
        if IN_CI:
            pytest.fail("infra.demo.generate_demo_set is missing")
        pytest.skip("infra.demo.generate_demo_set is not written yet")
    paths = generate_demo_set(tmp_path_factory.mktemp("demo"), n=DEMO_COUNT, seed=11)
    emails = sorted(p for p in paths if p.suffix == ".eml")
    assert len(emails) == DEMO_COUNT
    return [p.read_bytes() for p in emails]


@pytest.fixture
def sample_messages(shared_dir: Path) -> list[bytes]:
    """Every .eml of ../shared/samples (skips where that folder is absent)."""
    paths = sorted((shared_dir / "samples").glob("*.eml"))
    assert paths, "../shared/samples holds no .eml"
    return [p.read_bytes() for p in paths]
