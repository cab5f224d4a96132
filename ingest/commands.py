"""`mca ingest PATH...`, `mca smtp` and `mca imap`: the three doors as commands."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from infra.settings import Settings, load_settings
from infra.topics import EMAIL_RECEIVED
from ingest.files import FileResult, collect_sources, ingest_sources
from ingest.imap import ImapPoller, imap_config_from_settings
from ingest.smtp import SmtpDoor, SubmissionHandler
from ingest.tls import server_tls_context
from ingest.wiring import ingest_deps

logger = logging.getLogger(__name__)


def ingest_command(
    paths: Annotated[list[Path], typer.Argument(help=".eml files, mbox files, or folders of either.")],
    topic: Annotated[
        str, typer.Option(help="Topic to publish to (a staging or test copy of mca.email.received).")
    ] = EMAIL_RECEIVED.name,
) -> None:
    """Ingest emails from files: each is stored and published like mail from the SMTP door."""
    console = Console()
    settings = load_settings()
    sources, unreadable = collect_sources(paths)
    results = list(unreadable)
    with (
        ingest_deps(settings, topic=topic) as deps,
        Progress(
            TextColumn("[bold]ingest"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=console,
            transient=False,
        ) as progress,
    ):
        task = progress.add_task("", total=len(sources))

        def advance(result: FileResult) -> None:
            progress.update(task, advance=1, description=Path(result.label).name)

        results.extend(asyncio.run(ingest_sources(sources, deps, on_done=advance)))
    console.print(summary_table(results))
    if any(r.status == "failed" for r in results):
        raise typer.Exit(code=1)


def summary_table(results: list[FileResult]) -> Table:
    """Counts by outcome, then one row per failure with its reason."""
    counts = Counter(r.status for r in results)
    table = Table(title="Ingest summary")
    table.add_column("outcome")
    table.add_column("count", justify="right")
    table.add_column("detail")
    table.add_row("accepted", str(counts["accepted"]), "")
    table.add_row("already accepted", str(counts["already_accepted"]), "")
    table.add_row("failed", str(counts["failed"]), "")
    for result in results:
        if result.status == "failed":
            table.add_row("", "", f"{result.label}: {result.reason}")
    return table


def smtp_command() -> None:
    """Serve the SMTP door until SIGINT or SIGTERM, then finish messages in flight and stop."""
    settings = load_settings()
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
    asyncio.run(_serve_smtp(settings))


def imap_command() -> None:
    """Poll the configured IMAP mailbox until SIGINT or SIGTERM."""
    settings = load_settings()
    config = imap_config_from_settings(settings)

    async def serve() -> None:
        stop = _stop_on_signals()
        with ingest_deps(settings) as deps:
            stats = await ImapPoller(config, deps).run(stop)
        logger.info("IMAP door stopped: %s", stats)

    asyncio.run(serve())


async def _serve_smtp(settings: Settings) -> None:
    stop = _stop_on_signals()
    tls = server_tls_context(
        cert=settings.smtp_tls_cert,
        key=settings.smtp_tls_key,
        hostname=settings.smtp_hostname,
        tls_dir=settings.home_dir / "tls",
        allow_self_signed=settings.environment != "production",
    )
    with ingest_deps(settings) as deps:
        handler = SubmissionHandler(
            deps, recipients=settings.smtp_recipients, max_message_bytes=settings.smtp_max_message_bytes
        )
        door = SmtpDoor(
            handler,
            host=settings.smtp_host,
            port=settings.smtp_port,
            hostname=settings.smtp_hostname,
            tls_context=tls,
            require_tls=settings.smtp_require_tls,
        )
        await door.start()
        await stop.wait()
        logger.info("stopping the SMTP door")
        await door.stop()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop
