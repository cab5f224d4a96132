"""The embedded object store: a local folder whose every file is AES-GCM encrypted with the key ring.

Raw emails and attachments carry PII, so nothing is written in clear. Writes go to a temporary
file in the store's own `.tmp` folder (same file system), are fsynced, then renamed into place,
so a crash leaves either the old object or the new one, never half a file.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

from infra.crypto import DecryptionError, KeyRing
from infra.errors import StorageError
from infra.object_store.base import (
    RESERVED_FIRST_SEGMENT,
    ObjectNotFoundError,
    ObjectStore,
    StoredObject,
    sha256_hex,
    validate_key,
)

logger = logging.getLogger(__name__)


class LocalObjectStore(ObjectStore):
    """Objects as encrypted files under `root`; URIs are `file:///abs/root/key`."""

    def __init__(self, root: Path, ring: KeyRing) -> None:
        self.root = Path(root).expanduser().resolve()
        self.ring = ring
        self._tmp = self.root / RESERVED_FIRST_SEGMENT
        self._tmp.mkdir(parents=True, exist_ok=True, mode=0o700)

    def put(self, key: str, data: bytes, *, content_type: str = "application/octet-stream") -> StoredObject:
        """See ObjectStore.put; `content_type` is not kept by the local store."""
        path = self._path(key)
        stored = StoredObject(uri=path.as_uri(), key=key, size=len(data), sha256=sha256_hex(data))
        if path.exists() and self._holds(path, stored.sha256):
            return stored
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._write_atomically(path, self.ring.seal_blob(bytes(data)))
        except OSError as exc:
            raise StorageError(f"cannot write object {key!r}: {exc}") from exc
        return stored

    def get(self, uri_or_key: str) -> bytes:
        """See ObjectStore.get; accepts a key or a file:// URI inside this store's root."""
        path = self._path(self._key_of(uri_or_key))
        try:
            blob = path.read_bytes()
        except FileNotFoundError as exc:
            raise ObjectNotFoundError(f"no object at {path.as_uri()}") from exc
        except OSError as exc:
            raise StorageError(f"cannot read {path.as_uri()}: {exc}") from exc
        try:
            return self.ring.open_blob(blob)
        except (DecryptionError, ValueError) as exc:
            raise StorageError(f"object {path.as_uri()} is corrupt or sealed with an unknown key") from exc

    def exists(self, key: str) -> bool:
        """See ObjectStore.exists."""
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        """See ObjectStore.delete."""
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot delete object {key!r}: {exc}") from exc

    def presigned_url(self, key: str, expires_seconds: int = 3600) -> str | None:
        """A local folder serves no HTTP, so there is no URL to hand out: always None."""
        validate_key(key)
        return None

    def describe(self) -> dict[str, str]:
        """Kind "local", the folder's URI, and whether it is a writable folder."""
        running = self.root.is_dir() and os.access(self.root, os.W_OK)
        return {
            "kind": "local",
            "address": self.root.as_uri(),
            "state": "running" if running else "unreachable",
            "detail": f"encrypted at rest (AES-256-GCM, key id {self.ring.active_id})",
        }

    def _path(self, key: str) -> Path:
        path = self.root / validate_key(key)
        # validate_key already refuses '..'; this guards against symlinks planted inside the root.
        if not path.resolve().is_relative_to(self.root):
            raise StorageError(f"object key {key!r} resolves outside the store")
        return path

    def _key_of(self, uri_or_key: str) -> str:
        if not uri_or_key.startswith("file:"):
            return uri_or_key
        parsed = urlparse(uri_or_key)
        path = Path(unquote(parsed.path))
        if parsed.netloc not in ("", "localhost") or not path.is_relative_to(self.root):
            raise StorageError(f"URI {uri_or_key!r} is not in the store at {self.root.as_uri()}")
        return path.relative_to(self.root).as_posix()

    def _holds(self, path: Path, sha256: str) -> bool:
        try:
            return sha256_hex(self.ring.open_blob(path.read_bytes())) == sha256
        except (OSError, DecryptionError, ValueError):
            logger.warning("replacing unreadable object file %s", path)
            return False

    def _write_atomically(self, path: Path, blob: bytes) -> None:
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp, prefix="put-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, path)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable: the directory entry itself must reach the disk."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
