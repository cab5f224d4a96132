"""`mca schemas check | release | register` keep the committed releases honest."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from infra.topics import ALL_TOPICS, DLQ
from schemas.catalog import released_root, released_versions, value_schema
from schemas.commands import schemas_app

runner = CliRunner()
DLQ_SUBJECT = f"{DLQ.name}-value"


@pytest.fixture
def released(tmp_path: Path) -> Path:
    """A private copy of the committed releases, free to edit."""
    root = tmp_path / "released"
    shutil.copytree(released_root(), root)
    return root


def _write_release(root: Path, subject: str, version: int, schema: dict) -> None:
    path = root / subject / f"v{version}.avsc"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(schema))


def test_check_passes_on_the_committed_releases():
    result = runner.invoke(schemas_app, ["check"])
    assert result.exit_code == 0, result.output
    assert len(result.output.splitlines()) == len(ALL_TOPICS)


def test_check_fails_when_the_current_schema_cannot_read_the_last_release(released):
    old = value_schema(DLQ.name)
    old["fields"] = [{**f, "type": "int"} if f["name"] == "stage" else f for f in old["fields"]]
    _write_release(released, DLQ_SUBJECT, 2, old)
    result = runner.invoke(schemas_app, ["check", "--released-dir", str(released)])
    assert result.exit_code == 1
    assert f"{DLQ_SUBJECT}: BREAKS v2" in result.output


def test_release_writes_the_next_version_only_for_changed_subjects(released):
    older = value_schema(DLQ.name)
    older["fields"] = [f for f in older["fields"] if f["name"] != "worker"]
    _write_release(released, DLQ_SUBJECT, 2, older)
    others = [spec.value_subject for spec in ALL_TOPICS if spec is not DLQ]
    before = {subject: released_versions(subject, released) for subject in others}
    result = runner.invoke(schemas_app, ["release", "--released-dir", str(released)])
    assert result.exit_code == 0, result.output
    assert released_versions(DLQ_SUBJECT, released) == [1, 2, 3]
    assert json.loads((released / DLQ_SUBJECT / "v3.avsc").read_text()) == value_schema(DLQ.name)
    assert {subject: released_versions(subject, released) for subject in others} == before


def test_release_of_a_never_released_subject_starts_at_v1(released):
    shutil.rmtree(released / DLQ_SUBJECT)
    result = runner.invoke(schemas_app, ["release", "--released-dir", str(released)])
    assert result.exit_code == 0, result.output
    assert released_versions(DLQ_SUBJECT, released) == [1]


def test_release_refuses_a_breaking_change_and_writes_nothing(released):
    old = value_schema(DLQ.name)
    old["fields"] = [{**f, "type": "int"} if f["name"] == "stage" else f for f in old["fields"]]
    _write_release(released, DLQ_SUBJECT, 2, old)
    result = runner.invoke(schemas_app, ["release", "--released-dir", str(released)])
    assert result.exit_code == 1
    assert released_versions(DLQ_SUBJECT, released) == [1, 2]


def test_release_with_nothing_changed_writes_nothing(released):
    result = runner.invoke(schemas_app, ["release", "--released-dir", str(released)])
    assert result.exit_code == 0
    assert "nothing changed" in result.output


def test_register_registers_every_subject():
    result = runner.invoke(schemas_app, ["register", "--registry-url", f"mock://{uuid.uuid4().hex}"])
    assert result.exit_code == 0, result.output
    assert sorted(line.split(":")[0] for line in result.output.splitlines()) == sorted(
        spec.value_subject for spec in ALL_TOPICS
    )
