"""The SMTP door's TLS context: configured certificate, or a self-signed one made once."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from infra.errors import ConfigurationError
from ingest.tls import ensure_self_signed, server_tls_context


def test_a_self_signed_certificate_is_made_once_and_reused(tmp_path: Path) -> None:
    cert, key = ensure_self_signed(tmp_path / "tls", "mx.funder.example")
    first = cert.read_bytes()

    assert ensure_self_signed(tmp_path / "tls", "mx.funder.example") == (cert, key)
    assert cert.read_bytes() == first
    assert key.stat().st_mode & 0o077 == 0, "the private key is readable by its owner only"


def test_context_loads_the_development_certificate(tmp_path: Path) -> None:
    context = server_tls_context(
        cert=None, key=None, hostname="localhost", tls_dir=tmp_path, allow_self_signed=True
    )

    assert isinstance(context, ssl.SSLContext)
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2


def test_production_without_a_certificate_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        server_tls_context(cert=None, key=None, hostname="mx", tls_dir=tmp_path, allow_self_signed=False)
    with pytest.raises(ConfigurationError):
        server_tls_context(
            cert=tmp_path / "c.pem", key=None, hostname="mx", tls_dir=tmp_path, allow_self_signed=True
        )
