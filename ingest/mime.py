"""Walk a parsed email's MIME tree and pick out its attachment parts (pure, never raises).

An attachment is every leaf part that is not body text: a part with Content-Disposition
attachment, or a file name, or a type other than text/*. Forwarded messages (message/rfc822)
are descended into; their parts carry a `nested_path` naming the enclosing forwarded messages
(each step is the 0-based ordinal of the forwarded message among the forwarded messages of its
parent), so '1/0' is the first message forwarded inside the second forwarded message.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from urllib.parse import unquote

MAX_DEPTH = 24
CID_REFERENCE = re.compile(r"cid:([^\"'\s>)]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Attachment:
    """One attachment part: decoded bytes and what the message declared about them."""

    position: int
    filename: str | None
    content_type: str
    data: bytes
    sha256: str
    content_id: str | None
    nested_path: str
    inline_cid: str | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class _Walk:
    body_parts: set[int]
    attachments: list[Attachment]
    defects: list[str]
    html_texts: list[str] = field(default_factory=list)
    forwards_seen: dict[tuple[int, ...], int] = field(default_factory=dict)


def find_attachments(message: Message, body_parts: set[int]) -> tuple[list[Attachment], list[str]]:
    """All attachment parts of `message` in message order, and the defects met on the way.

    `body_parts` holds the id() of the parts chosen as body text, which are never attachments.
    A part whose Content-ID some HTML body of the message references by cid: gets `inline_cid`.
    """
    walk = _Walk(body_parts=body_parts, attachments=[], defects=[])
    _visit(message, walk, depth=0, nested=(), location="0")
    cids = referenced_cids(walk.html_texts)
    attachments = [
        replace(a, inline_cid=a.content_id) if a.content_id and a.content_id.lower() in cids else a
        for a in walk.attachments
    ]
    return attachments, walk.defects


def referenced_cids(html_texts: list[str]) -> set[str]:
    """Content-IDs (without angle brackets, lower-cased) that HTML bodies reference by cid:."""
    return {
        unquote(match.group(1)).strip("<>").lower()
        for text in html_texts
        for match in CID_REFERENCE.finditer(text)
    }


def decode_filename(part: Message) -> str | None:
    """The part's file name decoded (RFC 2231 and continuations by the parser, RFC 2047 here)."""
    try:
        name = part.get_filename()
    except (LookupError, ValueError, TypeError, IndexError):
        name = None
    if not name:
        return None
    name = str(name)
    if "=?" in name:
        try:
            name = str(make_header(decode_header(name)))
        except (LookupError, ValueError, UnicodeError):
            pass  # keep the name as sent when its encoded words are themselves broken
    return name.replace("\r", "").replace("\n", "").strip() or None


def part_text(part: Message) -> str:
    """A text part's content as str; unknown or lying charsets decode with replacement characters."""
    try:
        data = part.get_payload(decode=True)
    except (ValueError, TypeError, LookupError, AssertionError):
        return ""
    if not isinstance(data, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        return data.decode(charset, errors="replace")
    except LookupError:
        return data.decode("utf-8", errors="replace")


def part_defects(part: Message, location: str) -> list[str]:
    """The parser's defects recorded on one part, as 'DefectName@location' strings."""
    return [f"{type(defect).__name__}@{location}" for defect in getattr(part, "defects", [])]


def _visit(part: Message, walk: _Walk, depth: int, nested: tuple[int, ...], location: str) -> None:
    if depth > MAX_DEPTH:
        walk.defects.append(f"NestingTooDeep@{location}")
        return
    content_type = part.get_content_type()
    try:
        _visit_part(part, content_type, walk, depth, nested, location)
    finally:
        # After the visit: decoding a payload records its own defects (e.g. bad base64) on the part.
        walk.defects.extend(part_defects(part, location))


def _visit_part(
    part: Message, content_type: str, walk: _Walk, depth: int, nested: tuple[int, ...], location: str
) -> None:
    if content_type in ("message/rfc822", "message/global") and part.is_multipart():
        forwarded = [p for p in part.get_payload() if isinstance(p, Message)]
        ordinal = _forward_ordinal(walk, nested)
        for index, inner in enumerate(forwarded):
            _visit(inner, walk, depth + 1, (*nested, ordinal), f"{location}.{index}")
        return
    if part.get_content_maintype() == "multipart":
        payload = part.get_payload()
        if isinstance(payload, list):
            for index, child in enumerate(payload):
                if isinstance(child, Message):
                    _visit(child, walk, depth + 1, nested, f"{location}.{index}")
        return
    if id(part) in walk.body_parts or not _is_attachment(part):
        if content_type == "text/html":
            walk.html_texts.append(part_text(part))
        return
    data = _leaf_bytes(part, walk, location)
    walk.attachments.append(
        Attachment(
            position=len(walk.attachments),
            filename=decode_filename(part),
            content_type=content_type,
            data=data,
            sha256=hashlib.sha256(data).hexdigest(),
            content_id=_content_id(part),
            nested_path="/".join(str(step) for step in nested),
        )
    )


def _forward_ordinal(walk: _Walk, nested: tuple[int, ...]) -> int:
    ordinal = walk.forwards_seen.get(nested, 0)
    walk.forwards_seen[nested] = ordinal + 1
    return ordinal


def _is_attachment(part: Message) -> bool:
    if part.get_content_disposition() == "attachment":
        return True
    if decode_filename(part) is not None:
        return True
    return part.get_content_maintype() != "text"


def _leaf_bytes(part: Message, walk: _Walk, location: str) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except (ValueError, TypeError, LookupError, AssertionError):
        walk.defects.append(f"UndecodablePayload@{location}")
        data = None
    if isinstance(data, bytes):
        return data
    # A leaf whose payload is structured (e.g. message/delivery-status): keep its serialized body.
    try:
        serialized = part.as_bytes() if isinstance(part, EmailMessage) else bytes(part)
    except (ValueError, TypeError, LookupError, UnicodeError):
        walk.defects.append(f"UnserializablePart@{location}")
        return b""
    _, _, body = serialized.replace(b"\r\n", b"\n").partition(b"\n\n")
    return body


def _content_id(part: Message) -> str | None:
    try:
        value = part.get("Content-ID")
    except (ValueError, TypeError, IndexError):
        return None
    if value is None:
        return None
    cid = str(value).strip().strip("<>").strip()
    return cid or None
