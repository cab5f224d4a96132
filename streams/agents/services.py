"""What the pipeline's stage agents use beside the runtime: the object store (claim checks), the key
ring (PII field encryption) and the reading limits, built once per runtime from its Settings."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from infra.crypto import KeyRing
from infra.errors import ConfigurationError
from infra.object_store import ObjectStore, content_key, sha256_hex
from streams.stages.limits import Limits, limits_from_settings
from streams.wire.records import blob_ref

if TYPE_CHECKING:
    from streams.runtime import StreamsRuntime

logger = logging.getLogger(__name__)

_BY_RUNTIME: dict[int, tuple[StreamsRuntime, StageServices]] = {}


@dataclass(frozen=True)
class StageServices:
    """The object store, key ring and limits; blocking store calls run in a thread."""

    store: ObjectStore
    ring: KeyRing
    limits: Limits

    async def fetch(self, blob: Mapping[str, Any]) -> bytes:
        """The bytes a BlobRef points at."""
        return await asyncio.to_thread(self.store.get, blob["uri"])

    async def keep(self, prefix: str, data: bytes, *, suffix: str = "", content_type: str) -> dict[str, Any]:
        """Store `data` content-addressed under `prefix` (a replay writes the same key) -> BlobRef."""
        key = content_key(prefix, sha256_hex(data), suffix)
        stored = await asyncio.to_thread(self.store.put, key, data, content_type=content_type)
        return blob_ref(stored, content_type)


def install_services(runtime: StreamsRuntime, services: StageServices) -> StageServices:
    """Use `services` for the agents of `runtime` (tests; `services_for` builds them otherwise)."""
    _BY_RUNTIME[id(runtime)] = (runtime, services)
    return services


def services_for(runtime: StreamsRuntime) -> StageServices:
    """The runtime's services, built from its settings on first use."""
    found = _BY_RUNTIME.get(id(runtime))
    if found is not None and found[0] is runtime:
        return found[1]
    if runtime.settings is None:
        raise ConfigurationError("stage agents need settings (or install_services) for the object store")
    from infra.object_store import object_store_from_settings
    from infra.settings import key_ring

    settings = runtime.settings
    services = StageServices(
        object_store_from_settings(settings), key_ring(settings), limits_from_settings(settings)
    )
    return install_services(runtime, services)
