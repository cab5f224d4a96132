"""split: an email's raw bytes become its documents, ignored attachments and inline logos."""

from __future__ import annotations

import io
import json
import zipfile
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from PIL import Image

from streams.stages.limits import Limits
from streams.stages.split import split_email

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
LIMITS = Limits()
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def submission(*attachments: tuple[bytes, str, str, str | None], html: str | None = None) -> EmailMessage:
    """An ISO broker's email: a body, then (data, maintype/subtype, filename, content-id) parts."""
    message = EmailMessage()
    message["From"] = "iso@broker.example"
    message["To"] = "submissions@funder.example"
    message["Subject"] = "New deal"
    message["Message-ID"] = "<deal-1@broker.example>"
    message.set_content("Please find the application and statements attached.")
    if html is not None:
        message.add_alternative(html, subtype="html")
    for data, mime, filename, content_id in attachments:
        maintype, subtype = mime.split("/")
        headers = [f"Content-ID: <{content_id}>"] if content_id else None
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename, headers=headers)
    return message


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def attached_zip(archive: bytes, filename: str) -> bytes:
    return submission((archive, "application/zip", filename, None)).as_bytes()


def names(raw: bytes, limits: Limits = LIMITS) -> list[str | None]:
    return [d.filename for d in split_email(raw, limits).documents]


def test_pdf_and_image_attachments_become_documents_in_order():
    raw = submission((PDF, "application/pdf", "App.pdf", None), (JPEG, "image/jpeg", "VC.JPG", None))
    result = split_email(raw.as_bytes(), LIMITS)
    assert [(d.filename, d.source, d.container) for d in result.documents] == [
        ("App.pdf", "attachment", None),
        ("VC.JPG", "attachment", None),
    ]
    assert result.documents[0].data == PDF
    assert len(result.documents[0].sha256) == 64
    assert len({d.position for d in result.documents}) == 2


def test_octet_stream_named_pdf_is_a_pdf_document():
    raw = submission((PDF, "application/octet-stream", "January Statement.pdf", None)).as_bytes()
    assert names(raw) == ["January Statement.pdf"]


def test_pdf_named_file_holding_html_is_still_a_document_for_render_to_refuse():
    html = b"<!DOCTYPE html><html><body>Session expired</body></html>"
    raw = submission((html, "application/pdf", "statement.pdf", None)).as_bytes()
    [document] = split_email(raw, LIMITS).documents
    assert document.filename == "statement.pdf" and document.data == html


def test_zero_byte_pdf_is_a_document():
    raw = submission((b"", "application/pdf", "voided check.pdf", None)).as_bytes()
    [document] = split_email(raw, LIMITS).documents
    assert document.data == b"" and document.invalid_reason is None


def test_unsupported_attachments_are_ignored_with_name_and_type():
    raw = submission(
        (b"PK\x03\x04word", DOCX, "Notes.docx", None),
        (b"hello", "text/plain", "readme.txt", None),
        (b"BEGIN:VCALENDAR", "text/calendar", "invite.ics", None),
    ).as_bytes()
    result = split_email(raw, LIMITS)
    assert result.documents == ()
    assert [(i.filename, i.content_type, i.reason) for i in result.ignored] == [
        ("Notes.docx", DOCX, "unsupported_type"),
        ("readme.txt", "text/plain", "unsupported_type"),
        ("invite.ics", "text/calendar", "unsupported_type"),
    ]


def test_inline_image_referenced_by_cid_is_a_logo_not_a_document():
    html = '<p>Thanks</p><img src="cid:logo001@broker">'
    raw = submission(
        (PNG, "image/png", "image001.png", "logo001@broker"),
        (PNG, "image/png", "check.png", "unreferenced@broker"),
        html=html,
    ).as_bytes()
    result = split_email(raw, LIMITS)
    assert [d.filename for d in result.documents] == ["check.png"]
    assert [(i.filename, i.reason) for i in result.inline_images] == [("image001.png", "inline_image")]


def test_photo_pasted_into_the_html_body_is_a_document_not_a_logo():
    buffer = io.BytesIO()
    Image.new("RGB", (1350, 741), "white").save(buffer, "JPEG")
    html = '<p>voided check below</p><img src="cid:photo@broker">'
    raw = submission((buffer.getvalue(), "image/jpeg", "IMG_7439.jpg", "photo@broker"), html=html).as_bytes()
    assert names(raw) == ["IMG_7439.jpg"]


def test_encoded_filenames_are_decoded():
    raw = (
        b"From: iso@broker.example\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
        b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment;\r\n"
        b" filename*0*=utf-8''Northside%20Mini;\r\n filename*1*=%20Mart%20App.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
        b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment;"
        b" filename*=utf-8''Estado%20de%20cuenta%20%E2%80%93%20febrero.pdf\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
        b'--b\r\nContent-Type: image/jpeg; name="=?utf-8?q?VC=2EJPG?="\r\n'
        b'Content-Disposition: attachment; filename="=?utf-8?q?VC=2EJPG?="\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n/9j/4AAQ\r\n"
        b"--b--\r\n"
    )
    assert names(raw) == ["Northside Mini Mart App.pdf", "Estado de cuenta \u2013 febrero.pdf", "VC.JPG"]


