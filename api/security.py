"""Credentials, pure: password hashes, session tokens (JWT) and API keys.

- Passwords: Argon2id (argon2-cffi) with its own salted, self-describing hash string.
- People sign in through the OAuth2 password flow and get a short-lived HS256 JWT naming their
  user id and role; the role is re-read from the database on every request, so a demotion or a
  deactivation takes effect at once.
- API keys look like `mca_<prefix>_<secret>`: the prefix finds the row, only a SHA-256 of the whole
  key is stored (the secret is 256 random bits, so a slow hash would buy nothing), and the key is
  shown once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from api.permissions import permissions_of

JWT_ALGORITHM = "HS256"
JWT_AUDIENCE = "mca-api"
API_KEY_SCHEME = "mca"
PREFIX_BYTES = 6
SECRET_BYTES = 32
ONE_TIME_PASSWORD_LENGTH = 20

_hasher = PasswordHasher()


class InvalidCredentialsError(Exception):
    """A token or key that is malformed, expired, forged or unknown (the caller answers 401)."""


@dataclass(frozen=True)
class Principal:
    """Who is calling: `actor` is what audit records name ("user:<id>" or "api_key:<id>")."""

    actor: str
    role: str
    user_id: str | None = None
    api_key_id: str | None = None
    display_name: str | None = None

    @property
    def permissions(self) -> frozenset[str]:
        """The permissions of the principal's role."""
        return permissions_of(self.role)

    def can(self, permission: str) -> bool:
        """Whether the principal's role grants `permission`."""
        return permission in self.permissions


def hash_password(password: str) -> str:
    """An Argon2id hash string of `password` (salted; safe to store)."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches `password_hash`; False for a malformed hash too."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def one_time_password() -> str:
    """A random password of letters and digits, for a new account when none is given."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(ONE_TIME_PASSWORD_LENGTH))


def issue_token(
    *, user_id: str, role: str, secret: str, lifetime: timedelta, now: datetime | None = None
) -> str:
    """A signed session token for `user_id` valid for `lifetime` from `now`."""
    issued = now or datetime.now(UTC)
    claims = {
        "sub": user_id,
        "role": role,
        "aud": JWT_AUDIENCE,
        "iat": issued,
        "exp": issued + lifetime,
        "jti": secrets.token_hex(8),
    }
    return jwt.encode(claims, secret, algorithm=JWT_ALGORITHM)


def read_token(token: str, *, secret: str) -> str:
    """The user id a valid session token names; raises InvalidCredentialsError otherwise."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[JWT_ALGORITHM],
            audience=JWT_AUDIENCE,
            options={"require": ["sub", "exp", "aud"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidCredentialsError(f"invalid session token: {exc}") from exc
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise InvalidCredentialsError("session token names no user")
    return subject


@dataclass(frozen=True)
class NewApiKey:
    """A freshly made key: `key` is shown once; `prefix` and `key_hash` are what is stored."""

    key: str
    prefix: str
    key_hash: str


def new_api_key() -> NewApiKey:
    """A random API key with its lookup prefix and stored hash."""
    prefix = secrets.token_hex(PREFIX_BYTES)
    key = f"{API_KEY_SCHEME}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    return NewApiKey(key=key, prefix=prefix, key_hash=api_key_hash(key))


def api_key_prefix(key: str) -> str:
    """The lookup prefix of a presented key; raises InvalidCredentialsError when it is not one."""
    scheme, _, rest = key.partition("_")
    prefix, _, secret = rest.partition("_")
    if scheme != API_KEY_SCHEME or len(prefix) != PREFIX_BYTES * 2 or not secret:
        raise InvalidCredentialsError("not an API key")
    return prefix


def api_key_hash(key: str) -> str:
    """SHA-256 (hex) of a whole API key, as stored."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def api_key_matches(key: str, stored_hash: str) -> bool:
    """Whether `key` hashes to `stored_hash` (constant-time comparison)."""
    return hmac.compare_digest(api_key_hash(key), stored_hash)


def looks_like_api_key(credential: str) -> bool:
    """Whether a bearer credential is an API key rather than a session token."""
    return credential.startswith(f"{API_KEY_SCHEME}_")
