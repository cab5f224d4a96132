"""The project's services as detached processes: command lines, selection, markers."""

from __future__ import annotations

import pytest

from infra.services import SERVICE_NAMES, SERVICES, marker, select_services, service_argv, services_status
from infra.settings import Settings


def test_every_service_runs_as_a_marked_python_module_command():
    spec = select_services(["api"])[0]
    assert service_argv(spec, python="/venv/bin/python") == [
        "/venv/bin/python", "-X", "mca-service=api", "-m", "infra.cli", "api", "--no-upgrade",
    ]
    assert marker("api") in " ".join(service_argv(spec))


def test_services_that_share_the_database_leave_the_migrations_to_the_starter():
    for spec in SERVICES:
        assert spec.uses_database == (spec.name in {"postgres-sink", "webhooks", "api"})
        assert spec.uses_database == ("--no-upgrade" in spec.command)


def test_selection_keeps_start_order_and_refuses_unknown_names():
    assert [spec.name for spec in select_services(["smtp", "worker"])] == ["worker", "smtp"]
    assert [spec.name for spec in select_services(None)] == list(SERVICE_NAMES)
    with pytest.raises(ValueError, match="unknown service"):
        select_services(["worker", "printer"])


def test_status_of_a_home_where_nothing_runs_lists_every_service_stopped_with_addresses(tmp_path):
    settings = Settings(home=tmp_path, api_port=8123, smtp_port=2626)
    status = services_status(settings)
    assert list(status) == list(SERVICE_NAMES)
    assert {info["state"] for info in status.values()} == {"stopped"}
    assert status["api"]["address"] == "http://127.0.0.1:8123"
    assert status["smtp"]["address"] == "smtp://127.0.0.1:2626"
    assert status["worker"]["logs"].endswith("logs/worker.log")


def test_a_stale_pid_file_of_another_process_is_not_taken_for_the_service(tmp_path):
    settings = Settings(home=tmp_path)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "worker.pid").write_text("1\n")  # pid 1 is alive but is not our worker
    assert services_status(settings)["worker"]["state"] == "stopped"
