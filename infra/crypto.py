"""AES-GCM encryption with key ids, shared by PII field encryption and objects at rest.

A key ring holds named 256-bit keys; the first one encrypts, every one decrypts, so keys
rotate by putting a new key first and keeping the old ones until nothing uses them.
A sealed value carries its key id, so a reader always knows which key to use.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from infra.errors import ConfigurationError, MCAError

NONCE_BYTES = 12
BLOB_MAGIC = b"MCA1"


class DecryptionError(MCAError):
    """Ciphertext that does not open with any key of the ring (wrong key, tampered, truncated)."""


@dataclass(frozen=True)
class KeyRing:
    """Named AES-256-GCM keys; `active_id` names the one that encrypts."""

    keys: dict[str, bytes]
    active_id: str

    def seal(self, plaintext: bytes, associated_data: bytes = b"") -> tuple[str, bytes]:
        """Encrypt with the active key; returns (key id, nonce + ciphertext + tag)."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.active_id]).encrypt(nonce, plaintext, associated_data or None)
        return self.active_id, nonce + sealed

    def open(self, key_id: str, sealed: bytes, associated_data: bytes = b"") -> bytes:
        """Decrypt what `seal` produced under `key_id`; raises DecryptionError on any mismatch."""
        key = self.keys.get(key_id)
        if key is None:
            raise DecryptionError(f"unknown key id {key_id!r}")
        try:
            return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated_data or None)
        except InvalidTag as exc:
            raise DecryptionError(f"ciphertext does not open under key {key_id!r}") from exc

    def seal_blob(self, plaintext: bytes) -> bytes:
        """Self-describing encrypted blob: magic, key-id length, key id, nonce + ciphertext."""
        key_id, sealed = self.seal(plaintext)
        kid = key_id.encode()
        return BLOB_MAGIC + bytes([len(kid)]) + kid + sealed

    def open_blob(self, blob: bytes) -> bytes:
        """Inverse of `seal_blob`."""
        if not blob.startswith(BLOB_MAGIC) or len(blob) < len(BLOB_MAGIC) + 1:
            raise DecryptionError("not an encrypted blob")
        kid_len = blob[len(BLOB_MAGIC)]
        start = len(BLOB_MAGIC) + 1
        key_id = blob[start : start + kid_len].decode()
        return self.open(key_id, blob[start + kid_len :])


def parse_key_ring(spec: str) -> KeyRing:
    """Parse 'kid:base64key[,kid:base64key...]' (the MCA_ENCRYPTION_KEYS format)."""
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        key_id, sep, encoded = item.partition(":")
        if not sep or not key_id:
            raise ConfigurationError("encryption keys must look like 'kid:base64key'")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError as exc:
            raise ConfigurationError(f"encryption key {key_id!r} is not valid base64") from exc
        if len(key) != 32:
            raise ConfigurationError(f"encryption key {key_id!r} must be 32 bytes, got {len(key)}")
        keys[key_id] = key
        order.append(key_id)
    if not order:
        raise ConfigurationError("no encryption key configured")
    return KeyRing(keys=keys, active_id=order[0])


def new_key_spec(key_id: str = "k1") -> str:
    """A fresh random key in the MCA_ENCRYPTION_KEYS format."""
    return f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


def development_key_ring(home: Path) -> KeyRing:
    """The embedded stack's key ring: created once under home/secrets (mode 0600) and reused."""
    path = home / "secrets" / "encryption_keys"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(new_key_spec())
    return parse_key_ring(path.read_text().strip())
