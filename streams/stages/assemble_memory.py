"""What assemble remembers of earlier submissions: an immutable value, passed in and returned.

The Faust table stores it (to_dict / from_dict give a JSON-safe form); `mca extract` threads
it through the files of one run. Nothing here does I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class SeenSubmission:
    """One accepted submission: its application, Message-ID, ISO broker, Date header and EIN."""

    application_id: str
    message_id: str | None
    iso: str
    received_at: dt.datetime | None
    ein: str | None


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class AssembleMemory:
    """Message-IDs seen (-> application id) and submissions by EIN, oldest first."""

    by_message_id: Mapping[str, str] = field(default_factory=lambda: _frozen({}))
    by_ein: Mapping[str, tuple[SeenSubmission, ...]] = field(default_factory=lambda: _frozen({}))

    def application_for(self, message_id: str | None) -> str | None:
        """The application a Message-ID already belongs to, or None when it is new."""
        key = _message_key(message_id)
        return self.by_message_id.get(key) if key else None

    def other_iso_submitted(self, ein: str, iso: str) -> bool:
        """Whether another ISO broker (sender domain) already submitted this EIN."""
        return any(seen.iso != iso for seen in self.by_ein.get(ein, ()))

    def same_iso_recently(
        self, ein: str, iso: str, received_at: dt.datetime | None, window: dt.timedelta
    ) -> bool:
        """Whether the same ISO broker submitted this EIN within `window` of `received_at`."""
        for seen in self.by_ein.get(ein, ()):
            if seen.iso != iso:
                continue
            if received_at is None or seen.received_at is None:
                return True
            if abs(_aware(received_at) - _aware(seen.received_at)) <= window:
                return True
        return False

    def remember(self, seen: SeenSubmission) -> AssembleMemory:
        """A new memory that also holds `seen` (this one is left unchanged)."""
        by_message = dict(self.by_message_id)
        key = _message_key(seen.message_id)
        if key:
            by_message.setdefault(key, seen.application_id)
        by_ein = dict(self.by_ein)
        if seen.ein:
            by_ein[seen.ein] = (*by_ein.get(seen.ein, ()), seen)
        return AssembleMemory(_frozen(by_message), _frozen(by_ein))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form (datetimes as ISO strings)."""
        return {
            "by_message_id": dict(self.by_message_id),
            "by_ein": {
                ein: [
                    {
                        "application_id": s.application_id,
                        "message_id": s.message_id,
                        "iso": s.iso,
                        "received_at": s.received_at.isoformat() if s.received_at else None,
                        "ein": s.ein,
                    }
                    for s in seen
                ]
                for ein, seen in self.by_ein.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> AssembleMemory:
        """Inverse of to_dict; None or {} gives an empty memory."""
        if not data:
            return cls()
        by_ein = {
            ein: tuple(
                SeenSubmission(
                    s["application_id"],
                    s.get("message_id"),
                    s.get("iso", ""),
                    dt.datetime.fromisoformat(s["received_at"]) if s.get("received_at") else None,
                    s.get("ein"),
                )
                for s in seen
            )
            for ein, seen in data.get("by_ein", {}).items()
        }
        return cls(_frozen(data.get("by_message_id", {})), _frozen(by_ein))


def _message_key(message_id: str | None) -> str | None:
    """Message-IDs compare without angle brackets, surrounding space or case."""
    if not message_id:
        return None
    return message_id.strip().strip("<>").strip().lower() or None


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
