"""Checking the sender ourselves (DKIM, DMARC) with DNS answers supplied by the test."""

from __future__ import annotations

import base64

import dkim
import dns.exception
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ingest.sender_check import check_sender

MESSAGE = b"From: Ana <ana@broker.example>\r\nTo: uw@funder.example\r\nSubject: deal\r\n\r\nbody\r\n"


@pytest.fixture(scope="module")
def signed() -> tuple[bytes, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signature = dkim.sign(
        MESSAGE, b"s1", b"broker.example", private, include_headers=[b"from", b"to", b"subject"]
    )
    return signature + MESSAGE, base64.b64encode(public).decode()


def zone(public_key: str, dmarc: str | None = "v=DMARC1; p=reject"):
    def lookup(name: bytes | str, timeout: float = 5) -> bytes | str | None:
        text = name.decode() if isinstance(name, bytes) else name
        if text.rstrip(".") == "s1._domainkey.broker.example":
            return f"v=DKIM1; k=rsa; p={public_key}".encode()
        if text.rstrip(".") == "_dmarc.broker.example":
            return dmarc
        return None

    return lookup


def check(raw: bytes, dnsfunc) -> tuple[str, str, str, str]:
    verdicts = check_sender(
        raw,
        authserv_id="mx.funder.example",
        peer_ip=None,
        mail_from=None,
        helo=None,
        from_domain="broker.example",
        dnsfunc=dnsfunc,
    )
    assert verdicts.source == "checked"
    return verdicts.spf, verdicts.dkim, verdicts.dmarc, verdicts.authserv_id or ""


def test_valid_aligned_signature_passes_dkim_and_dmarc_without_an_ip_for_spf(
    signed: tuple[bytes, str],
) -> None:
    raw, public = signed

    assert check(raw, zone(public)) == ("unknown", "pass", "pass", "mx.funder.example")


def test_altered_body_fails_dkim_and_dmarc(signed: tuple[bytes, str]) -> None:
    raw, public = signed

    assert check(raw.replace(b"body", b"bodx"), zone(public))[1:3] == ("fail", "fail")


def test_unsigned_mail_has_no_dkim_and_no_dmarc_record_means_none(signed: tuple[bytes, str]) -> None:
    _, public = signed

    assert check(MESSAGE, zone(public, dmarc=None))[1:3] == ("none", "none")


def test_dns_failures_are_temperrors_not_exceptions(signed: tuple[bytes, str]) -> None:
    raw, _ = signed

    def unreachable(name: bytes | str, timeout: float = 5) -> None:
        raise dns.exception.Timeout()

    assert check(raw, unreachable)[1:3] == ("temperror", "temperror")
