"""Opaque pagination cursors over (received_at, application_id), pure.

Applications are listed newest first; a cursor names the last item of a page, and the next page
holds what sorts strictly after it. The cursor is base64url JSON so clients treat it as opaque
text; anything that does not decode to that shape is refused (the route answers 400).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime


class InvalidCursorError(ValueError):
    """A cursor that this API did not make (or that was altered)."""


@dataclass(frozen=True)
class Cursor:
    """The sort key of the last item of a page."""

    received_at: datetime
    item_id: str


def encode_cursor(cursor: Cursor) -> str:
    """The opaque text of `cursor` (URL-safe, no padding)."""
    payload = json.dumps(
        [cursor.received_at.astimezone(UTC).isoformat(), cursor.item_id], separators=(",", ":")
    )
    return base64.urlsafe_b64encode(payload.encode("utf-8")).decode("ascii").rstrip("=")


def decode_cursor(text: str) -> Cursor:
    """The cursor `encode_cursor` made; raises InvalidCursorError for anything else."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        received, item_id = json.loads(raw.decode("utf-8"))
        at = datetime.fromisoformat(received)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as exc:
        raise InvalidCursorError("malformed cursor") from exc
    if not isinstance(item_id, str) or not item_id or at.tzinfo is None:
        raise InvalidCursorError("malformed cursor")
    return Cursor(received_at=at.astimezone(UTC), item_id=item_id)
