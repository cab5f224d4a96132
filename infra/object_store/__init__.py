"""Object storage for blobs (claim check): an encrypted local folder or S3.

Import from here: `from infra.object_store import ObjectStore, content_key, object_store_from_settings`.
"""

from infra.object_store.base import (
    InvalidKeyError,
    ObjectNotFoundError,
    ObjectStore,
    StoredObject,
    TransientStorageError,
    content_key,
    sha256_hex,
    validate_key,
)
from infra.object_store.factory import object_store_from_settings, object_store_from_url
from infra.object_store.local import LocalObjectStore
from infra.object_store.s3 import S3ObjectStore

__all__ = [
    "InvalidKeyError",
    "LocalObjectStore",
    "ObjectNotFoundError",
    "ObjectStore",
    "S3ObjectStore",
    "StoredObject",
    "TransientStorageError",
    "content_key",
    "object_store_from_settings",
    "object_store_from_url",
    "sha256_hex",
    "validate_key",
]
