"""List the keys stored under a prefix, for recovery (I/O edge).

The ObjectStore contract has no listing yet, so this reads the two stores it knows about directly
(S3 through the store's own client and bucket, the local store's folder) and uses a store's own
`list_keys(prefix, start_after)` instead as soon as one provides it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from infra.errors import ConfigurationError
from infra.object_store import LocalObjectStore, ObjectStore, S3ObjectStore
from infra.object_store.base import RESERVED_FIRST_SEGMENT
from infra.object_store.s3 import wrap_s3_error

logger = logging.getLogger(__name__)

S3_PAGE_SIZE = 1000


def list_keys(store: ObjectStore, prefix: str, *, start_after: str | None = None) -> list[str]:
    """Keys under `prefix` (relative to the store, like those `put` takes), sorted, and only those
    greater than `start_after` when given. Raises StorageError (TransientStorageError when a retry
    may help) and ConfigurationError for a store that cannot be listed."""
    own = getattr(store, "list_keys", None)
    if callable(own):
        return sorted(own(prefix, start_after=start_after))
    if isinstance(store, S3ObjectStore):
        return _list_s3(store, prefix, start_after)
    if isinstance(store, LocalObjectStore):
        return _list_local(store.root, prefix, start_after)
    raise ConfigurationError(f"cannot list keys of a {type(store).__name__}")


def _list_s3(store: S3ObjectStore, prefix: str, start_after: str | None) -> list[str]:
    base = f"{store.prefix}/" if store.prefix else ""
    args: dict[str, Any] = {"Bucket": store.bucket, "Prefix": base + prefix, "MaxKeys": S3_PAGE_SIZE}
    if start_after:
        args["StartAfter"] = base + start_after
    keys: list[str] = []
    client = store._client  # the store's own client: same endpoint, credentials, retries and timeouts
    try:
        while True:
            page = client.list_objects_v2(**args)
            keys.extend(item["Key"][len(base) :] for item in page.get("Contents", []))
            if not page.get("IsTruncated"):
                break
            args["ContinuationToken"] = page["NextContinuationToken"]
    except (ClientError, BotoCoreError) as exc:
        raise wrap_s3_error(exc, f"list s3://{store.bucket}/{base}{prefix}") from exc
    return sorted(keys)


def _list_local(root: Path, prefix: str, start_after: str | None) -> list[str]:
    folder = prefix.rpartition("/")[0]
    base = root / folder if folder else root
    if not base.is_dir():
        return []
    keys = (path.relative_to(root).as_posix() for path in base.rglob("*") if path.is_file())
    return sorted(
        key for key in keys
        if key.startswith(prefix)
        and not key.startswith(RESERVED_FIRST_SEGMENT + "/")
        and (start_after is None or key > start_after)
    )
