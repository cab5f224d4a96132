"""Sending submissions to the SMTP door the way an ISO broker's mail server does (used by `mca demo`).

The door answers 250 only after the original is stored and Kafka acknowledged its event, so a
sent file is a submission the platform holds. The submission id is the sha256 of the bytes the
door received: the message with CRLF line endings, which is what `wire_bytes` returns.
"""

from __future__ import annotations

import hashlib
import re
import smtplib
import ssl
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.utils import getaddresses
from pathlib import Path

from infra.settings import Settings

_BARE_LINE_END = re.compile(rb"\r?\n")
SENDER_FALLBACK = "broker@iso.localhost"


@dataclass(frozen=True)
class SentMessage:
    """One file handed to the door: its submission id when accepted, else the door's answer."""

    path: Path
    submission_id: str | None
    answer: str


def wire_bytes(raw: bytes) -> bytes:
    """The message as SMTP carries it: CRLF line endings, ending with CRLF (pure)."""
    data = _BARE_LINE_END.sub(b"\r\n", raw)
    return data if data.endswith(b"\r\n") else data + b"\r\n"


def envelope_sender(raw: bytes) -> str:
    """The address of the From header, else a fixed fallback (pure)."""
    message = message_from_bytes(raw, policy=policy.compat32)
    addresses = [address for _, address in getaddresses(message.get_all("From", [])) if "@" in address]
    return addresses[0] if addresses else SENDER_FALLBACK


def door_recipient(settings: Settings) -> str:
    """An address the door accepts mail for: the first configured recipient (a bare @domain gets a
    local part)."""
    first = settings.smtp_recipients[0]
    return f"submissions{first}" if first.startswith("@") else first


def client_tls(settings: Settings) -> ssl.SSLContext:
    """TLS for STARTTLS to the local door: its certificate (the configured one, or the development
    pair under home) is the only trust anchor; the host name is not checked because we connect by
    address."""
    cert = settings.smtp_tls_cert or settings.home_dir / "tls" / "smtp-cert.pem"
    context = ssl.create_default_context(cafile=str(cert)) if cert.exists() else ssl.create_default_context()
    context.check_hostname = False
    return context


def send_files(settings: Settings, paths: list[Path], *, timeout: float = 120.0) -> list[SentMessage]:
    """Send each .eml over one SMTP session (STARTTLS when offered); one result per file."""
    results: list[SentMessage] = []
    recipient = door_recipient(settings)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout) as client:
        client.ehlo()
        if client.has_extn("starttls"):
            client.starttls(context=client_tls(settings))
            client.ehlo()
        for path in paths:
            data = wire_bytes(path.read_bytes())
            try:
                client.sendmail(envelope_sender(data), [recipient], data)
            except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused) as exc:
                results.append(SentMessage(path, None, refusal(exc)))
                client.rset()
                continue
            results.append(SentMessage(path, hashlib.sha256(data).hexdigest(), "250 accepted"))
    return results


def refusal(exc: smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused) -> str:
    """The door's answer to a refused message as "code text" (pure)."""
    text: bytes | str
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
    else:
        code, text = exc.smtp_code, exc.smtp_error
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
