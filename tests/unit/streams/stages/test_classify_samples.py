"""The shared sample submissions (../shared/samples): every text-layer document is classified as its
truth file says. Scanned documents need OCR and are measured by the scorer instead."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from streams.stages.classify import classify
from streams.stages.limits import Limits
from streams.stages.reading import read_part
from streams.stages.split import split_email

LIMITS = Limits()
READ_TYPES = ("iso_application", "bank_statement", "voided_check", "other")


def text_layer_documents(shared_dir: Path) -> list[tuple[str, str, str, object]]:
    """(case, filename, expected doc_type, reading) of every readable text-layer document."""
    found = []
    for truth_path in sorted((shared_dir / "samples").glob("*.truth.json")):
        truth = json.loads(truth_path.read_text())
        expected = {
            d["filename"]: d["doc_type"]
            for d in truth["documents"]
            if not d["raster"] and d["doc_type"] in READ_TYPES
        }
        eml = truth_path.with_name(truth_path.name.replace(".truth.json", ".eml"))
        for part in split_email(eml.read_bytes(), LIMITS).documents:
            if part.filename in expected:
                found.append((truth["case_id"], part.filename, expected[part.filename], part))
    return found


@pytest.fixture(scope="module")
def classified(shared_dir: Path) -> list[tuple[str, str, str, str]]:
    results = []
    for case, filename, expected, part in text_layer_documents(shared_dir):
        reading = read_part(part, LIMITS)
        assert reading.status == "read", (case, filename, reading.reason)
        assert all(page.source == "text_layer" for page in reading.text.pages if page.words), (case, filename)
        results.append((case, filename, expected, classify(reading.text).doc_type))
    return results


def test_sample_text_layer_documents_are_classified_as_their_truth_says(classified):
    assert len(classified) >= 100
    wrong = [(case, name, expected, got) for case, name, expected, got in classified if expected != got]
    assert wrong == []


def test_samples_hold_every_kind_of_text_layer_document(classified):
    assert {expected for _, _, expected, _ in classified} >= {"iso_application", "bank_statement", "other"}
