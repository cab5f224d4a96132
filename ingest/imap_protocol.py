"""Small pure helpers over aioimaplib responses (kept apart so they are tested without a server)."""

from __future__ import annotations

import re
from typing import Any

from infra.errors import MCAError

UID_LIST = re.compile(rb"^(?:SEARCH\s*)?([\d\s]*)$")


class ImapError(MCAError):
    """The IMAP server refused a command or answered something unusable."""


def checked(response: Any, command: str) -> Any:
    """`response` when its result is OK; raises ImapError otherwise."""
    if getattr(response, "result", None) != "OK":
        lines = b" ".join(bytes(line) for line in getattr(response, "lines", [])[-1:])
        raise ImapError(f"{command} failed: {getattr(response, 'result', None)} {lines[:200]!r}")
    return response


def quote_mailbox(name: str) -> str:
    """A mailbox name as an IMAP quoted string (names with spaces need it; ASCII names only)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def search_criteria(keyword: str, moving: bool) -> str:
    """UID SEARCH criteria for messages not handled yet.

    When handled mail is moved away, everything still in the mailbox is unhandled (a message
    flagged but not moved, e.g. after a crash, is accepted again as a no-op and then moved).
    """
    return "UNDELETED" if moving else f"UNDELETED UNKEYWORD {keyword}"


def parse_uids(lines: list[Any]) -> list[int]:
    """UIDs from a UID SEARCH response's lines, ascending."""
    uids: set[int] = set()
    for line in lines:
        if not isinstance(line, bytes | bytearray):
            continue
        match = UID_LIST.match(bytes(line).strip())
        if match:
            uids.update(int(token) for token in match.group(1).split())
    return sorted(uids)


def fetched_literal(lines: list[Any]) -> bytes | None:
    """The message bytes of a UID FETCH (BODY.PEEK[]) response, None when the message is gone."""
    for line in lines:
        if isinstance(line, bytearray):
            return bytes(line)
    return None
