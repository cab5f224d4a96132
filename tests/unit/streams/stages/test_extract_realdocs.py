"""Every real public document (../shared/realdocs) goes through split, reading and extraction (with
the second OCR engine where the rules ask for it) without raising, and gets a type and a status."""

from __future__ import annotations

import mimetypes
from pathlib import Path

import pytest

from streams.stages.extract.document import DocumentExtraction, extract_document
from streams.stages.limits import Limits
from streams.stages.reading import DocumentReading, read_document, read_part
from streams.stages.second_reading import rereader
from streams.stages.split import split_email

LIMITS = Limits()
TYPES = ("iso_application", "bank_statement", "voided_check", "other")


def documents(path: Path) -> list[tuple[bytes, DocumentReading]]:
    if path.suffix == ".eml":
        parts = split_email(path.read_bytes(), LIMITS).documents
        return [(part.data, read_part(part, LIMITS)) for part in parts]
    content_type = mimetypes.guess_type(path.name)[0]
    data = path.read_bytes()
    return [(data, read_document(data, filename=path.name, content_type=content_type, limits=LIMITS))]


@pytest.fixture(scope="module")
def extracted(shared_dir: Path) -> dict[str, list[tuple[DocumentReading, DocumentExtraction | None]]]:
    found = {}
    for path in sorted(p for p in (shared_dir / "realdocs").iterdir() if p.suffix != ".md"):
        results = []
        for data, reading in documents(path):
            extraction = None
            if reading.status == "read":
                extraction = extract_document(reading.text, reread=rereader(data, reading.text, LIMITS))
            results.append((reading, extraction))
        found[path.name] = results
    return found


def test_every_real_document_is_extracted_with_a_type_and_a_status(extracted):
    assert len(extracted) >= 9
    for name, results in extracted.items():
        assert results, name
        for reading, extraction in results:
            assert reading.status in ("read", "invalid", "ignored"), name
            if reading.status == "read":
                assert extraction is not None and extraction.doc_type in TYPES, name


def test_real_blank_sba_forms_are_not_taken_for_checks_or_statements(extracted):
    for name in ("SBAForm1919.pdf", "SBAForm413.pdf"):
        [(_, extraction)] = extracted[name]
        assert extraction.doc_type in ("iso_application", "other"), name


def test_real_checks_with_a_micr_line_are_voided_checks(extracted):
    for name in ("blank_check.jpg", "real_ford_gerald_signed_check.png"):
        [(_, extraction)] = extracted[name]
        assert extraction.doc_type == "voided_check", name
