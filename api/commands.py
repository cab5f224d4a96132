"""`mca api` (uvicorn, one worker) and `mca users ...` (the first admin, API keys, from the shell).

Passwords and keys that the commands make are printed once and never stored in clear.
"""

from __future__ import annotations

import getpass
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated

import typer
import uvicorn
from sqlalchemy.orm import Session

from api.audit import RequestInfo
from api.main import create_app
from api.security import Principal
from api.services import user_admin as admin
from api.services import users as service
from infra.database import make_engine, mask_url
from infra.settings import load_settings
from schemas.db.records import ROLES
from schemas.migrations import upgrade_database

logger = logging.getLogger(__name__)

users_app = typer.Typer(help="Users and API keys of the API.", no_args_is_help=True)
api_key_app = typer.Typer(help="API keys (shown once).", no_args_is_help=True)
users_app.add_typer(api_key_app, name="api-key")


def api_command(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default: MCA_API_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default: MCA_API_PORT).")] = None,
    upgrade: Annotated[
        bool, typer.Option("--upgrade/--no-upgrade", help="Apply the database migrations before starting.")
    ] = True,
) -> None:
    """Serve the API (OpenAPI at /docs) until SIGTERM or SIGINT."""
    settings = load_settings()
    if upgrade:
        upgrade_database(settings.resolved_database_url)
    app = create_app(settings)
    address, listen = host or settings.api_host, port or settings.api_port
    logger.info(
        "API on http://%s:%d (docs at /docs), database %s",
        address,
        listen,
        mask_url(settings.resolved_database_url),
    )
    uvicorn.run(
        app,
        host=address,
        port=listen,
        workers=1,
        log_level=settings.log_level.lower(),
        access_log=False,
        timeout_graceful_shutdown=10,
    )


def _cli_principal() -> Principal:
    return Principal(actor=f"cli:{getpass.getuser()}", role="admin")


def _cli_request(command: str) -> RequestInfo:
    return RequestInfo(method="CLI", path=command)


@contextmanager
def _database_session(*, upgrade: bool) -> Iterator[Session]:
    """A session on the configured database (migrated first when `upgrade`); the engine is disposed
    when the block ends."""
    settings = load_settings()
    if upgrade:
        upgrade_database(settings.resolved_database_url)
    engine = make_engine(settings.resolved_database_url)
    try:
        with Session(engine) as session:
            yield session
    finally:
        engine.dispose()


@users_app.command("create")
def create_user_command(
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}.")] = "admin",
    email: Annotated[str | None, typer.Option(help="Sign-in email (default: <role>@mca.localhost).")] = None,
    password: Annotated[
        str | None, typer.Option(help="Password (default: a one-time password, printed).")
    ] = None,
    full_name: Annotated[str | None, typer.Option(help="Display name.")] = None,
) -> None:
    """Create a user (e.g. the first admin); prints a one-time password when none is given."""
    if role not in ROLES:
        raise typer.BadParameter(f"role must be one of {', '.join(ROLES)}", param_hint="--role")
    with _database_session(upgrade=True) as session:
        try:
            created = admin.add_user(
                session,
                principal=_cli_principal(),
                request=_cli_request("mca users create"),
                email=email or f"{role}@mca.localhost",
                role=role,
                full_name=full_name,
                password=password,
            )
        except service.DuplicateError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(code=1) from exc
        typer.echo(f"created {created.user.role} {created.user.email} (id {created.user.id})")
        if created.one_time_password:
            typer.echo(f"one-time password (shown once): {created.one_time_password}")


@api_key_app.command("create")
def create_api_key_command(
    user: Annotated[str | None, typer.Option(help="Owner's email or id (the key takes their role).")] = None,
    name: Annotated[str, typer.Option(help="What the key is for.")] = "cli",
    role: Annotated[str | None, typer.Option(help="Role (default: the user's, else partner).")] = None,
    expires: Annotated[datetime | None, typer.Option(help="Expiry (ISO 8601, UTC when no zone).")] = None,
) -> None:
    """Create an API key and print it once."""
    if role is not None and role not in ROLES:
        raise typer.BadParameter(f"role must be one of {', '.join(ROLES)}", param_hint="--role")
    with _database_session(upgrade=True) as session:
        owner = None
        if user is not None:
            owner = service.find_user(session, user_id=user) or service.find_user(session, email=user)
            if owner is None:
                typer.echo(f"no user {user}", err=True)
                raise typer.Exit(code=1)
        created = admin.add_api_key(
            session,
            principal=_cli_principal(),
            request=_cli_request("mca users api-key create"),
            name=name,
            role=role,
            user_id=owner.id if owner else None,
            expires_at=expires,
        )
        owner_name = owner.email if owner else name
        typer.echo(f"created API key {created.row.id} ({created.row.role}) for {owner_name}")
        typer.echo(f"key (shown once): {created.key}")


@users_app.command("list")
def list_users_command() -> None:
    """Print every user: email, role, active."""
    with _database_session(upgrade=False) as session:
        for row in admin.all_users(session):
            typer.echo(f"{row.email}\t{row.role}\t{'active' if row.is_active else 'inactive'}\t{row.id}")
