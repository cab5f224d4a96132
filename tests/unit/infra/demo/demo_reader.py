"""A reader for demo submissions, used by the tests: the attachments a funder would see, by name."""

from __future__ import annotations

import email
import email.policy
import io
import zipfile
from email.message import EmailMessage
from pathlib import Path


def attachments(eml: Path) -> list[tuple[str, bytes]]:
    """(filename, bytes) of every document in MIME order: zip members listed, cid: images skipped."""
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    cids = _referenced_cids(msg)
    out: list[tuple[str, bytes]] = []
    for part in msg.walk():
        if part.is_multipart() or part.get_content_type() == "message/rfc822":
            continue
        name = part.get_filename()
        if name is None:
            continue
        if (part.get("Content-ID") or "").strip("<>") in cids:
            continue
        data = part.get_payload(decode=True) or b""
        if name.lower().endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                out += [(info.filename, zf.read(info)) for info in zf.infolist()]
        else:
            out.append((name, data))
    return out


def _referenced_cids(msg: EmailMessage) -> set[str]:
    cids: set[str] = set()
    for part in msg.walk():
        if part.get_content_type() == "text/html":
            text = part.get_content()
            cids |= {chunk.split('"')[0] for chunk in text.split("cid:")[1:]}
    return cids
