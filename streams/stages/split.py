"""split: from an email's raw bytes to the documents it carries.

Parses with the standard library's modern email policy, descends into forwarded
(message/rfc822) parts and zip archives within `Limits`, keeps PDFs and images as documents and
records everything else as ignored. Never raises on malformed input: a part that cannot be read
becomes an ignored entry with reason `unreadable`.
"""

from __future__ import annotations

import hashlib
import io
import logging
import mimetypes
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from pathlib import PurePosixPath
from typing import Literal
from urllib.parse import unquote

from PIL import Image

from streams.stages import image_formats  # noqa: F401  (registers HEIC/HEIF with Pillow)
from streams.stages.limits import Limits
from streams.stages.sniff import claimed_kind, kind_from_bytes

logger = logging.getLogger(__name__)

Source = Literal["attachment", "zip", "forwarded"]

CID_REFERENCE = re.compile(r"cid:([^\"'\s>)]+)", re.IGNORECASE)
ZIP_JUNK_NAMES = frozenset({".ds_store", "thumbs.db", "desktop.ini"})
ZIP_ENCRYPTED_FLAG = 0x1
ZIP_UTF8_FLAG = 0x800
PHOTO_MIN_SIDE = 500  # logos are banners (360x80); a pasted photo or scan is large both ways


@dataclass(frozen=True)
class DocumentPart:
    """One PDF or image found in an email. `invalid_reason` is set when split already knows it is
    unreadable (a zip over a limit, an encrypted zip member, an attachment over the byte limit)."""

    position: str
    filename: str | None
    content_type: str
    data: bytes = field(repr=False)
    sha256: str
    source: Source
    container: str | None = None
    invalid_reason: str | None = None
    invalid_detail: str = ""


@dataclass(frozen=True)
class IgnoredPart:
    """A part that is not a document: an unsupported attachment (reason `unsupported_type`), an
    unreadable part (`unreadable`), or an inline `cid:` logo (`inline_image`; an image the HTML
    body shows that is photo-sized both ways is a document instead: a check pasted in the body)."""

    position: str
    filename: str | None
    content_type: str
    reason: str
    detail: str = ""
    size: int = 0


@dataclass(frozen=True)
class SplitResult:
    """The documents of an email in the order they appear, the ignored attachments (each listed as
    a document of type `other`), and the inline logos (not documents at all)."""

    documents: tuple[DocumentPart, ...] = ()
    ignored: tuple[IgnoredPart, ...] = ()
    inline_images: tuple[IgnoredPart, ...] = ()


def split_email(raw: bytes, limits: Limits) -> SplitResult:
    """Every document of the email `raw`, with zips expanded and forwarded messages opened."""
    walk = _Walk(limits)
    try:
        message = BytesParser(policy=policy.default).parsebytes(raw)
        walk.cids = referenced_cids(message)
        walk.message(message, "", _Where())
    except Exception as exc:  # a parser bug on hostile input must not become a crash loop
        logger.warning("email could not be split completely: %s", exc)
        walk.ignore("", None, "message/rfc822", "unreadable", str(exc), len(raw))
    return SplitResult(tuple(walk.documents), tuple(walk.ignored), tuple(walk.inline))


def referenced_cids(message: Message) -> frozenset[str]:
    """The Content-IDs that the message's HTML bodies reference with `cid:` (its inline logos)."""
    cids: set[str] = set()
    for part in message.walk():
        if part.get_content_type() != "text/html":
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            html = payload.decode(part.get_content_charset() or "utf-8", errors="replace")
            cids.update(unquote(ref).strip("<>").lower() for ref in CID_REFERENCE.findall(html))
    return frozenset(cids)


