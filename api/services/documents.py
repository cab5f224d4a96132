"""Reading a document's original bytes, or a presigned URL to them, from the object store, and the
access record every such read leaves (the API's downloads and the UI's page images and downloads).

Originals carry PII in clear (SSNs, dates of birth, account numbers printed on the pages), so only
callers with `pii:read` receive them; others see page images redacted (api/services/redaction.py).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

from sqlalchemy.orm import Session

from api.audit import RequestInfo, access
from api.security import Principal
from infra.errors import MCAError, StorageError
from infra.object_store import ObjectNotFoundError, ObjectStore, S3ObjectStore
from schemas.db.projection import Document

logger = logging.getLogger(__name__)

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


class DocumentNotFoundError(MCAError):
    """No such document, or its bytes are not stored (404)."""


def log_access(
    session: Session,
    *,
    principal: Principal,
    request: RequestInfo,
    document_id: str,
    status_code: int,
    started: float,
) -> None:
    """Record one access to a document (its outcome and latency since `started`) and commit it."""
    access(
        session,
        principal=principal,
        request=request,
        status_code=status_code,
        resource_type="document",
        resource_id=document_id,
        latency_ms=round((time.monotonic() - started) * 1000),
    )
    session.commit()


@dataclass(frozen=True)
class StoredOriginal:
    """Where a document's original bytes are, and what to call them."""

    uri: str
    content_type: str
    filename: str | None


def stored_original(
    session: Session, *, principal: Principal, request: RequestInfo, document_id: str, started: float
) -> StoredOriginal:
    """The stored original of a document; raises DocumentNotFoundError (its 404 access logged)."""
    document = find_document(session, document_id=document_id)
    if document is None or not document.blob_uri:
        log_access(
            session, principal=principal, request=request, document_id=document_id, status_code=404,
            started=started,
        )
        raise DocumentNotFoundError("No such document, or its bytes are not stored")
    content_type = document.blob_content_type or document.content_type or "application/octet-stream"
    return StoredOriginal(document.blob_uri, content_type, document.filename)


@dataclass(frozen=True)
class Download:
    """A document's original bytes with the headers of their download."""

    data: bytes
    media_type: str
    headers: dict[str, str]


def download_original(
    session: Session,
    store: ObjectStore,
    *,
    principal: Principal,
    request: RequestInfo,
    document_id: str,
    started: float | None = None,
) -> Download:
    """The original bytes as an attachment, the access logged with its latency since `started`
    (default: now): 200, or 404 when the document or its bytes are missing (DocumentNotFoundError).
    Any other StorageError of the store is logged and propagates, without an access record."""
    started = time.monotonic() if started is None else started
    original = stored_original(
        session, principal=principal, request=request, document_id=document_id, started=started
    )
    try:
        data = store.get(original.uri)
    except ObjectNotFoundError as exc:
        log_access(
            session, principal=principal, request=request, document_id=document_id, status_code=404,
            started=started,
        )
        raise DocumentNotFoundError("The document's bytes are missing") from exc
    except StorageError as exc:
        logger.error("document %s unreadable: %s", document_id, exc)
        raise
    log_access(
        session, principal=principal, request=request, document_id=document_id, status_code=200,
        started=started,
    )
    headers = {
        "Content-Disposition": content_disposition(original.filename, document_id),
        "Content-Length": str(len(data)),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }
    return Download(data, original.content_type, headers)
