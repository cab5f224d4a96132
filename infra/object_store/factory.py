"""Build the configured object store from a URL: file:// (encrypted folder) or s3://bucket/prefix."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

import boto3

from infra.crypto import KeyRing
from infra.errors import ConfigurationError
from infra.object_store.base import ObjectStore
from infra.object_store.local import LocalObjectStore
from infra.object_store.s3 import S3ObjectStore, SseMode

if TYPE_CHECKING:
    from infra.settings import Settings


def object_store_from_url(
    url: str,
    *,
    ring: KeyRing | None,
    endpoint_url: str | None = None,
    region: str = "us-east-1",
    sse: SseMode = "AES256",
    kms_key_id: str | None = None,
    session: boto3.session.Session | None = None,
) -> ObjectStore:
    """A store for `url`: `file:///abs/folder` needs `ring` (objects are encrypted with it);
    `s3://bucket[/prefix]` uses the S3 arguments and boto3's credential chain (or `session`).

    Raises ConfigurationError for another scheme, a relative file URL or a missing key ring.
    """
    parsed = urlparse(url)
    if parsed.scheme == "file":
        if parsed.netloc not in ("", "localhost") or not parsed.path.startswith("/"):
            raise ConfigurationError(f"object store URL must be file:///absolute/path, got {url!r}")
        if ring is None:
            raise ConfigurationError("a local object store needs a key ring to encrypt objects at rest")
        return LocalObjectStore(Path(unquote(parsed.path)), ring)
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise ConfigurationError(f"object store URL must be s3://bucket[/prefix], got {url!r}")
        return S3ObjectStore(
            parsed.netloc,
            parsed.path.strip("/"),
            endpoint_url=endpoint_url,
            region=region,
            sse=sse,
            kms_key_id=kms_key_id,
            session=session,
        )
    raise ConfigurationError(f"unsupported object store URL {url!r} (use file:// or s3://)")


def object_store_from_settings(settings: Settings) -> ObjectStore:
    """The store named by settings.resolved_object_store_url with the MCA_S3_* settings; the key
    ring (infra.settings.key_ring) is loaded only for a local store, the one that needs it."""
    from infra.settings import key_ring

    url = settings.resolved_object_store_url
    ring = key_ring(settings) if url.startswith("file:") else None
    return object_store_from_url(
        url,
        ring=ring,
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        sse=settings.s3_sse,
        kms_key_id=settings.s3_kms_key_id,
    )
