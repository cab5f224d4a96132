"""`mca schemas check | release | register`: keep the Avro contracts compatible, released and registered."""

from __future__ import annotations

import logging
from pathlib import Path

import typer
from confluent_kafka.schema_registry import Schema

from infra.settings import Settings
from schemas.catalog import SubjectReport, released_root, subject_reports
from schemas.serde import AvroSerde

logger = logging.getLogger(__name__)

schemas_app = typer.Typer(
    help="Avro contracts: check BACKWARD compatibility, release new versions, register with the registry.",
    no_args_is_help=True,
)

RELEASED_DIR = typer.Option(
    None, "--released-dir", help="Folder of released versions (<subject>/vN.avsc); default: schemas/released."
)


def release_schemas(reports: list[SubjectReport], root: Path) -> list[Path]:
    """Write `root/<subject>/v<N+1>.avsc` for every changed subject; returns the files written.

    Refuses (ValueError, nothing written) when any changed subject breaks compatibility.
    """
    broken = [report.subject for report in reports if report.changed and not report.compatible]
    if broken:
        raise ValueError(f"not BACKWARD compatible with the last release: {', '.join(broken)}")
    written = []
    for report in reports:
        if not report.changed:
            continue
        path = root / report.subject / f"v{(report.released_version or 0) + 1}.avsc"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(report.current, encoding="utf-8")
        written.append(path)
    return written


@schemas_app.command("check")
def check_command(released_dir: Path | None = RELEASED_DIR) -> None:
    """Check every subject's current schema against its last released version; exit 1 on a break."""
    reports = subject_reports(released_dir)
    for report in reports:
        if report.released_version is None:
            state = "not released yet"
        elif report.problems:
            state = f"BREAKS v{report.released_version}: " + "; ".join(report.problems)
        elif report.changed:
            state = f"changed, compatible with v{report.released_version} (run `mca schemas release`)"
        else:
            state = f"= v{report.released_version}"
        typer.echo(f"{report.subject}: {state}")
    if any(not report.compatible for report in reports):
        raise typer.Exit(1)


@schemas_app.command("release")
def release_command(released_dir: Path | None = RELEASED_DIR) -> None:
    """Commit the current schema as the next version of every subject whose schema changed."""
    root = released_dir or released_root()
    try:
        written = release_schemas(subject_reports(root), root)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    for path in written:
        typer.echo(f"released {path}")
    if not written:
        typer.echo("nothing changed since the last release")


@schemas_app.command("register")
def register_command(
    registry_url: str | None = typer.Option(None, "--registry-url", help="Default: MCA_REGISTRY_URL."),
) -> None:
    """Register every subject's current schema with the registry (idempotent); exit 1 on a refusal."""
    if registry_url is None:
        registry_url = Settings().registry_url
    client = AvroSerde(registry_url).client
    failed = False
    for report in subject_reports():
        try:
            schema_id = client.register_schema(report.subject, Schema(report.current, "AVRO"))
        except Exception as exc:  # the registry's refusal or absence, reported per subject
            failed = True
            typer.echo(f"{report.subject}: refused: {exc}", err=True)
            continue
        typer.echo(f"{report.subject}: schema id {schema_id}")
    if failed:
        raise typer.Exit(1)
