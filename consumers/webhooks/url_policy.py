"""Which webhook URLs may be called: no loopback, private, link-local, multicast, reserved or
unspecified targets (server-side request forgery), unless explicitly allowed.

Pure except for the resolver, which is injected (`system_resolver` in production). The check
resolves the host and returns the address to connect to: callers connect to exactly that address
(the request is pinned), so a DNS answer that changes between the check and the connection (DNS
rebinding) cannot redirect the request. Run it at registration (the API) and again before every
attempt (the workers). Every address a name resolves to must pass, not just the first.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from infra.errors import MCAError

Resolver = Callable[[str, int], Sequence[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOWED_SCHEMES = {"http": 80, "https": 443}
NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")


class UrlRefusedError(MCAError):
    """A webhook URL that must not be called (bad form, or a forbidden target address)."""


class HostResolutionError(UrlRefusedError):
    """The URL's host does not resolve (possibly a passing DNS failure)."""


@dataclass(frozen=True)
class PinnedUrl:
    """A checked URL and the one address the request must connect to."""

    url: str
    scheme: str
    host: str
    port: int
    address: str


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to through the system resolver (getaddrinfo), in its order.

    Raises HostResolutionError when it does not resolve.
    """
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise HostResolutionError(f"host {host!r} does not resolve: {exc}") from exc
    return list(dict.fromkeys(str(answer[4][0]) for answer in answers))


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (IPv4-mapped, 6to4 or NAT64), else None."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in NAT64_PREFIX:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def refusal_reason(address: IPAddress) -> str | None:
    """Why `address` must not be a webhook target, or None when it is a public unicast address."""
    inner = embedded_ipv4(address)
    if inner is not None:
        reason = refusal_reason(inner)
        return f"{reason} (inside {address})" if reason else None
    for flag in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved"):
        if getattr(address, f"is_{flag}"):
            return f"{address} is {flag.replace('_', '-')}"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


def check_url(url: str, *, resolve: Resolver, allow_private: bool = False) -> PinnedUrl:
    """`url` checked and pinned: http(s) with a host; every address it resolves to public unless
    `allow_private`. Returns the first address to connect to; raises UrlRefusedError (or its
    HostResolutionError) otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UrlRefusedError(f"malformed URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise UrlRefusedError(f"scheme {parts.scheme!r} is not http or https")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UrlRefusedError("URL has no host")
    port = port or ALLOWED_SCHEMES[scheme]
    addresses = _addresses(host, port, resolve)
    if not allow_private:
        for address in addresses:
            reason = refusal_reason(address)
            if reason:
                raise UrlRefusedError(f"{host} resolves to a forbidden address: {reason}")
    return PinnedUrl(url=url, scheme=scheme, host=host, port=port, address=str(addresses[0]))


def _addresses(host: str, port: int, resolve: Resolver) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    found: list[IPAddress] = []
    for answer in resolve(host, port):
        try:
            found.append(ipaddress.ip_address(answer.split("%", 1)[0]))  # drop an IPv6 zone id
        except ValueError as exc:
            raise HostResolutionError(f"{host} resolved to something not an address: {answer!r}") from exc
    if not found:
        raise HostResolutionError(f"host {host!r} resolves to no address")
    return found
