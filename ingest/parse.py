"""Raw RFC 5322 bytes -> the facts the mca.email.received event carries (pure, never raises).

Uses the standard library's modern email API (policy.default). Broken headers or MIME never
stop parsing: what can be read is returned and the parser's defects are listed, because an ISO
broker's malformed email is still a submission that must be stored and acknowledged.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, Message, MIMEPart
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parseaddr

from ingest.html_text import html_to_text
from ingest.mime import Attachment, find_attachments, part_defects, part_text

logger = logging.getLogger(__name__)

MAX_DEFECTS = 200
WHITESPACE = re.compile(r"\s+")
FOLD = re.compile(r"\r?\n(?=[ \t])")


@dataclass(frozen=True)
class ParsedEmail:
    """What one raw message says about itself; `attachments` hold their decoded bytes."""

    sender: str
    sender_domain: str
    header_recipients: list[str]
    subject: str
    message_id: str | None
    date: datetime | None
    body_preview: str
    attachments: list[Attachment]
    defects: list[str]
    authentication_results: list[str]


def parse_email(raw: bytes, *, envelope_sender: str | None = None, preview_chars: int = 500) -> ParsedEmail:
    """Parse `raw` as far as it goes; the envelope sender stands in when From has no usable address."""
    defects: list[str] = []
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
    except RecursionError:
        # The stdlib parser recurses once per MIME level; a hostile depth keeps only the headers.
        defects.append("MimeNestingTooDeep@0")
        message = BytesHeaderParser(policy=policy.default).parsebytes(raw)
    as_sent = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)

    sender = _from_address(message, as_sent) or _clean_address(envelope_sender)
    body_plain, body_html = _body_parts(message)
    attachments, walk_defects = _attachments(message, {id(p) for p in (body_plain, body_html) if p})
    defects.extend(walk_defects)
    return ParsedEmail(
        sender=sender,
        sender_domain=sender.rpartition("@")[2] if "@" in sender else "",
        header_recipients=_recipients(message, as_sent),
        subject=_subject(message, as_sent),
        message_id=_message_id(as_sent),
        date=_date(message),
        body_preview=_preview(body_plain, body_html, preview_chars),
        attachments=attachments,
        defects=list(dict.fromkeys(defects))[:MAX_DEFECTS],
        authentication_results=_raw_values(as_sent, "Authentication-Results"),
    )


def _header(message: EmailMessage, name: str) -> object | None:
    # Header objects of policy.default are built lazily and a few malformed values still raise.
    try:
        return message.get(name)
    except (ValueError, TypeError, IndexError, AttributeError, LookupError):
        return None


def _clean_address(value: str | None) -> str:
    if not value:
        return ""
    address = parseaddr(value)[1].strip().lower()
    return address if "@" in address else ""


def _address_text(address: Address) -> str:
    return f"{address.username}@{address.domain}".lower() if address.domain else ""


def _from_address(message: EmailMessage, as_sent: Message) -> str:
    header = _header(message, "From")
    for address in getattr(header, "addresses", ()) or ():
        text = _address_text(address)
        if text:
            return text
    return _clean_address(_raw_value(as_sent, "From"))


def _recipients(message: EmailMessage, as_sent: Message) -> list[str]:
    found: list[str] = []
    for name in ("To", "Cc"):
        header = _header(message, name)
        addresses = [_address_text(a) for a in getattr(header, "addresses", ()) or ()]
        if not any(addresses):
            addresses = [addr.lower() for _, addr in getaddresses([_raw_value(as_sent, name)]) if "@" in addr]
        found.extend(a for a in addresses if a)
    return list(dict.fromkeys(found))


def _subject(message: EmailMessage, as_sent: Message) -> str:
    header = _header(message, "Subject")
    text = str(header) if header is not None else _raw_value(as_sent, "Subject")
    return WHITESPACE.sub(" ", text).strip()


def _message_id(as_sent: Message) -> str | None:
    # As sent (unfolded), not re-rendered: the modern parser rewrites some malformed ids.
    value = FOLD.sub("", _raw_value(as_sent, "Message-ID")).strip()
    return value or None


def _date(message: EmailMessage) -> datetime | None:
    header = _header(message, "Date")
    value = getattr(header, "datetime", None)
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:  # "-0000": the time is UTC with no claim about the local zone
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _raw_value(as_sent: Message, name: str) -> str:
    values = _raw_values(as_sent, name)
    return values[0] if values else ""


def _raw_values(as_sent: Message, name: str) -> list[str]:
    return [
        str(value).encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")
        for value in as_sent.get_all(name) or []
    ]


def _body_parts(message: EmailMessage) -> tuple[MIMEPart | None, MIMEPart | None]:
    try:
        return message.get_body(("plain",)), message.get_body(("html",))
    except (ValueError, TypeError, LookupError, AttributeError, IndexError, RecursionError):
        return None, None


def _attachments(message: EmailMessage, body_ids: set[int]) -> tuple[list[Attachment], list[str]]:
    try:
        return find_attachments(message, body_ids)
    except RecursionError:
        return [], [*part_defects(message, "0"), "MimeNestingTooDeep@0"]


def _preview(plain: MIMEPart | None, html: MIMEPart | None, limit: int) -> str:
    text = part_text(plain) if plain is not None else ""
    if not text.strip() and html is not None:
        text = html_to_text(part_text(html))
    return WHITESPACE.sub(" ", text).strip()[:limit]
