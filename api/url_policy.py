"""The webhook URL policy as the API applies it at registration.

There is one policy, `consumers.webhooks.url_policy` (pure, resolver injected), which the
delivery workers apply again before every attempt; the API imports it rather than keeping a copy
that could drift. What the API adds: a resolver bounded in time, so a registration never hangs
on DNS, and the plain result (the URL accepted or the reason it was refused).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from consumers.webhooks.url_policy import (
    HostResolutionError,
    PinnedUrl,
    Resolver,
    UrlRefusedError,
    check_url,
    refusal_reason,
    system_resolver,
)

RESOLVE_SECONDS = 3.0
_resolvers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook-dns")

__all__ = [
    "HostResolutionError",
    "PinnedUrl",
    "UrlRefusedError",
    "bounded_resolver",
    "check_webhook_url",
    "refusal_reason",
]


def bounded_resolver(resolve: Resolver = system_resolver, seconds: float = RESOLVE_SECONDS) -> Resolver:
    """`resolve` that gives up after `seconds` with HostResolutionError (getaddrinfo has no timeout)."""

    def bounded(host: str, port: int) -> Sequence[str]:
        future = _resolvers.submit(resolve, host, port)
        try:
            return future.result(timeout=seconds)
        except FutureTimeout as exc:
            raise HostResolutionError(f"host {host!r} did not resolve within {seconds:g} s") from exc

    return bounded


def check_webhook_url(url: str, *, allow_private: bool, resolve: Resolver | None = None) -> str:
    """`url` when it may be registered as a webhook endpoint; raises UrlRefusedError with the reason
    otherwise (not http(s), no host, does not resolve, or a loopback, private, link-local or
    reserved address while `allow_private` is false). Blocking: call it from a worker thread."""
    check_url(url, resolve=resolve or bounded_resolver(), allow_private=allow_private)
    return url
