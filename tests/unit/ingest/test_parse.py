"""parse_email: raw bytes to the event's facts, on good, odd and hostile messages."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from ingest.parse import parse_email

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def multipart(*parts: bytes, headers: bytes = b"") -> bytes:
    head = (
        b"From: Ana Broker <Ana@Broker.Example>\r\nTo: uw@funder.example\r\n"
        b"Subject: Deal\r\nMessage-ID: <m1@broker.example>\r\nDate: Tue, 04 Mar 2025 13:17:00 -0500\r\n"
        + headers
        + b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n'
    )
    body = b"".join(b"--B\r\n" + part + b"\r\n" for part in parts)
    return head + body + b"--B--\r\n"


TEXT_PART = b"Content-Type: text/plain; charset=utf-8\r\n\r\nHello underwriting team.\r\n"


def pdf_part(disposition: bytes) -> bytes:
    import base64

    return (
        b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
        + disposition
        + b"\r\n\r\n"
        + base64.encodebytes(PDF)
    )


def test_headers_become_sender_recipients_subject_message_id_and_utc_date() -> None:
    parsed = parse_email(multipart(TEXT_PART))

    assert parsed.sender == "ana@broker.example"
    assert parsed.sender_domain == "broker.example"
    assert parsed.header_recipients == ["uw@funder.example"]
    assert parsed.subject == "Deal"
    assert parsed.message_id == "<m1@broker.example>"
    assert parsed.date == datetime(2025, 3, 4, 18, 17, tzinfo=UTC)
    assert parsed.body_preview == "Hello underwriting team."
    assert parsed.attachments == []


@pytest.mark.parametrize(
    "disposition",
    [
        b'Content-Disposition: attachment; filename="Bank Statement.pdf"',
        b"Content-Disposition: attachment; filename*=utf-8''Estado%20de%20cuenta%20%E2%80%93%20enero.pdf",
        b"Content-Disposition: attachment;\r\n filename*0*=utf-8''Estado%20de%20cuenta%20;\r\n"
        b" filename*1*=%E2%80%93%20enero.pdf",
        b'Content-Disposition: attachment; filename="=?utf-8?B?RXN0YWRvIGRlIGN1ZW50YSDigJMgZW5lcm8ucGRm?="',
    ],
    ids=["plain", "rfc2231", "rfc2231-continuations", "rfc2047"],
)
def test_attachment_file_names_are_decoded_whatever_the_encoding(disposition: bytes) -> None:
    parsed = parse_email(multipart(TEXT_PART, pdf_part(disposition)))

    (attachment,) = parsed.attachments
    assert attachment.filename in {"Bank Statement.pdf", "Estado de cuenta – enero.pdf"}
    assert attachment.content_type == "application/pdf"
    assert attachment.data == PDF
    assert attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert attachment.position == 0
    assert attachment.nested_path == ""


def test_html_body_logo_referenced_by_cid_is_marked_inline_and_the_body_is_not_an_attachment() -> None:
    message = EmailMessage()
    message["From"] = "iso@broker.example"
    message["Subject"] = "Logo"
    message.set_content("plain body")
    message.add_alternative('<p>Hi <b>team</b></p><img src="cid:logo123@broker">', subtype="html")
    message.get_payload()[1].add_related(b"\x89PNG fake", "image", "png", cid="<logo123@broker>")
    message.add_attachment(PDF, "application", "pdf", filename="app.pdf")

    parsed = parse_email(message.as_bytes())

    assert [(a.filename, a.inline_cid) for a in parsed.attachments] == [
        (None, "logo123@broker"),
        ("app.pdf", None),
    ]
    assert parsed.body_preview == "plain body"


def test_html_only_body_previews_its_text_without_tags_or_styles() -> None:
    message = EmailMessage()
    message["From"] = "iso@broker.example"
    message.set_content("<html><style>p{color:red}</style><p>Deal for&nbsp;Acme</p></html>", subtype="html")

    assert parse_email(message.as_bytes()).body_preview == "Deal for Acme"


def test_parts_of_forwarded_messages_carry_their_nested_path() -> None:
    inner = EmailMessage()
    inner["From"] = "merchant@shop.example"
    inner["Subject"] = "docs"
    inner.set_content("see attached")
    inner.add_attachment(PDF, "application", "pdf", filename="statement.pdf")
    outer = EmailMessage()
    outer["From"] = "iso@broker.example"
    outer["Subject"] = "FW: docs"
    outer.set_content("FYI")
    outer.add_attachment(PDF, "application", "pdf", filename="app.pdf")
    outer.add_attachment(inner)

    parsed = parse_email(outer.as_bytes())

    assert [(a.filename, a.nested_path, a.position) for a in parsed.attachments] == [
        ("app.pdf", "", 0),
        ("statement.pdf", "0", 1),
    ]


def test_missing_message_id_date_and_from_fall_back_without_failing() -> None:
    raw = b"Subject: no headers to speak of\r\n\r\nbody\r\n"

    parsed = parse_email(raw, envelope_sender="Bounce@Sender.Example")

    assert parsed.message_id is None
    assert parsed.date is None
    assert parsed.sender == "bounce@sender.example"
    assert parsed.sender_domain == "sender.example"


def test_unparseable_date_is_none_and_unusable_from_gives_empty_sender() -> None:
    raw = b"From: not an address\r\nDate: sometime last week\r\n\r\nbody\r\n"

    parsed = parse_email(raw)

    assert parsed.date is None
    assert parsed.sender == ""
    assert parsed.sender_domain == ""


def test_message_id_is_kept_as_sent_even_when_malformed() -> None:
    raw = b"From: a@b.example\r\nMessage-ID:   <  odd id@b.example >\r\n\r\nbody\r\n"

    assert parse_email(raw).message_id == "<  odd id@b.example >"


def test_unknown_charset_and_broken_base64_are_decoded_as_far_as_possible_with_defects() -> None:
    raw = (
        b"From: a@b.example\r\nSubject: =?x-unknown?q?caf=E9?=\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"
        b"Content-Type: text/plain; charset=x-bogus\r\n\r\ncaf\xe9 body\r\n--B\r\n"
        b"Content-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"JVBERi0x!!!notbase64\r\n--B--\r\n"
    )

    parsed = parse_email(raw)

    assert parsed.body_preview.startswith("caf")
    assert parsed.attachments[0].filename == "a.pdf"
    assert any("Base64" in defect for defect in parsed.defects)


def test_huge_header_lines_and_missing_terminator_do_not_stop_parsing() -> None:
    raw = (
        b"From: a@b.example\r\nX-Junk: "
        + b"x" * 300_000
        + b"\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
    )
    raw += b"--B\r\n" + pdf_part(b'Content-Disposition: attachment; filename="a.pdf"')

    parsed = parse_email(raw)

    assert parsed.sender == "a@b.example"
    assert [a.filename for a in parsed.attachments] == ["a.pdf"]
    assert parsed.defects


def test_hostile_mime_depth_is_bounded_and_recorded_as_a_defect() -> None:
    depth = 3000
    raw = (
        b"From: a@b.example\r\nSubject: deep\r\n"
        + b"".join(
            b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i) for i in range(depth)
        )
        + b"Content-Type: text/plain\r\n\r\nhi\r\n"
    )

    parsed = parse_email(raw)

    assert parsed.subject == "deep"
    assert any("TooDeep" in defect for defect in parsed.defects)


def test_binary_garbage_is_still_parsed_into_something() -> None:
    parsed = parse_email(bytes(range(256)) * 50)

    assert parsed.sender == ""
    assert isinstance(parsed.defects, list)


def test_real_broken_email_with_a_pdf_attachment_is_parsed(shared_dir: Path) -> None:
    parsed = parse_email((shared_dir / "realdocs" / "attachment_pdf.eml").read_bytes())

    assert parsed.subject == "Another PDF with 🎉 Unicode chars in it 🍿"
    assert parsed.date == datetime(2005, 5, 10, 17, 26, 39, tzinfo=UTC)
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [("broken.pdf", "application/pdf")]
    assert parsed.attachments[0].data.startswith(b"%PDF")


def test_every_shared_sample_yields_the_documents_and_headers_its_truth_file_lists(shared_dir: Path) -> None:
    samples = sorted((shared_dir / "samples").glob("*.eml"))
    assert samples, "no samples found"
    for path in samples:
        truth = json.loads(path.with_suffix(".truth.json").read_text())
        parsed = parse_email(path.read_bytes())
        names: list[str | None] = []
        for attachment in parsed.attachments:
            if attachment.inline_cid:
                continue  # a logo, not a document
            if (attachment.filename or "").lower().endswith(".zip"):
                names.extend(zipfile.ZipFile(io.BytesIO(attachment.data)).namelist())
            else:
                names.append(attachment.filename)
        assert sorted(names) == sorted(d["filename"] for d in truth["documents"]), path.name
        assert parsed.message_id == truth["email"]["message_id"], path.name
        assert parsed.sender == truth["email"]["from"], path.name
        assert parsed.subject == truth["email"]["subject"], path.name
