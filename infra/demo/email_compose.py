"""RFC 5322 messages for demo submissions, built with the standard library's email package.

Every random choice (boundaries, Message-ID, filename style, transfer encoding) comes from the seeded
RNG, so a seed gives the same bytes. Attachment names are written plain, as RFC 2231 values (with or
without continuations) or as RFC 2047 encoded words; bodies are base64 or quoted-printable.
"""

from __future__ import annotations

import binascii
import datetime as dt
import io
import random
import uuid
import zipfile
from dataclasses import dataclass, field
from email import charset as email_charset
from email import encoders, quoprimime, utils
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.mime.text import MIMEText
from urllib.parse import quote

FILENAME_STYLES = ("plain", "plain", "rfc2231", "rfc2231_cont", "rfc2047")
MAILERS = (
    None,
    None,
    "Microsoft Outlook 16.0",
    "Apple Mail (2.3826.300.87.4.3)",
    "Mozilla Thunderbird",
    "eM Client 9.2.2157.0",
)


@dataclass(frozen=True)
class Attachment:
    """A file attached to a message."""

    filename: str
    data: bytes
    content_type: str


@dataclass(frozen=True)
class MessageSpec:
    """One message to compose; `forwarded` is attached as message/rfc822 (forward as attachment)."""

    sender_name: str
    sender: str
    to: str
    subject: str
    date: dt.datetime
    message_id: str
    text: str | None
    html: str | None = None
    logo: tuple[str, bytes] | None = None  # (content id, PNG bytes) referenced from the HTML
    attachments: tuple[Attachment, ...] = ()
    forwarded: MessageSpec | None = None
    headers: tuple[tuple[str, str], ...] = field(default=())


def message_id(rng: random.Random, domain: str, user: str) -> str:
    """A Message-ID in the style of one of the common mail systems, unique per RNG draw."""
    style = rng.randrange(4)
    if style == 0:
        return f"<{rng.randbytes(8).hex().upper()}.{rng.randrange(10**6)}@mail.{domain}>"
    if style == 1:
        return f"<{uuid.UUID(bytes=rng.randbytes(16), version=4)}@{domain}>".upper().replace(
            domain.upper(), domain
        )
    if style == 2:
        prefix = rng.choice(("BY5PR", "SA1PR", "CH3PR", "DM6PR"))
        host = f"{prefix}{rng.randint(10, 19)}MB{rng.randint(1000, 9999)}"
        return (
            f"<{host}{rng.randbytes(14).hex().upper()}@{host}.namprd{rng.randint(10, 19)}.prod.outlook.com>"
        )
    return f"<CA{rng.randbytes(24).hex()[:38]}+{user[:6]}@mail.gmail.com>"


def boundary(rng: random.Random) -> str:
    """A MIME boundary in the style of one of the common mail clients."""
    style = rng.randrange(4)
    if style == 0:
        return f"----=_NextPart_{rng.randrange(1000):03d}_{rng.randbytes(8).hex().upper()}"
    if style == 1:
        return "000000000000" + rng.randbytes(6).hex()
    if style == 2:
        return f"Apple-Mail={str(uuid.UUID(bytes=rng.randbytes(16), version=4)).upper()}"
    return "=_" + rng.randbytes(16).hex()


def zip_bytes(members: list[Attachment], when: dt.datetime) -> bytes:
    """A zip of `members` with fixed time stamps and attributes (reproducible)."""
    buf = io.BytesIO()
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second // 2 * 2)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for m in members:
            info = zipfile.ZipInfo(m.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, m.data)
    return buf.getvalue()


