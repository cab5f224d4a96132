"""Reading a document's original bytes, or a presigned URL to them, from the object store."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

from sqlalchemy.orm import Session

from infra.object_store import ObjectStore, S3ObjectStore
from schemas.db.projection import Document

CHUNK_BYTES = 64 * 1024
_UNSAFE_FILENAME = re.compile(r"[\x00-\x1f\x7f\"\\/]")


def find_document(session: Session, *, document_id: str) -> Document | None:
    """The document row (None when unknown)."""
    return session.get(Document, document_id)


def chunks(data: bytes, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """`data` in pieces of `size` bytes, for a streamed response (pure)."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


def content_disposition(filename: str | None, document_id: str) -> str:
    """An attachment disposition naming the original file, safe for any header parser (pure)."""
    name = _UNSAFE_FILENAME.sub("_", filename or "") or f"{document_id}.bin"
    ascii_name = name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def store_key(store: ObjectStore, uri: str) -> str | None:
    """The key of `uri` inside `store` when the store can presign it (S3), else None (pure)."""
    if not isinstance(store, S3ObjectStore) or not uri.startswith(f"s3://{store.bucket}/"):
        return None
    object_key = uri[len(f"s3://{store.bucket}/") :]
    if store.prefix:
        if not object_key.startswith(store.prefix + "/"):
            return None
        object_key = object_key[len(store.prefix) + 1 :]
    return object_key


def presigned_url(store: ObjectStore, *, uri: str, expires_seconds: int) -> str | None:
    """A time-limited GET URL for the object at `uri`, or None when the store cannot issue one."""
    key = store_key(store, uri)
    return store.presigned_url(key, expires_seconds) if key else None
