"""Who is calling: the principal of a session token or an API key, read with plain Core selects.

Run on every authenticated request, so kept to one small query (and, at most once a minute per
key, an update of `last_used_at` rather than a write per request).
"""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, select, update

from api.security import InvalidCredentialsError, Principal, api_key_matches, api_key_prefix, read_token
from schemas.db import metadata

LAST_USED_RESOLUTION = timedelta(minutes=1)
_USERS = metadata.tables["users"]
_KEYS = metadata.tables["api_keys"]


def principal_of_token(connection: Connection, *, token: str, secret: str) -> Principal:
    """The active user a session token names (role as stored now); raises InvalidCredentialsError."""
    query = select(_USERS.c.id, _USERS.c.email, _USERS.c.role, _USERS.c.is_active).where(
        _USERS.c.id == read_token(token, secret=secret)
    )
    user = connection.execute(query).mappings().one_or_none()
    if user is None or not user["is_active"]:
        raise InvalidCredentialsError("unknown or inactive user")
    return Principal(
        actor=f"user:{user['id']}", role=user["role"], user_id=user["id"], display_name=user["email"]
    )


def principal_of_api_key(connection: Connection, *, key: str, now: datetime | None = None) -> Principal:
    """The principal of a valid, unrevoked, unexpired API key; raises InvalidCredentialsError."""
    query = select(
        _KEYS.c.id,
        _KEYS.c.name,
        _KEYS.c.key_hash,
        _KEYS.c.role,
        _KEYS.c.user_id,
        _KEYS.c.revoked_at,
        _KEYS.c.expires_at,
        _KEYS.c.last_used_at,
    ).where(_KEYS.c.prefix == api_key_prefix(key))
    row = connection.execute(query).mappings().one_or_none()
    moment = now or datetime.now(UTC)
    if row is None or not api_key_matches(key, row["key_hash"]) or row["revoked_at"] is not None:
        raise InvalidCredentialsError("unknown or revoked API key")
    if row["expires_at"] is not None and row["expires_at"] <= moment:
        raise InvalidCredentialsError("expired API key")
    if row["last_used_at"] is None or moment - row["last_used_at"] >= LAST_USED_RESOLUTION:
        connection.execute(update(_KEYS).where(_KEYS.c.id == row["id"]).values(last_used_at=moment))
        connection.commit()
    return Principal(
        actor=f"api_key:{row['id']}",
        role=row["role"],
        user_id=row["user_id"],
        api_key_id=row["id"],
        display_name=row["name"],
    )


class PrincipalCache:
    """Principals of recently seen credentials for `seconds` (0 turns it off), so a busy client does
    not cost a database round trip per request. Thread-safe.

    The API owns users and keys, so it clears the cache itself whenever one changes through it: a
    revocation, deactivation or demotion made through the API applies at once; one made in the
    database by other means (the CLI, another API process) applies within `seconds`.
    """

    def __init__(self, seconds: float, max_entries: int = 10_000) -> None:
        self._seconds = seconds
        self._max_entries = max_entries
        self._entries: dict[str, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(credential: str) -> str:
        return hashlib.sha256(credential.encode("utf-8")).hexdigest()

    def get(self, credential: str) -> Principal | None:
        """The cached principal of `credential`, or None (absent or expired)."""
        if self._seconds <= 0:
            return None
        with self._lock:
            entry = self._entries.get(self._key(credential))
        if entry is None or entry[1] <= time.monotonic():
            return None
        return entry[0]

    def put(self, credential: str, principal: Principal) -> None:
        """Remember `principal` for `credential` (the oldest half is dropped when full)."""
        if self._seconds <= 0:
            return
        with self._lock:
            if len(self._entries) >= self._max_entries:
                for key in list(self._entries)[: self._max_entries // 2]:
                    del self._entries[key]
            self._entries[self._key(credential)] = (principal, time.monotonic() + self._seconds)

    def clear(self) -> None:
        """Forget every principal (after any change to users or keys)."""
        with self._lock:
            self._entries.clear()
