"""Bad attachments are bad in the way the truth says, and reproducibly so."""

from __future__ import annotations

import io
import random

import pypdfium2 as pdfium
import pytest
from PIL import Image

from infra.demo import edge_cases


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return edge_cases.invoice_pdf(random.Random(1), "Acme LLC", __import__("datetime").date(2025, 1, 6))


def test_password_locked_pdf_does_not_open_without_its_password(pdf: bytes) -> None:
    with pytest.raises(pdfium.PdfiumError):
        pdfium.PdfDocument(edge_cases.password_locked(pdf, random.Random(2)))


def test_owner_password_only_pdf_opens_with_the_empty_password(pdf: bytes) -> None:
    locked = edge_cases.owner_locked(pdf, random.Random(2))
    assert b"/Encrypt" in locked
    doc = pdfium.PdfDocument(locked)
    assert "INVOICE" in doc[0].get_textpage().get_text_range()


def test_encryption_is_reproducible_for_a_seed(pdf: bytes) -> None:
    assert edge_cases.owner_locked(pdf, random.Random(9)) == edge_cases.owner_locked(pdf, random.Random(9))


def test_truncated_pdf_cannot_be_opened(pdf: bytes) -> None:
    for seed in range(5):
        with pytest.raises(pdfium.PdfiumError):
            pdfium.PdfDocument(edge_cases.truncated(pdf, random.Random(seed)))


def test_decompression_bomb_is_small_but_declares_a_huge_image() -> None:
    data = edge_cases.bomb_png(random.Random(3))
    assert len(data) < 4096
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(data))


def test_html_saved_as_pdf_is_not_a_pdf() -> None:
    data = edge_cases.html_page("Test Bank")
    assert data.startswith(b"<!DOCTYPE html>")
    with pytest.raises(pdfium.PdfiumError):
        pdfium.PdfDocument(data)


def test_the_long_irrelevant_document_has_the_pages_it_claims() -> None:
    assert len(pdfium.PdfDocument(edge_cases.long_terms_pdf(random.Random(1), pages=12))) == 12
