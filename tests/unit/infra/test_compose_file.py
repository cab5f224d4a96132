"""docker-compose.yml read against the settings and the CLI (no Docker engine runs here)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from infra.cli import COMMANDS
from infra.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict = COMPOSE["services"]
PROJECT_SERVICES = {name: spec for name, spec in SERVICES.items() if "build" in spec}
ONE_SHOT = {"topics", "schemas", "minio-init", "migrate"}


def _environment(spec: dict) -> dict[str, str]:
    env = spec.get("environment") or {}
    return {str(k): str(v) for k, v in env.items()}


def test_every_mca_variable_in_compose_is_a_setting() -> None:
    fields = {f"MCA_{name.upper()}" for name in Settings.model_fields}
    for name, spec in PROJECT_SERVICES.items():
        unknown = {var for var in _environment(spec) if var.startswith("MCA_")} - fields
        assert not unknown, f"{name} sets variables no setting reads: {unknown}"


def test_project_services_run_commands_the_cli_has() -> None:
    names = {name for _, _, name, _ in COMMANDS}
    for name, spec in PROJECT_SERVICES.items():
        assert spec["command"][0] in names, f"{name} runs an unknown command {spec['command']}"


def test_dependencies_name_existing_services_with_a_condition() -> None:
    for name, spec in SERVICES.items():
        for dependency, condition in (spec.get("depends_on") or {}).items():
            assert dependency in SERVICES, f"{name} depends on missing {dependency}"
            assert condition["condition"] in {
                "service_healthy",
                "service_completed_successfully",
                "service_started",
            }


@pytest.mark.parametrize("name", sorted(set(SERVICES) - ONE_SHOT))
def test_long_running_services_have_health_checks(name: str) -> None:
    assert "healthcheck" in SERVICES[name]


def test_images_are_pinned_and_volumes_are_named() -> None:
    for name, spec in SERVICES.items():
        if "image" in spec:
            assert re.search(r":[\w.\-]+$", spec["image"]) and not spec["image"].endswith(":latest"), name
        for volume in spec.get("volumes") or []:
            source = volume.split(":")[0]
            assert source in COMPOSE["volumes"], f"{name} mounts undeclared volume {source}"


def test_secrets_come_from_the_environment_not_the_file() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    for secret in ("MCA_ENCRYPTION_KEYS", "MCA_JWT_SECRET", "POSTGRES_PASSWORD"):
        assert re.search(rf"\$\{{{secret}:\?", text), f"{secret} must be required from the environment"
