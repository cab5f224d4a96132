"""The object store contract (claim check): blobs live here, events carry their URI, size and sha256.

Keys are relative, slash-separated paths chosen by the caller (usually content addressed through
`content_key`), so the same bytes always land under the same key and a replay is a no-op.
"""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass

from infra.errors import StorageError, TransientError

MAX_KEY_BYTES = 1024
RESERVED_FIRST_SEGMENT = ".tmp"
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ObjectNotFoundError(StorageError):
    """The key or URI names no object in this store."""


class TransientStorageError(StorageError, TransientError):
    """The store is briefly unavailable (throttling, 5xx, connection lost); retrying may succeed."""


class InvalidKeyError(StorageError, ValueError):
    """A key that could escape the store or that the store cannot hold (traversal, absolute, empty)."""


@dataclass(frozen=True)
class StoredObject:
    """Where an object lives and what it holds: the claim check an event carries."""

    uri: str
    key: str
    size: int
    sha256: str


class ObjectStore(ABC):
    """Blob storage for raw emails, attachments, page images and archives.

    Implementations are safe to share between threads and keep every object confidential at rest.
    """

    @abstractmethod
    def put(self, key: str, data: bytes, *, content_type: str = "application/octet-stream") -> StoredObject:
        """Store `data` under `key` durably and return its claim check.

        Idempotent: the same bytes under the same key again change nothing and return an equal
        StoredObject. Other bytes under an existing key replace it. Raises InvalidKeyError for an
        unsafe key and StorageError (TransientStorageError when retrying may help) on failure.
        """

    @abstractmethod
    def get(self, uri_or_key: str) -> bytes:
        """The bytes stored under a key or under a URI this store returned.

        Raises ObjectNotFoundError when absent, StorageError when unreadable or from another store.
        """

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether an object is stored under `key`."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object under `key`; deleting an absent key is not an error."""

    @abstractmethod
    def presigned_url(self, key: str, expires_seconds: int = 3600) -> str | None:
        """A time-limited HTTP GET URL for the object, or None when the store cannot issue one."""

    @abstractmethod
    def describe(self) -> dict[str, str]:
        """Address, kind, state ("running" or "unreachable") and detail, for `mca stack status`."""


def sha256_hex(data: bytes) -> str:
    """Lower-case hex SHA-256 of `data`."""
    return hashlib.sha256(data).hexdigest()


def validate_key(key: str) -> str:
    """Return `key` unchanged when it is a safe relative object key; raise InvalidKeyError otherwise.

    Refused: empty keys, absolute paths, backslashes, empty, "." or ".." segments, control
    characters, keys over 1024 UTF-8 bytes and the store's reserved ".tmp" folder.
    """
    if not isinstance(key, str) or not key:
        raise InvalidKeyError("object key must be a non-empty string")
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise InvalidKeyError(f"object key longer than {MAX_KEY_BYTES} bytes")
    if key.startswith("/") or "\\" in key or re.match(r"^[A-Za-z]:", key):
        raise InvalidKeyError(f"object key must be relative: {key!r}")
    if _CONTROL.search(key):
        raise InvalidKeyError("object key contains control characters")
    segments = key.split("/")
    if any(segment in ("", ".", "..") for segment in segments):
        raise InvalidKeyError(f"object key has an empty, '.' or '..' segment: {key!r}")
    if segments[0] == RESERVED_FIRST_SEGMENT:
        raise InvalidKeyError(f"object key uses the reserved folder {RESERVED_FIRST_SEGMENT!r}")
    return key


def content_key(prefix: str, sha256: str, suffix: str = "") -> str:
    """Content-addressed key `prefix/ab/abcdef...<suffix>` fanned out by the hash's first two digits.

    `sha256` must be 64 lower-case hex digits; `suffix` is an extension such as ".eml" (a missing
    leading dot is added). Raises InvalidKeyError for a bad hash, prefix or suffix.
    """
    if not _SHA256_HEX.fullmatch(sha256):
        raise InvalidKeyError(f"not a lower-case hex sha256: {sha256!r}")
    if suffix and not suffix.startswith("."):
        suffix = "." + suffix
    if "/" in suffix or "\\" in suffix:
        raise InvalidKeyError(f"suffix must not contain a path separator: {suffix!r}")
    fanned = f"{sha256[:2]}/{sha256}{suffix}"
    clean_prefix = prefix.strip("/")
    return validate_key(f"{clean_prefix}/{fanned}" if clean_prefix else fanned)
