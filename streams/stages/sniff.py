"""What a blob is: by its magic bytes, by its name, by its declared type.

The three signals disagree in real mail (`application/octet-stream` PDFs, `.pdf` files that are
HTML error pages, `.docx` files that are zip archives), so each is read separately and the
callers combine them: `split` decides what to keep, `reading` what went wrong.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Literal

Kind = Literal["pdf", "image", "zip", "message"]

PDF_HEADER_WINDOW = 1024  # the PDF spec tolerates junk before %PDF- within the first 1 KiB

IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".tif", ".tiff", ".gif", ".bmp", ".webp", ".heic", ".heif"}
)
NAME_KINDS: dict[str, Kind] = {".pdf": "pdf", ".zip": "zip", ".eml": "message"}
TYPE_KINDS: dict[str, Kind] = {
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "application/acrobat": "pdf",
    "application/zip": "zip",
    "application/x-zip-compressed": "zip",
    "application/x-zip": "zip",
    "message/rfc822": "message",
}


def kind_from_bytes(data: bytes) -> Kind | None:
    """The kind the magic bytes announce, or None when they announce nothing we read."""
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"  # before the PDF window: a stored (uncompressed) zip shows its PDFs' headers
    if is_image_bytes(data):
        return "image"
    if b"%PDF-" in data[:PDF_HEADER_WINDOW]:
        return "pdf"
    return None


def is_image_bytes(data: bytes) -> bool:
    """True when the bytes start like a raster image format (JPEG, PNG, TIFF, GIF, BMP, WebP, HEIF)."""
    return (
        data[:3] == b"\xff\xd8\xff"
        or data[:8] == b"\x89PNG\r\n\x1a\n"
        or data[:4] in (b"II*\x00", b"MM\x00*")
        or data[:6] in (b"GIF87a", b"GIF89a")
        or (data[:2] == b"BM" and len(data) > 26 and data[6:10] == b"\x00\x00\x00\x00")
        or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")
        or data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc")
        or data[:12] == b"\x00\x00\x00\x0cjP  \r\n\x87\n"
    )


def kind_from_name(filename: str | None) -> Kind | None:
    """The kind a file name's extension claims, or None."""
    if not filename:
        return None
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix.lower()
    if suffix in IMAGE_EXTENSIONS:
        return "image"
    return NAME_KINDS.get(suffix)


def kind_from_type(content_type: str | None) -> Kind | None:
    """The kind a declared MIME type claims, or None (application/octet-stream claims nothing)."""
    if not content_type:
        return None
    main = content_type.split(";", 1)[0].strip().lower()
    if main.startswith("image/"):
        return "image"
    return TYPE_KINDS.get(main)


def claimed_kind(filename: str | None, content_type: str | None) -> Kind | None:
    """What the sender says the file is: the name first (it is what people see), then the type."""
    return kind_from_name(filename) or kind_from_type(content_type)


def describe_bytes(data: bytes) -> str:
    """A short human description of what the bytes look like, for an error detail."""
    if not data:
        return "no bytes"
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head or b"<body" in head:
        return "an HTML page"
    if head.startswith(b"<?xml") or head.startswith(b"<"):
        return "markup (XML or HTML)"
    kind = kind_from_bytes(data)
    if kind is not None:
        return f"a {kind.upper()} file"
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in data[:512])
    if printable > 0.95 * min(len(data), 512):
        return "plain text"
    return f"binary data starting {data[:8]!r}"
