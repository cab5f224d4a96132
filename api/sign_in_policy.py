"""Throttling of failed password sign-ins, pure: given the failures recorded so far and the time now,
may a sign-in go ahead, and if not, until when must it wait.

Failures are counted per key in two scopes: the account (the email as typed, whether or not such a
user exists, so a lockout says nothing about who has an account) and the client address (an IPv6
address counts as its /64, which one subscriber usually holds whole). A key's failures add up until
`window` passes without a failure or a lockout; the `max_failures`-th failure locks the key for
`lockout`, and each further failure (possible only once a lockout has ended) doubles it, up to
`max_lockout`. Attempts refused during a lockout are not failures: they neither verify the
password nor extend the lockout. A successful sign-in clears the account's failures only, so one
working account cannot reset the count of an address that guesses at others.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

ACCOUNT = "account"
ADDRESS = "address"
SCOPES: tuple[str, ...] = (ACCOUNT, ADDRESS)
KEY_LENGTH = 64
IPV6_NETWORK_PREFIX = 64


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures lock a key, for how long, and when failures are forgotten."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=1)
    max_lockout: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        if self.max_failures < 1:
            raise ValueError("max_failures must be at least 1")
        if min(self.window, self.lockout) <= timedelta(0):
            raise ValueError("window and lockout must be positive")
        if self.max_lockout < self.lockout:
            raise ValueError("max_lockout must be at least lockout")


@dataclass(frozen=True)
class SignInPolicy:
    """The throttle of each scope: accounts, and client addresses (several people may share one)."""

    account: ThrottlePolicy = field(default_factory=ThrottlePolicy)
    address: ThrottlePolicy = field(default_factory=lambda: ThrottlePolicy(max_failures=20))

    def of(self, scope: str) -> ThrottlePolicy:
        """The policy of `scope` (ACCOUNT or ADDRESS)."""
        return {ACCOUNT: self.account, ADDRESS: self.address}[scope]

    def forget_before(self, now: datetime) -> datetime:
        """Keys whose last failure is older than this are fresh again in every scope (safe to delete)."""
        return now - max(policy.window + policy.max_lockout for policy in (self.account, self.address))


@dataclass(frozen=True)
class FailureState:
    """What is remembered of one key: failures counted, the last one, and the lockout if any."""

    failures: int = 0
    last_failure_at: datetime | None = None
    locked_until: datetime | None = None


FRESH = FailureState()


@dataclass(frozen=True)
class Verdict:
    """Whether an attempt may go ahead; if not, when it may be retried and which scopes are locked."""

    retry_at: datetime | None = None
    locked_scopes: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        """True when no scope is locked."""
        return self.retry_at is None

    def retry_after_seconds(self, now: datetime) -> int:
        """Whole seconds to wait (rounded up, at least 1), as an HTTP Retry-After header says it."""
        if self.retry_at is None:
            return 0
        return max(1, math.ceil((self.retry_at - now).total_seconds()))


def current(state: FailureState, now: datetime, policy: ThrottlePolicy) -> FailureState:
    """`state` as it stands at `now`: fresh once a whole window has passed after its last failure
    and after its lockout."""
    if state.last_failure_at is None:
        return FRESH
    quiet_since = max(state.last_failure_at, state.locked_until or state.last_failure_at)
    return FRESH if now - quiet_since >= policy.window else state


def lockout_for(failures: int, policy: ThrottlePolicy) -> timedelta | None:
    """How long the `failures`-th failure in a row locks its key: None below the threshold, then
    `lockout` doubled for each failure past it, at most `max_lockout`."""
    beyond = failures - policy.max_failures
    if beyond < 0:
        return None
    doubled = policy.lockout.total_seconds() * 2.0 ** min(beyond, 64)
    return timedelta(seconds=min(doubled, policy.max_lockout.total_seconds()))


def after_failure(state: FailureState, now: datetime, policy: ThrottlePolicy) -> FailureState:
    """The state of a key after a failed attempt at `now` (one that was allowed to go ahead)."""
    failures = current(state, now, policy).failures + 1
    lockout = lockout_for(failures, policy)
    return FailureState(failures, now, now + lockout if lockout is not None else None)


def check(states: Mapping[str, FailureState], now: datetime) -> Verdict:
    """The verdict on an attempt at `now` given the state of its key in each scope: refused until the
    latest lockout ends while any scope is locked."""
    locked = {
        scope: state.locked_until
        for scope, state in states.items()
        if state.locked_until is not None and state.locked_until > now
    }
    if not locked:
        return Verdict()
    return Verdict(retry_at=max(locked.values()), locked_scopes=tuple(sorted(locked)))


def newly_locked(before: FailureState, after: FailureState, now: datetime) -> bool:
    """Whether a failure turned an unlocked key (`before`) into a locked one (`after`)."""
    was_locked = before.locked_until is not None and before.locked_until > now
    return not was_locked and after.locked_until is not None and after.locked_until > now


def account_key(email: str) -> str:
    """The key of an account: SHA-256 of the email as find_user matches it (trimmed, lower case).

    Hashed because people sometimes type a password into the email field; the table must not keep it.
    """
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


def address_key(host: str) -> str:
    """The key of a client address: an IPv4 address as is, an IPv6 one as its /64 network (IPv4-mapped
    ones as the IPv4 address); anything else (a test client's name) as given, cut to the key length."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:KEY_LENGTH]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_NETWORK_PREFIX), strict=False))
    return str(address)


def throttle_keys(email: str, client_ip: str | None) -> dict[str, str]:
    """The key of an attempt in each scope it counts in (no address scope when the address is unknown)."""
    keys = {ACCOUNT: account_key(email)}
    if client_ip:
        keys[ADDRESS] = address_key(client_ip)
    return keys
