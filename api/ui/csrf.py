"""CSRF tokens of the web UI, pure: a per-browser random nonce (kept in an HttpOnly cookie) and the
token every form and htmx request must carry, an HMAC of that nonce under the app's secret.

A cross-site page can neither read the cookie nor compute the HMAC, so it cannot forge a request
that passes; SameSite=Strict cookies are a second, independent barrier.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

NONCE_BYTES = 24
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_nonce() -> str:
    """A fresh random nonce for the CSRF cookie."""
    return secrets.token_urlsafe(NONCE_BYTES)


def is_nonce(value: str | None) -> bool:
    """Whether `value` has the shape of a nonce this module made."""
    return bool(value) and _NONCE.match(value or "") is not None


def csrf_token(secret: str, nonce: str) -> str:
    """The token forms carry for `nonce` (hex HMAC-SHA256 under `secret`)."""
    return hmac.new(secret.encode("utf-8"), f"ui-csrf:{nonce}".encode(), hashlib.sha256).hexdigest()


def csrf_valid(secret: str, nonce: str | None, token: str | None) -> bool:
    """Whether `token` is the token of `nonce` (constant-time); False when either is missing."""
    if not token or not is_nonce(nonce):
        return False
    return hmac.compare_digest(csrf_token(secret, nonce or ""), token)