def is_photo_sized(data: bytes) -> bool:
    """True for an image at least PHOTO_MIN_SIDE pixels both ways (from its header only): a check
    photo pasted into the body, not a logo. Unreadable images count as logos."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return min(image.size) >= PHOTO_MIN_SIDE
    except (OSError, ValueError, Image.DecompressionBombError):
        return False


def decoded_filename(part: Message) -> str | None:
    """The part's file name decoded (RFC 2231 incl. continuations, RFC 2047), without any path."""
    try:
        name = part.get_filename()
    except (ValueError, LookupError, TypeError, IndexError):
        name = part.get_param("filename", header="content-disposition") or part.get_param("name")
    if name is None:
        return None
    text = str(name)
    if "=?" in text and "?=" in text:
        try:
            text = str(make_header(decode_header(text)))
        except (ValueError, LookupError, UnicodeError):
            pass
    text = text.replace("\\", "/").rsplit("/", 1)[-1].strip().strip('"').strip()
    return text or None


def zip_member_name(info: zipfile.ZipInfo) -> str:
    """A zip member's base name; names stored as UTF-8 without the UTF-8 flag are repaired."""
    name = info.filename
    if not info.flag_bits & ZIP_UTF8_FLAG:
        try:
            name = name.encode("cp437").decode("utf-8")
        except UnicodeError:
            pass
    return PurePosixPath(name.replace("\\", "/")).name


def _child(prefix: str, index: int) -> str:
    return f"{prefix}.{index}" if prefix else str(index)


def _is_zip_junk(name: str) -> bool:
    """macOS resource forks and folder metadata: noise that archivers add, never a document."""
    base = PurePosixPath(name.replace("\\", "/")).name
    return name.startswith("__MACOSX/") or base.startswith("._") or base.lower() in ZIP_JUNK_NAMES


@dataclass(frozen=True)
class _Where:
    """Where in the email the walk is: nesting depth, how parts got there, and their container."""

    depth: int = 0
    source: Source = "attachment"
    container: str | None = None


