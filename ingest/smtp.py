"""The SMTP door (aiosmtpd): 250 only once the email is stored and its event acknowledged.

No open relay: RCPT is accepted only for the configured addresses or '@domain's. SIZE is
advertised and enforced (552 5.3.4), also when the client declared a smaller size than it
sends. Any failure before acceptance answers 451 4.3.0, so the sending server retries later.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Collection
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from ingest.accept import IngestDeps, accept_email
from ingest.recipients import recipient_allowed

logger = logging.getLogger(__name__)

TOO_BIG = "552 5.3.4 Message size exceeds fixed maximum message size"
DRAIN_SECONDS = 30.0
LINE_LENGTH_LIMIT = 64 * 1024  # RFC 5321 says 1000, but real clients send longer lines; be lenient


class SubmissionHandler:
    """aiosmtpd handler: recipient policy at RCPT, accept_email at DATA."""

    def __init__(self, deps: IngestDeps, *, recipients: Collection[str], max_message_bytes: int) -> None:
        self.deps = deps
        self.recipients = tuple(recipients)
        self.max_message_bytes = max_message_bytes
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        session.host_name = hostname
        # aiosmtpd always lists AUTH, even with every mechanism excluded; this door has no SMTP AUTH.
        return [line for line in responses if not line.startswith("250-AUTH")]

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if not recipient_allowed(address, self.recipients):
            logger.info("refused recipient %s from %s (not configured)", address, session.peer)
            return "550 5.7.1 Relaying denied: recipient not accepted here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Recipient OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if len(raw) > self.max_message_bytes:
            return TOO_BIG
        self._in_flight += 1
        self._idle.clear()
        try:
            acceptance = await accept_email(
                bytes(raw),
                channel="smtp",
                envelope_sender=envelope.mail_from or None,
                envelope_recipients=list(envelope.rcpt_tos),
                peer_ip=session.peer[0] if isinstance(session.peer, tuple) else None,
                helo=session.host_name or None,
                deps=self.deps,
            )
        except Exception:  # any failure before the ack must reach the client as a retryable 4xx
            logger.exception("could not accept mail from %s; answered 451", envelope.mail_from)
            return "451 4.3.0 Temporary failure storing the message, try again later"
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._idle.set()
        logger.info(
            "smtp %s submission %s from %s",
            acceptance.status,
            acceptance.submission_id,
            envelope.mail_from,
            extra={"submission_id": acceptance.submission_id},
        )
        return f"250 2.0.0 OK {acceptance.submission_id}"

    async def drained(self, timeout: float = DRAIN_SECONDS) -> bool:
        """Wait until no message is being accepted (bounded); False when the wait timed out."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True


class _SizeCodeSMTP(SMTP):
    """aiosmtpd answers size violations without an enhanced status code; add RFC 3463's 5.3.4."""

    line_length_limit = LINE_LENGTH_LIMIT

    async def push(self, status: Any) -> None:
        if isinstance(status, str) and status.startswith("552 Error"):
            status = TOO_BIG
        await super().push(status)


class SmtpDoor:
    """An SMTP server on the running loop: `await start()`, then `await stop()` (graceful)."""

    def __init__(
        self,
        handler: SubmissionHandler,
        *,
        host: str,
        port: int,
        hostname: str,
        tls_context: ssl.SSLContext | None,
        require_tls: bool = False,
    ) -> None:
        self.handler = handler
        self.host, self.port = host, port
        self._smtp_options: dict[str, Any] = {
            "hostname": hostname,
            "ident": "MCA ingest",
            "tls_context": tls_context,
            "require_starttls": bool(tls_context and require_tls),
            "data_size_limit": handler.max_message_bytes,
            "enable_SMTPUTF8": True,
            "decode_data": False,
            # No SMTP AUTH: ISO brokers' servers deliver to us; advertising AUTH would only invite guessing.
            "auth_exclude_mechanism": ["LOGIN", "PLAIN"],
        }
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> int:
        """Listen; returns the bound port (useful with port 0)."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._protocol, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        logger.info("SMTP door listening on %s:%d", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        """Stop listening, then let messages being accepted finish (bounded)."""
        if self._server is None:
            return
        self._server.close()
        if not await self.handler.drained():
            logger.warning("SMTP door stopped with messages still being accepted")
        self._server = None

    def _protocol(self) -> SMTP:
        return _SizeCodeSMTP(self.handler, **self._smtp_options)
