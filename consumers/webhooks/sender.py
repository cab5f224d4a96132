"""One webhook POST: URL checked and pinned, connect and read timeouts, no redirects, a bounded
excerpt of the answer, and the latency; never raises for anything the receiver does.

Pinning: the request connects to the address the URL policy approved (the URL's host is replaced
by it) while the Host header and the TLS server name (SNI, certificate check) stay the original
host. Connections are not kept alive between requests, so a pooled connection of one host is never
reused for another host on the same address. Proxies from the environment are ignored (a proxy
would connect wherever it likes).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from consumers.webhooks.url_policy import Resolver, UrlRefusedError, check_url, system_resolver

logger = logging.getLogger(__name__)

USER_AGENT = "mca-webhooks/1"
ERROR_CHARS = 300


@dataclass(frozen=True)
class AttemptResult:
    """What an attempt got: a status code (None without an answer), latency, excerpt or error."""

    status_code: int | None
    latency_ms: int
    response_excerpt: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class SenderConfig:
    """Timeouts, excerpt length and whether private targets are allowed for every endpoint."""

    connect_timeout_seconds: float = 5.0
    read_timeout_seconds: float = 10.0
    excerpt_chars: int = 500
    allow_private_urls: bool = False


class WebhookSender:
    """POSTs signed bodies; `setup()` creates the HTTP client, `close()` releases it. Thread-safe."""

    def __init__(self, config: SenderConfig, *, resolve: Resolver = system_resolver) -> None:
        self._config = config
        self._resolve = resolve
        self._client: httpx.Client | None = None

    def setup(self) -> None:
        """Create the HTTP client (no I/O before this)."""
        timeout = httpx.Timeout(
            connect=self._config.connect_timeout_seconds,
            read=self._config.read_timeout_seconds,
            write=self._config.read_timeout_seconds,
            pool=self._config.connect_timeout_seconds,
        )
        self._client = httpx.Client(
            timeout=timeout, follow_redirects=False, trust_env=False,
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    def close(self) -> None:
        """Close the HTTP client."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def post(
        self, url: str, body: str, headers: Mapping[str, str], *, allow_private: bool = False
    ) -> AttemptResult:
        """POST `body` (JSON) with `headers` to `url` after the URL policy (private targets allowed
        when `allow_private` or the sender's config says so)."""
        if self._client is None:
            self.setup()
        assert self._client is not None
        started = time.monotonic()
        try:
            pinned = check_url(url, resolve=self._resolve,
                               allow_private=allow_private or self._config.allow_private_urls)
        except UrlRefusedError as exc:
            return AttemptResult(None, _elapsed_ms(started), error=_short(f"refused: {exc}"))
        target = httpx.URL(url).copy_with(host=pinned.address)
        extensions = {"sni_hostname": pinned.host} if pinned.scheme == "https" else {}
        request_headers = {"content-type": "application/json", "user-agent": USER_AGENT,
                           "host": httpx.URL(url).netloc.decode("ascii"), **headers}
        try:
            with self._client.stream("POST", target, content=body.encode("utf-8"), headers=request_headers,
                                     extensions=extensions) as response:
                excerpt = self._excerpt(response)
                return AttemptResult(response.status_code, _elapsed_ms(started), response_excerpt=excerpt)
        except httpx.TimeoutException as exc:
            return AttemptResult(None, _elapsed_ms(started), error=_short(f"timeout: {type(exc).__name__}"))
        except httpx.HTTPError as exc:
            return AttemptResult(None, _elapsed_ms(started),
                                 error=_short(f"{type(exc).__name__}: {exc}"))

    def _excerpt(self, response: httpx.Response) -> str | None:
        limit = self._config.excerpt_chars
        if limit <= 0:
            return None
        # Read at most ~4 bytes per character kept: a huge answer is never downloaded whole.
        budget, chunks = limit * 4, []
        try:
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                budget -= len(chunk)
                if budget <= 0:
                    break
        except httpx.HTTPError as exc:  # the status line arrived; an unreadable body does not undo it
            chunks.append(f" [body unreadable: {type(exc).__name__}]".encode())
        raw = b"".join(chunks)
        try:
            text = raw.decode(response.encoding or "utf-8", errors="replace")
        except LookupError:  # a charset Python does not know
            text = raw.decode("utf-8", errors="replace")
        return text[:limit] or None


def _elapsed_ms(started: float) -> int:
    return max(0, round((time.monotonic() - started) * 1000))


def _short(text: str) -> str:
    return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 3] + "..."
