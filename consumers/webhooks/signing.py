"""Standard Webhooks signatures and the endpoints' signing secrets.

Signing uses the `standardwebhooks` library: `webhook-signature` is `v1,<base64 HMAC-SHA256 of
"<webhook-id>.<webhook-timestamp>.<body>">` under the endpoint's `whsec_` secret. During a secret
rotation the previous secret keeps signing until its overlap ends, so the header then holds two
space-separated signatures and receivers holding either secret verify.

Secrets rest in `webhook_endpoints` sealed with the key ring (the UTF-8 text of the `whsec_...`
secret, no associated data); `seal_signing_secret` and `open_signing_secret` are the one way in
and out, for the API and the workers alike.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook

from infra.crypto import KeyRing
from infra.errors import MCAError

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


class SigningSecretError(MCAError):
    """A signing secret that is missing or not a valid `whsec_` secret."""


def new_signing_secret() -> str:
    """A fresh random secret in the Standard Webhooks form `whsec_<base64 of 32 bytes>`."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def seal_signing_secret(ring: KeyRing, secret: str) -> tuple[str, bytes]:
    """(key id, ciphertext) of `secret` for the `*_secret_key_id` / `*_secret_ciphertext` columns."""
    return ring.seal(secret.encode("utf-8"))


def open_signing_secret(ring: KeyRing, key_id: str, ciphertext: bytes) -> str:
    """The `whsec_` secret sealed by `seal_signing_secret`; raises DecryptionError or SigningSecretError.

    Raw key bytes sealed without the prefix are accepted too and returned in `whsec_` form.
    """
    plain = ring.open(key_id, bytes(ciphertext))
    try:
        text = plain.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if text.startswith(SECRET_PREFIX):
        return text
    if not plain:
        raise SigningSecretError("empty signing secret")
    return SECRET_PREFIX + base64.b64encode(plain).decode("ascii")


def active_secrets(
    current: str, previous: str | None, previous_expires_at: datetime | None, now: datetime
) -> list[str]:
    """The secrets that sign at `now`: the current one, plus the previous one until its overlap ends."""
    if previous and previous_expires_at is not None and now < previous_expires_at:
        return [current, previous]
    return [current]


def signature_headers(webhook_id: str, body: str, secrets_: Sequence[str], at: datetime) -> dict[str, str]:
    """The three Standard Webhooks headers for POSTing `body` as `webhook_id` at `at` (whole seconds).

    Raises SigningSecretError when no secret is given or one is not a valid secret.
    """
    if not secrets_:
        raise SigningSecretError("no signing secret")
    moment = datetime.fromtimestamp(int(at.timestamp()), UTC)
    try:
        signatures = [Webhook(secret).sign(msg_id=webhook_id, timestamp=moment, data=body)
                      for secret in secrets_]
    except (ValueError, RuntimeError, EmptyWebhookSecretError) as exc:  # binascii.Error is a ValueError
        raise SigningSecretError(f"invalid signing secret: {type(exc).__name__}") from exc
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
