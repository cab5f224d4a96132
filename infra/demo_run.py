"""`mca demo`: the README's first command after bootstrap, the whole system on the demo submissions.

Brings the embedded stack up (Kafka, registry, database, object store), starts the project's
services (worker, postgres-sink, s3-sink, webhooks, API, SMTP door), writes the project's own demo
submissions and sends them to the SMTP door like an ISO broker would, waits until every one is an
application in the database, then lists them through the API and says where the API is. The
system keeps running; `mca services down` and `mca stack down` stop it.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.services.users import create_api_key, create_user, revoke_api_key
from infra.database import make_engine
from infra.demo import generate_demo_set
from infra.demo_mail import SentMessage, send_files
from infra.services import start_services
from infra.settings import Settings, load_settings
from infra.stack.commands import bring_up
from infra.stack.process import StackError
from schemas.db.projection import Application
from schemas.db.records import User

logger = logging.getLogger(__name__)

DEMO_ADMIN = "admin@mca.localhost"
API_PREFIX = "/api/v1"


def demo_command(
    n: Annotated[int, typer.Option("--n", help="How many demo submissions to write and send.")] = 12,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the demo generator.")] = 7,
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Where to write them (default: MCA_HOME/demo).")
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for every submission to be processed.")
    ] = 900.0,
) -> None:
    """Run the whole system on the demo submissions and list the applications it made."""
    settings = load_settings()
    console = Console()
    try:
        bring_up(settings, console)
        started = start_services(settings)
    except StackError as exc:
        console.print(f"[red]could not start the system:[/] {exc}")
        raise typer.Exit(1) from exc
    for name, now in started.items():
        console.print(f"{name}: {'started' if now else 'already running'}")
    target = directory or settings.home_dir / "demo"
    paths = sorted(generate_demo_set(target, n=n, seed=seed))
    console.print(f"wrote {len(paths)} demo submissions with truth files to {target}")
    sent = send_files(settings, paths)
    refused = [item for item in sent if item.submission_id is None]
    console.print(f"sent {len(sent)} emails to the SMTP door at {settings.smtp_host}:{settings.smtp_port}: "
                  f"{len(sent) - len(refused)} accepted, {len(refused)} refused")
    for item in refused:
        console.print(f"  [red]{item.path.name}[/]: {item.answer}")
    accepted = {item.submission_id for item in sent if item.submission_id}
    missing = wait_for_applications(settings, accepted, timeout, console)
    password = ensure_demo_admin(settings)
    console.print(applications_table(settings, sent))
    print_where(settings, console, password)
    if refused or missing:
        console.print(f"[red]{len(missing)} submission(s) not processed within {timeout:.0f} s[/]; "
                      "see MCA_HOME/logs/worker.log")
        raise typer.Exit(1)


def projected_submissions(settings: Settings, submission_ids: set[str]) -> set[str]:
    """Which of these submissions have an application in the database."""
    engine = make_engine(settings.resolved_database_url)
    try:
        with engine.connect() as connection:
            query = select(Application.submission_id).where(Application.submission_id.in_(submission_ids))
            return set(connection.scalars(query))
    finally:
        engine.dispose()


def wait_for_applications(settings: Settings, submission_ids: set[str], timeout: float,
                          console: Console) -> set[str]:
    """Wait (with a progress bar) until every submission is an application; the ones still missing."""
    columns = (TextColumn("applications in the database"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    deadline = time.monotonic() + timeout
    done: set[str] = set()
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("wait", total=len(submission_ids))
        while True:
            done = projected_submissions(settings, submission_ids) if submission_ids else set()
            progress.update(task, completed=len(done))
            if done == submission_ids or time.monotonic() > deadline:
                break
            time.sleep(1.0)
    return submission_ids - done


def ensure_demo_admin(settings: Settings) -> str | None:
    """Create the demo admin unless an admin exists; its one-time password when created now."""
    engine = make_engine(settings.resolved_database_url)
    try:
        with Session(engine) as session, session.begin():
            if session.scalar(select(func.count()).select_from(User).where(User.role == "admin")):
                return None
            created = create_user(session, email=DEMO_ADMIN, role="admin", full_name="Demo administrator")
            return created.one_time_password
    finally:
        engine.dispose()


def fetch_applications(settings: Settings) -> list[dict[str, Any]]:
    """Every application as the API lists it, read over HTTP with an analyst key revoked afterwards."""
    engine = make_engine(settings.resolved_database_url)
    try:
        with Session(engine) as session, session.begin():
            key = create_api_key(session, name="mca demo (revoked after use)", role="analyst")
            key_id, secret = key.row.id, key.key
        try:
            return _read_all_pages(settings, secret)
        finally:
            with Session(engine) as session, session.begin():
                revoke_api_key(session, key_id=key_id)
    finally:
        engine.dispose()


def _read_all_pages(settings: Settings, api_key: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    with httpx.Client(base_url=_api_url(settings), headers={"X-API-Key": api_key}, timeout=30) as client:
        while True:
            params: dict[str, Any] = {"limit": 100, **({"cursor": cursor} if cursor else {})}
            page = client.get(f"{API_PREFIX}/applications", params=params).raise_for_status().json()
            items.extend(page["items"])
            cursor = page.get("next_cursor")
            if not cursor:
                return items


def applications_table(settings: Settings, sent: list[SentMessage]) -> Table:
    """One row per demo email: the application the API returns for it."""
    by_submission = {item["submission_id"]: item for item in fetch_applications(settings)}
    table = Table(title=f"applications (GET {_api_url(settings)}{API_PREFIX}/applications)")
    for column in ("file", "application", "status", "merchant", "requested", "review reasons"):
        table.add_column(column, overflow="fold")
    for message in sent:
        item = by_submission.get(message.submission_id or "")
        if item is None:
            table.add_row(message.path.name, "", "[red]not processed[/]", "", "", message.answer)
            continue
        amount = item.get("amount_requested")
        table.add_row(
            message.path.name, item["application_id"][:12], item["status"], item.get("merchant_name") or "",
            f"${float(amount):,.0f}" if amount else "", ", ".join(item.get("review_reasons") or []),
        )
    return table


def print_where(settings: Settings, console: Console, password: str | None) -> None:
    """Where the API is, how to sign in, and how to stop the system."""
    base = _api_url(settings)
    console.print(f"\nThe web UI is at [bold]{base}/ui[/]; the API at [bold]{base}{API_PREFIX}[/] "
                  f"(OpenAPI: {base}/docs, metrics: {base}/metrics).")
    if password:
        console.print(f"Sign in as [bold]{DEMO_ADMIN}[/] with the one-time password [bold]{password}[/] "
                      "(shown once; `mca users create` adds more users).")
    else:
        console.print("An admin exists already; `mca users create --role ROLE --email ...` adds users.")
    console.print("The system keeps running: [bold]mca services status[/] and [bold]mca stack status[/] "
                  "show it, [bold]mca services down[/] then [bold]mca stack down[/] stop it.")


def _api_url(settings: Settings) -> str:
    return f"http://{settings.api_host}:{settings.api_port}"
