"""The IMAP door: poll an existing mailbox over IMAPS and accept each message once.

A message is marked handled (keyword $McaIngested, or moved to the done folder) only after
accept_email returned, so a crash or a Kafka outage leaves it to be fetched again; the same
bytes again are an idempotent no-op. IDLE is used when the server has it, else the mailbox is
polled. Lost connections are re-established with exponential backoff and jitter.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from dataclasses import dataclass
from pathlib import Path

import aioimaplib
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, wait_random_exponential

from infra.errors import ConfigurationError, MCAError
from infra.settings import Settings
from ingest.accept import IngestDeps, accept_email
from ingest.imap_protocol import (
    ImapError,
    checked,
    fetched_literal,
    parse_uids,
    quote_mailbox,
    search_criteria,
)

logger = logging.getLogger(__name__)

HANDLED_KEYWORD = "$McaIngested"
BATCH = 50
CONNECTION_ERRORS = (aioimaplib.AioImapException, ImapError, OSError, TimeoutError, ssl.SSLError)


@dataclass(frozen=True)
class ImapConfig:
    """Where the mailbox is and how to treat handled mail (plain values from Settings)."""

    host: str
    port: int
    user: str
    password: str
    mailbox: str = "INBOX"
    done_folder: str | None = None
    poll_seconds: float = 30.0
    ca_file: Path | None = None
    verify_tls: bool = True
    timeout: float = 30.0
    max_backoff_seconds: float = 60.0
    use_idle: bool = True


@dataclass
class PollStats:
    """Counts since the poller started."""

    accepted: int = 0
    already_accepted: int = 0
    failed: int = 0


class ImapPoller:
    """`await run(stop)` until `stop` is set; reconnects by itself, never raises for I/O failures."""

    def __init__(self, config: ImapConfig, deps: IngestDeps) -> None:
        self.config = config
        self.deps = deps
        self.stats = PollStats()
        self._lost = asyncio.Event()
        self._skipped: set[int] = set()

    async def run(self, stop: asyncio.Event) -> PollStats:
        """Serve the mailbox until `stop` is set; returns the counts."""
        while not stop.is_set():
            client = await self._connect_with_backoff(stop)
            if client is None:
                break
            try:
                await self._serve(client, stop)
            except CONNECTION_ERRORS as exc:
                logger.warning("IMAP session with %s ended: %r; reconnecting", self.config.host, exc)
            finally:
                await _logout(client)
        return self.stats

    async def poll_once(self, client: aioimaplib.IMAP4, stop: asyncio.Event | None = None) -> int:
        """Accept every unhandled message of the selected mailbox (until `stop` is set); returns how
        many were handled."""
        handled = 0
        while stop is None or not stop.is_set():
            response = checked(
                await client.uid_search(search_criteria(HANDLED_KEYWORD, self._moving), charset=None),
                "UID SEARCH",
            )
            uids = [uid for uid in parse_uids(response.lines) if uid not in self._skipped][:BATCH]
            if not uids:
                return handled
            for uid in uids:
                if stop is not None and stop.is_set():
                    break
                handled += await self._handle(client, uid)
        return handled

    @property
    def _moving(self) -> bool:
        return bool(self.config.done_folder)

    async def _handle(self, client: aioimaplib.IMAP4, uid: int) -> int:
        response = checked(await client.uid("fetch", str(uid), "(BODY.PEEK[])"), "UID FETCH")
        raw = fetched_literal(response.lines)
        if raw is None:
            return 0  # expunged meanwhile
        try:
            acceptance = await accept_email(raw, channel="imap", deps=self.deps)
        except Exception as exc:  # one message must never stop the door; it stays unflagged for a retry
            self.stats.failed += 1
            self._skipped.add(uid)  # retried in the next round, not in a tight loop now
            log = logger.warning if isinstance(exc, MCAError) else logger.exception
            log("IMAP message uid %d not accepted (left unflagged for a retry): %s", uid, exc)
            return 0
        if acceptance.status == "accepted":
            self.stats.accepted += 1
        else:
            self.stats.already_accepted += 1
        await self._mark_handled(client, uid)
        logger.info(
            "imap uid %d %s as submission %s",
            uid,
            acceptance.status,
            acceptance.submission_id,
            extra={"submission_id": acceptance.submission_id},
        )
        return 1

    async def _mark_handled(self, client: aioimaplib.IMAP4, uid: int) -> None:
        checked(await client.uid("store", str(uid), "+FLAGS.SILENT", f"({HANDLED_KEYWORD})"), "UID STORE")
        folder = self.config.done_folder
        if not folder:
            return
        if client.has_capability("MOVE"):
            checked(await client.uid("move", str(uid), quote_mailbox(folder)), "UID MOVE")
            return
        checked(await client.uid("copy", str(uid), quote_mailbox(folder)), "UID COPY")
        checked(await client.uid("store", str(uid), "+FLAGS.SILENT", r"(\Deleted)"), "UID STORE")
        if client.has_capability("UIDPLUS"):
            checked(await client.uid("expunge", str(uid)), "UID EXPUNGE")

    async def _serve(self, client: aioimaplib.IMAP4, stop: asyncio.Event) -> None:
        idle = self.config.use_idle and client.has_capability("IDLE")
        logger.info(
            "IMAP door watching %s@%s/%s (%s)",
            self.config.user,
            self.config.host,
            self.config.mailbox,
            "IDLE" if idle else f"polling every {self.config.poll_seconds}s",
        )
        while not stop.is_set():
            self._skipped = set()
            await self.poll_once(client, stop)
            if stop.is_set():
                return
            if idle:
                await self._idle(client, stop)
            else:
                await _wait_any(stop, self._lost, timeout=self.config.poll_seconds)
                checked(await client.noop(), "NOOP")
            if self._lost.is_set():
                raise ImapError("connection lost")

    async def _idle(self, client: aioimaplib.IMAP4, stop: asyncio.Event) -> None:
        idle_task = await client.idle_start(timeout=self.config.poll_seconds)
        push = asyncio.ensure_future(client.wait_server_push(timeout=self.config.poll_seconds + 5))
        stopped = asyncio.ensure_future(_wait_any(stop, self._lost, timeout=None))
        try:
            await asyncio.wait({push, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (push, stopped):
                task.cancel()
            await asyncio.gather(push, stopped, return_exceptions=True)
        if self._lost.is_set():
            idle_task.cancel()  # no DONE can reach a server that is gone; _serve reconnects
            return
        if client.has_pending_idle():
            client.idle_done()
        await asyncio.wait_for(idle_task, self.config.timeout)

    async def _connect_with_backoff(self, stop: asyncio.Event) -> aioimaplib.IMAP4 | None:
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(CONNECTION_ERRORS),
            wait=wait_random_exponential(multiplier=0.5, max=self.config.max_backoff_seconds),
            stop=lambda _state: stop.is_set(),
            sleep=lambda seconds: _wait_any(stop, timeout=seconds),
            before_sleep=_log_retry,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    return await self._connect()
        except CONNECTION_ERRORS:
            if not stop.is_set():
                raise
        return None

    async def _connect(self) -> aioimaplib.IMAP4:
        self._lost = asyncio.Event()
        client = aioimaplib.IMAP4(
            host=self.config.host,
            port=self.config.port,
            timeout=self.config.timeout,
            conn_lost_cb=lambda _exc: self._lost.set(),
            ssl_context=_client_tls(self.config),
        )
        try:
            await client.wait_hello_from_server()
            checked(await client.login(self.config.user, self.config.password), "LOGIN")
            await client.protocol.capability()
            if self.config.done_folder:
                await client.create(quote_mailbox(self.config.done_folder))  # NO when it exists: fine
            checked(await client.select(quote_mailbox(self.config.mailbox)), "SELECT")
        except BaseException:
            await _logout(client)
            raise
        return client


def imap_config_from_settings(settings: Settings) -> ImapConfig:
    """ImapConfig from Settings; raises ConfigurationError when the mailbox is not configured."""
    if not settings.imap_host or not settings.imap_user or settings.imap_password is None:
        raise ConfigurationError("set MCA_IMAP_HOST, MCA_IMAP_USER and MCA_IMAP_PASSWORD to poll a mailbox")
    return ImapConfig(
        host=settings.imap_host,
        port=settings.imap_port,
        user=settings.imap_user,
        password=settings.imap_password.get_secret_value(),
        mailbox=settings.imap_mailbox,
        done_folder=settings.imap_done_folder,
        poll_seconds=settings.imap_poll_seconds,
        ca_file=settings.imap_ca_file,
        verify_tls=settings.imap_verify_tls,
    )


def _client_tls(config: ImapConfig) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)
    if not config.verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


async def _wait_any(*events: asyncio.Event, timeout: float | None) -> None:
    waits = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()


async def _logout(client: aioimaplib.IMAP4) -> None:
    try:
        await asyncio.wait_for(client.logout(), 5)
    except CONNECTION_ERRORS:
        pass  # the connection is gone already; nothing left to close politely
    transport = getattr(client.protocol, "transport", None)
    if transport is not None:
        transport.close()


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    delay = state.next_action.sleep if state.next_action else 0.0
    logger.warning("IMAP connection failed (%r); retry %d in %.1fs", exc, state.attempt_number, delay)
