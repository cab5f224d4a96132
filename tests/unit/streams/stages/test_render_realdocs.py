"""Real public documents (../shared/realdocs) go through split and reading without raising, and each
document gets a status: fillable SBA forms by their text layer, real check photos by OCR, and the
real 2005 email's truncated PDF as invalid/corrupt."""

from __future__ import annotations

import mimetypes
from pathlib import Path

import pytest

from streams.stages.limits import Limits
from streams.stages.reading import DocumentReading, read_document, read_part
from streams.stages.split import split_email

LIMITS = Limits()


def readings(path: Path) -> list[DocumentReading]:
    if path.suffix == ".eml":
        return [read_part(part, LIMITS) for part in split_email(path.read_bytes(), LIMITS).documents]
    content_type = mimetypes.guess_type(path.name)[0]
    return [read_document(path.read_bytes(), filename=path.name, content_type=content_type, limits=LIMITS)]


@pytest.fixture(scope="module")
def realdocs(shared_dir: Path) -> dict[str, list[DocumentReading]]:
    files = sorted(p for p in (shared_dir / "realdocs").iterdir() if p.suffix != ".md")
    return {p.name: readings(p) for p in files}


def test_every_real_document_gets_a_status(realdocs):
    assert len(realdocs) >= 9
    for name, found in realdocs.items():
        assert found, name
        for reading in found:
            assert reading.status in ("read", "invalid", "ignored"), name
            assert (reading.reason is None) == (reading.status == "read"), name


def test_real_truncated_pdf_in_an_old_email_is_invalid_corrupt(realdocs):
    [reading] = realdocs["attachment_pdf.eml"]
    assert (reading.status, reading.reason, reading.page_count) == ("invalid", "corrupt", 0)


def test_fillable_sba_forms_are_read_from_their_text_layer_with_their_fields(realdocs):
    [form] = realdocs["SBAForm1919.pdf"]
    assert (form.status, form.page_count, form.raster) == ("read", 7, False)
    assert all(page.source == "text_layer" for page in form.text.pages)
    assert len(form.text.form_fields) > 100
    assert "Borrower" in [w.text for w in form.text.pages[0].words]


def test_real_checks_are_one_page_raster_documents_with_words(realdocs):
    for name in ("blank_check.jpg", "check_with_micr.jpg", "real_ford_gerald_signed_check.png"):
        [check] = realdocs[name]
        assert (check.status, check.page_count, check.raster) == ("read", 1, True), name
        assert len(check.text.pages[0].words) > 5, name