def test_zip_members_are_listed_by_member_name_and_the_zip_is_not_a_document():
    archive = zipped({"docs/Application.pdf": PDF, "eStmt.pdf": PDF, "__MACOSX/._eStmt.pdf": b"junk",
                      "notes.txt": b"hi"})
    result = split_email(submission((archive, "application/zip", "docs.zip", None)).as_bytes(), LIMITS)
    assert [(d.filename, d.source, d.container) for d in result.documents] == [
        ("Application.pdf", "zip", "docs.zip"),
        ("eStmt.pdf", "zip", "docs.zip"),
    ]
    assert [i.filename for i in result.ignored] == ["notes.txt"]


def test_zip_with_too_many_entries_is_one_invalid_document_never_expanded():
    archive = zipped({f"page{i}.pdf": PDF for i in range(5)})
    limits = Limits(zip_max_entries=3)
    [document] = split_email(attached_zip(archive, "many.zip"), limits).documents
    assert (document.filename, document.invalid_reason) == ("many.zip", "too_large")
    assert "5 entries" in document.invalid_detail


def test_zip_bomb_by_expansion_ratio_is_invalid_too_large():
    archive = zipped({"bomb.pdf": PDF + b"\x00" * 5_000_000})
    [document] = split_email(attached_zip(archive, "bomb.zip"), LIMITS).documents
    assert document.invalid_reason == "too_large" and "expands" in document.invalid_detail


def test_zip_over_total_bytes_is_invalid_too_large():
    archive = zipped({"big.pdf": PDF + bytes(range(256)) * 400})
    limits = Limits(zip_max_total_bytes=50_000)
    [document] = split_email(attached_zip(archive, "big.zip"), limits).documents
    assert document.invalid_reason == "too_large"


def test_corrupt_zip_is_invalid_corrupt():
    raw = submission((b"PK\x03\x04 not really a zip", "application/zip", "statements.zip", None)).as_bytes()
    [document] = split_email(raw, LIMITS).documents
    assert (document.filename, document.invalid_reason) == ("statements.zip", "corrupt")


def test_password_protected_zip_entry_is_an_invalid_encrypted_document():
    archive = bytearray(zipped({"Application.pdf": PDF}))
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # set "encrypted" in both headers
        at = archive.index(signature) + flag_offset
        archive[at] |= 0x1
    raw = attached_zip(bytes(archive), "locked.zip")
    [document] = split_email(raw, LIMITS).documents
    assert (document.filename, document.invalid_reason) == ("Application.pdf", "encrypted")


def test_forwarded_message_attachments_are_documents():
    inner = submission((PDF, "application/pdf", "Application.pdf", None))
    inner.replace_header("Subject", "Fwd: deal")
    outer = EmailMessage()
    outer["Subject"] = "FW: deal"
    outer.set_content("see below")
    outer.add_attachment(inner)
    [document] = split_email(outer.as_bytes(policy=SMTP), LIMITS).documents
    assert (document.filename, document.source) == ("Application.pdf", "forwarded")
    assert document.container == "Fwd: deal"


def test_nesting_deeper_than_the_limit_is_not_opened():
    message = submission((PDF, "application/pdf", "deep.pdf", None))
    for _ in range(3):
        outer = EmailMessage()
        outer.set_content("fwd")
        outer.add_attachment(message)
        message = outer
    result = split_email(message.as_bytes(policy=SMTP), Limits(max_nesting_depth=2))
    assert result.documents == ()
    assert any(i.reason == "unreadable" for i in result.ignored)


def test_attachment_over_the_byte_limit_is_invalid_too_large():
    raw = submission((PDF + b"0" * 2000, "application/pdf", "huge.pdf", None)).as_bytes()
    [document] = split_email(raw, Limits(attachment_max_bytes=1000)).documents
    assert document.invalid_reason == "too_large"


def test_email_without_attachments_has_no_documents():
    assert split_email(submission().as_bytes(), LIMITS).documents == ()


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff" * 100,
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: application/pdf\r\n",
        b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!",
        b"Content-Type: message/rfc822\r\n\r\nContent-Type: multipart/mixed; boundary=",
        b'Content-Disposition: attachment; filename*=bogus\'\'%ZZ%\r\nContent-Type: image/png\r\n\r\nxx',
    ],
)
def test_malformed_email_never_raises(raw):
    result = split_email(raw, LIMITS)
    assert isinstance(result.documents, tuple)


def test_sample_submissions_yield_the_documents_of_their_truth_files(shared_dir: Path):
    for eml in sorted((shared_dir / "samples").glob("*.eml")):
        truth = json.loads(eml.with_suffix("").with_suffix(".truth.json").read_text())
        documents = split_email(eml.read_bytes(), LIMITS).documents
        expected = [d["filename"] for d in truth["documents"]]
        found = [d.filename for d in documents]
        assert sorted(found) == sorted(expected), eml.name
        # In MIME order; the truth lists a zip's members before the email's own attachments even
        # where the zip comes last, so order is compared within each container.
        for container in {d.container for d in documents}:
            inside = [d.filename for d in documents if d.container == container]
            assert inside == [name for name in expected if name in inside], (eml.name, container)


def test_real_broken_email_yields_its_truncated_pdf(shared_dir: Path):
    raw = (shared_dir / "realdocs" / "attachment_pdf.eml").read_bytes()
    [document] = split_email(raw, LIMITS).documents
    assert document.filename == "broken.pdf" and document.data.startswith(b"%PDF-1.4")
