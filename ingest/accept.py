"""The one code path of every door (SMTP, IMAP, files): store, publish, then acknowledge.

Order of effects, and why:
1. raw bytes -> object store (content key raw/.../<sha>.eml), then each attachment (blobs/...);
2. the mca.email.received event -> Kafka, keyed by submission_id, awaiting the acks=all ack;
3. a marker object markers/email.received/<submission_id>.
Only after step 3 does a door report success (SMTP 250, IMAP flag, CLI "accepted"). The same
bytes again find the marker and are a no-op ("already_accepted", nothing published). A crash
between the Kafka ack and the marker makes a retry publish the same submission_id a second
time: delivery is at-least-once, and every consumer of mca.email.received deduplicates by
submission_id (the event key, so both copies land in one partition, in order).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

from infra.errors import IngestError, MCAError
from infra.object_store import StoredObject, content_key
from infra.topics import EMAIL_RECEIVED
from ingest.authentication import Verdicts, verdicts_from_headers
from ingest.event import AttachmentPlan, attachment_record, build_event, plan_attachments
from ingest.parse import ParsedEmail, parse_email
from ingest.sender_check import check_sender
from schemas.ids import submission_id as submission_id_of

logger = logging.getLogger(__name__)

Channel = Literal["smtp", "imap", "file"]
MARKER_PREFIX = "markers/email.received"


class BlobStore(Protocol):
    """The part of infra.object_store.ObjectStore that accepting email uses."""

    def put(self, key: str, data: bytes, *, content_type: str = ...) -> StoredObject: ...
    def exists(self, key: str) -> bool: ...


class Encoder(Protocol):
    """schemas.serde.AvroSerde's encoding side."""

    def encode(self, topic: str, value: dict[str, Any]) -> bytes: ...


class Publisher(Protocol):
    """ingest.producer.EventProducer: publish and await the acknowledgement."""

    async def publish(
        self, topic: str, key: str, value: bytes, headers: Sequence[tuple[str, bytes]] | None = None
    ) -> tuple[int, int]: ...


@dataclass(frozen=True)
class IngestPolicy:
    """Limits and trust settings for accepting email (plain values taken from Settings)."""

    max_attachments: int = 50
    max_attachment_bytes: int = 40 * 1024 * 1024
    body_preview_chars: int = 500
    trusted_authserv_ids: tuple[str, ...] = ()
    verify_sender: bool = False
    authserv_id: str = "mca.localhost"


@dataclass
class IngestDeps:
    """What accept_email needs: the object store, the Avro serde, the producer, the policy, and the
    topic events go to (mca.email.received; tests use private topics with the same schema)."""

    store: BlobStore
    serde: Encoder
    producer: Publisher
    policy: IngestPolicy = field(default_factory=IngestPolicy)
    topic: str = EMAIL_RECEIVED.name
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)


@dataclass(frozen=True)
class Acceptance:
    """The outcome of accept_email; `event` is None when the submission was already accepted."""

    submission_id: str
    status: Literal["accepted", "already_accepted"]
    event: dict[str, Any] | None


def marker_key(submission_id: str) -> str:
    """Object key of the marker that records a submission as accepted."""
    return f"{MARKER_PREFIX}/{submission_id}"


async def accept_email(
    raw: bytes,
    *,
    channel: Channel,
    envelope_sender: str | None = None,
    envelope_recipients: Sequence[str] | None = None,
    peer_ip: str | None = None,
    helo: str | None = None,
    deps: IngestDeps,
) -> Acceptance:
    """Accept one raw email durably; return only when it is stored and its event acknowledged.

    Raises TransientError or IngestError (any MCAError) when that could not be done: the caller
    must then report failure (SMTP 4xx, IMAP message left unflagged, CLI "failed").
    """
    # Hashing and parsing a large message takes CPU time: keep it off the event loop.
    sid = await asyncio.to_thread(submission_id_of, raw)
    marker = marker_key(sid)
    if await _io(deps.store.exists, marker):
        logger.info("submission %s already accepted; nothing published", sid, extra={"submission_id": sid})
        return Acceptance(sid, "already_accepted", None)

    parsed = await asyncio.to_thread(
        parse_email, raw, envelope_sender=envelope_sender, preview_chars=deps.policy.body_preview_chars
    )
    verdicts = await _verdicts(
        raw, parsed, deps.policy, peer_ip=peer_ip, mail_from=envelope_sender, helo=helo
    )
    raw_stored = await _io(
        deps.store.put, content_key("raw", sid, ".eml"), raw, content_type="message/rfc822"
    )
    attachments = [await _store_attachment(deps.store, plan) for plan in _plans(parsed, deps.policy)]
    event = build_event(
        submission_id=sid,
        parsed=parsed,
        raw_blob={
            "uri": raw_stored.uri,
            "size": raw_stored.size,
            "sha256": raw_stored.sha256,
            "content_type": "message/rfc822",
        },
        channel=channel,
        envelope_sender=envelope_sender,
        envelope_recipients=envelope_recipients,
        received_at=deps.clock(),
        verdicts=verdicts,
        attachments=attachments,
    )
    # Always the mca.email.received schema; deps.topic only says where the event goes.
    value = await asyncio.to_thread(deps.serde.encode, EMAIL_RECEIVED.name, event)
    partition, offset = await deps.producer.publish(
        deps.topic, sid, value, headers=[("channel", channel.encode())]
    )
    await _io(
        deps.store.put,
        marker,
        _marker_body(sid, channel, deps.topic, partition, offset),
        content_type="application/json",
    )
    logger.info(
        "accepted submission %s via %s: %d attachments -> %s[%d]@%d",
        sid,
        channel,
        len(attachments),
        deps.topic,
        partition,
        offset,
        extra={"submission_id": sid},
    )
    return Acceptance(sid, "accepted", event)


async def _io(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a blocking object-store call off the event loop; unexpected failures become IngestError."""
    try:
        return await asyncio.to_thread(function, *args, **kwargs)
    except MCAError:
        raise
    except OSError as exc:
        raise IngestError(f"object store failed: {exc}") from exc


def _plans(parsed: ParsedEmail, policy: IngestPolicy) -> list[AttachmentPlan]:
    return plan_attachments(
        parsed.attachments,
        max_attachments=policy.max_attachments,
        max_attachment_bytes=policy.max_attachment_bytes,
    )


async def _store_attachment(store: BlobStore, plan: AttachmentPlan) -> dict[str, Any]:
    if not plan.store:
        return attachment_record(plan, None)
    a = plan.attachment
    stored = await _io(store.put, content_key("blobs", a.sha256), a.data, content_type=a.content_type)
    return attachment_record(plan, stored.uri)


async def _verdicts(
    raw: bytes,
    parsed: ParsedEmail,
    policy: IngestPolicy,
    *,
    peer_ip: str | None,
    mail_from: str | None,
    helo: str | None,
) -> Verdicts:
    from_headers = verdicts_from_headers(parsed.authentication_results, policy.trusted_authserv_ids)
    if from_headers.source != "none" or not policy.verify_sender:
        return from_headers
    return await asyncio.to_thread(
        check_sender,
        raw,
        authserv_id=policy.authserv_id,
        peer_ip=peer_ip,
        mail_from=mail_from,
        helo=helo,
        from_domain=parsed.sender_domain,
    )


def _marker_body(sid: str, channel: str, topic: str, partition: int, offset: int) -> bytes:
    record = {
        "submission_id": sid,
        "channel": channel,
        "topic": topic,
        "partition": partition,
        "offset": offset,
        "accepted_at": datetime.now(UTC).isoformat(),
    }
    return json.dumps(record, sort_keys=True).encode()