class _Walk:
    """The depth-first walk over one email; collects documents and ignored parts in order."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.cids: frozenset[str] = frozenset()
        self.documents: list[DocumentPart] = []
        self.ignored: list[IgnoredPart] = []
        self.inline: list[IgnoredPart] = []
        self.zip_budget = limits.zip_max_total_bytes

    def message(self, message: Message, prefix: str, where: _Where) -> None:
        if not message.is_multipart():
            self.part(message, _child(prefix, 1), where)
            return
        for index, sub in enumerate(message.get_payload(), start=1):
            if isinstance(sub, Message):
                self.part(sub, _child(prefix, index), where)

    def part(self, part: Message, position: str, where: _Where) -> None:
        try:
            self._part(part, position, where)
        except Exception as exc:  # one broken part must not hide the others
            logger.warning("part %s could not be read: %s", position, exc)
            self.ignore(position, None, _content_type(part), "unreadable", str(exc))

    def _part(self, part: Message, position: str, where: _Where) -> None:
        content_type = _content_type(part)
        if part.is_multipart() and not content_type.startswith("message/"):
            self.message(part, position, where)
            return
        filename = decoded_filename(part)
        if content_type == "message/rfc822" and part.is_multipart():
            self.forwarded(part.get_payload(0), position, filename, where)
            return
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if _is_body(part, content_type, filename):
            return
        content_id = str(part.get("Content-ID") or "").strip().strip("<>").lower()
        logo = content_type.startswith("image/") and bool(content_id) and content_id in self.cids
        if logo and not is_photo_sized(data):
            self.inline.append(IgnoredPart(position, filename, content_type, "inline_image", "", len(data)))
            return
        self.blob(data, filename, content_type, position, where)

    def forwarded(self, inner: Message, position: str, filename: str | None, where: _Where) -> None:
        if where.depth + 1 > self.limits.max_nesting_depth:
            self.ignore(position, filename, "message/rfc822", "unreadable", "nested too deep")
            return
        label = str(inner.get("Subject") or filename or "forwarded message")
        self.message(inner, position, _Where(where.depth + 1, "forwarded", label))

    def blob(self, data: bytes, filename: str | None, ctype: str, position: str, where: _Where) -> None:
        """Keep a PDF or image, open a zip or an attached .eml, ignore anything else."""
        magic = kind_from_bytes(data)
        claimed = claimed_kind(filename, ctype)
        if magic in ("pdf", "image"):
            self.document(data, filename, ctype, position, where)
        elif claimed == "message":
            self.forwarded(BytesParser(policy=policy.default).parsebytes(data), position, filename, where)
        elif claimed == "zip":
            self.zip(data, filename, ctype, position, where)
        elif claimed in ("pdf", "image"):
            self.document(data, filename, ctype, position, where)
        else:
            self.ignore(position, filename, ctype, "unsupported_type", "", len(data))

    def ignore(
        self, position: str, filename: str | None, ctype: str, reason: str, detail: str = "", size: int = 0
    ) -> None:
        self.ignored.append(IgnoredPart(position, filename, ctype, reason, detail, size))

    def document(
        self, data: bytes, filename: str | None, content_type: str, position: str, where: _Where,
        invalid: tuple[str, str] | None = None,
    ) -> None:
        if invalid is None and len(data) > self.limits.attachment_max_bytes:
            invalid = ("too_large", f"{len(data)} bytes, limit {self.limits.attachment_max_bytes}")
        reason, detail = invalid or (None, "")
        self.documents.append(
            DocumentPart(
                position, filename, content_type, data, hashlib.sha256(data).hexdigest(),
                where.source, where.container, reason, detail,
            )
        )

    def zip(self, data: bytes, filename: str | None, content_type: str, position: str, where: _Where) -> None:
        def refuse(reason: str, detail: str) -> None:
            self.document(data, filename, content_type, position, where, (reason, detail))

        if not data:
            refuse("empty", "zero-byte archive")
            return
        if where.depth + 1 > self.limits.max_nesting_depth:
            refuse("too_large", f"archive nested deeper than {self.limits.max_nesting_depth} levels")
            return
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            infos = archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
            refuse("corrupt", f"not a readable zip archive: {exc}")
            return
        problem = self._zip_problem(infos, len(data))
        if problem:
            refuse("too_large", problem)
            return
        self.zip_budget -= sum(info.file_size for info in infos)
        inside = _Where(where.depth + 1, "zip", filename)
        for index, info in enumerate(infos, start=1):
            if not info.is_dir() and not _is_zip_junk(info.filename):
                self.zip_member(archive, info, f"{position}/{index}", inside)

    def _zip_problem(self, infos: list[zipfile.ZipInfo], packed: int) -> str:
        total = sum(info.file_size for info in infos)
        if len(infos) > self.limits.zip_max_entries:
            return f"{len(infos)} entries, limit {self.limits.zip_max_entries}"
        if total > self.zip_budget:
            return f"{total} bytes uncompressed, {self.zip_budget} left of {self.limits.zip_max_total_bytes}"
        if total > self.limits.zip_max_ratio * max(packed, 1):
            return f"expands {total / max(packed, 1):.0f}x, limit {self.limits.zip_max_ratio:.0f}x"
        return ""

    def zip_member(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, pos: str, where: _Where) -> None:
        """One zip entry, read within the limits already checked for the whole archive."""
        name = zip_member_name(info)
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if info.flag_bits & ZIP_ENCRYPTED_FLAG:
            if claimed_kind(name, content_type) in ("pdf", "image", "zip"):
                self.document(b"", name, content_type, pos, where, ("encrypted", "password-protected"))
            else:
                self.ignore(pos, name, content_type, "unsupported_type", "encrypted zip entry")
            return
        try:
            data = archive.read(info)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError, OSError) as exc:
            self.document(b"", name, content_type, pos, where, ("corrupt", f"zip entry: {exc}"))
            return
        self.blob(data, name, content_type, pos, where)


def _is_body(part: Message, content_type: str, filename: str | None) -> bool:
    attached = part.get_content_disposition() == "attachment"
    return content_type.startswith("text/") and filename is None and not attached


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except (ValueError, LookupError, TypeError, IndexError):
        return "application/octet-stream"