def _name_params(name: str, style: str) -> tuple[str, str]:
    """(Content-Disposition value, Content-Type name parameter) for `name` in `style`."""
    if style == "plain" and not name.isascii():
        style = "rfc2231"
    if style == "plain":
        return f'attachment; filename="{name}"', f'; name="{name}"'
    if style == "rfc2047":
        word = quoprimime.header_encode(name.encode("utf-8"), charset="utf-8")
        return f'attachment; filename="{word}"', f'; name="{word}"'
    if style == "rfc2231_cont" and len(name) > 12:
        cut = len(name) // 2
        return (
            f"attachment;\n filename*0*=utf-8''{quote(name[:cut])};\n filename*1*={quote(name[cut:])}",
            f"; name*=utf-8''{quote(name)}",
        )
    return f"attachment; filename*=utf-8''{quote(name)}", ""


def _attachment_part(att: Attachment, rng: random.Random) -> Message:
    maintype, subtype = att.content_type.split("/", 1)
    part = MIMEBase(maintype, subtype)
    del part["MIME-Version"]
    disposition, name_param = _name_params(att.filename, rng.choice(FILENAME_STYLES))
    if rng.random() < 0.6:
        part.replace_header("Content-Type", att.content_type + name_param)
    if att.content_type == "application/pdf" and att.data and rng.random() < 0.2:
        part.set_payload(binascii.b2a_qp(att.data, quotetabs=True, istext=False).decode("ascii"))
        part["Content-Transfer-Encoding"] = "quoted-printable"
    else:
        part.set_payload(att.data)
        encoders.encode_base64(part)
    part["Content-Disposition"] = disposition
    return part


def _text_part(text: str, subtype: str, rng: random.Random) -> Message:
    if text.isascii() and rng.random() < 0.4:
        part: Message = MIMEText(text, subtype, "us-ascii")
    else:
        cs = email_charset.Charset("utf-8")
        cs.body_encoding = email_charset.QP if rng.random() < 0.5 else email_charset.BASE64
        part = MIMENonMultipart("text", subtype)
        part.set_payload(text, cs)
    del part["MIME-Version"]
    return part


def _logo_part(cid: str, png: bytes) -> Message:
    part = MIMEBase("image", "png")
    del part["MIME-Version"]
    part.set_payload(png)
    encoders.encode_base64(part)
    part["Content-ID"] = f"<{cid}>"
    part["Content-Disposition"] = f'inline; filename="{cid.split("@")[0]}"'
    return part


def build_message(spec: MessageSpec, rng: random.Random) -> Message:
    """The message tree for `spec` (multipart/mixed at the top)."""
    root = MIMEMultipart("mixed", boundary=boundary(rng))
    body: Message | None = None
    if spec.text is not None:
        body = _text_part(spec.text, "plain", rng)
    if spec.html is not None:
        alt = MIMEMultipart("alternative", boundary=boundary(rng))
        del alt["MIME-Version"]
        if body is not None:
            alt.attach(body)
        alt.attach(_text_part(spec.html, "html", rng))
        body = alt
        if spec.logo is not None:
            related = MIMEMultipart("related", boundary=boundary(rng))
            del related["MIME-Version"]
            related.attach(alt)
            related.attach(_logo_part(*spec.logo))
            body = related
    if body is not None:
        root.attach(body)
    for att in spec.attachments:
        root.attach(_attachment_part(att, rng))
    if spec.forwarded is not None:
        inner = MIMEMessage(build_message(spec.forwarded, rng))
        del inner["MIME-Version"]
        root.attach(inner)
    root["From"] = utils.formataddr((spec.sender_name, spec.sender))
    root["To"] = spec.to
    root["Subject"] = (
        spec.subject
        if spec.subject.isascii()
        else Header(spec.subject, "utf-8", header_name="Subject").encode()
    )
    root["Date"] = utils.format_datetime(spec.date)
    root["Message-ID"] = spec.message_id
    mailer = rng.choice(MAILERS)
    if mailer:
        root["X-Mailer"] = mailer
    for name, value in spec.headers:
        root[name] = value
    return root


def compose(spec: MessageSpec, rng: random.Random) -> bytes:
    """The message as bytes (LF line endings, as mail stores keep .eml files)."""
    return build_message(spec, rng).as_bytes()
