"""Pure database URL helpers."""

from __future__ import annotations

import pytest

from infra.database import check_database, database_kind, mask_url, parse_database_url
from infra.errors import ConfigurationError


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql://mca:s3cret@db:5432/mca", "postgresql://mca:***@db:5432/mca"),
        (
            "postgresql+psycopg://u:p%40ss@h/d?sslmode=require",
            "postgresql+psycopg://u:***@h/d?sslmode=require",
        ),
        (
            "postgresql://h/d?user=u&password=pw&sslmode=require",
            "postgresql://h/d?user=u&password=***&sslmode=require",
        ),
        ("postgresql://user@host/db", "postgresql://user@host/db"),
        ("sqlite:////var/lib/mca/mca.db", "sqlite:////var/lib/mca/mca.db"),
        ("not a url :pw@", "not a url :pw@"),
    ],
)
def test_mask_url_hides_passwords_and_keeps_the_rest(url: str, masked: str) -> None:
    assert mask_url(url) == masked


def test_mask_url_hides_a_password_containing_at_signs() -> None:
    assert mask_url("postgresql://u:p@ss@h/d") == "postgresql://u:***@h/d"


@pytest.mark.parametrize(
    "url", ["postgresql://u:p@h/d", "postgres://u:p@h/d", "postgresql+psycopg://u:p@h/d"]
)
def test_every_postgresql_spelling_uses_psycopg_3(url: str) -> None:
    assert parse_database_url(url).drivername == "postgresql+psycopg"
    assert database_kind(url) == "postgresql"


def test_sqlite_urls_stay_sqlite() -> None:
    assert database_kind("sqlite:///tmp/x.db") == "sqlite"


@pytest.mark.parametrize("url", ["mysql://u:p@h/d", "postgresql+psycopg2://u:p@h/d", "::nonsense::"])
def test_unsupported_database_urls_are_refused_without_leaking_the_password(url: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        parse_database_url(url)
    assert ":p@" not in str(info.value)


def test_check_database_reports_a_misconfigured_url_instead_of_raising() -> None:
    status = check_database("mysql://u:secret@h/d")
    assert status["state"] == "unreachable"
    assert "secret" not in str(status)
