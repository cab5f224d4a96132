"""Classify a document and run the extractor for its type, with a second reading where it helps."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from importlib import resources

from streams.stages.classify import Classification, classify
from streams.stages.extract.bank_statement import BankStatement, extract_statement
from streams.stages.extract.iso_application import IsoApplication, extract_application
from streams.stages.extract.second_pass import (
    Rereader,
    application_needs_help,
    check_needs_help,
    merge_applications,
    merge_checks,
    ocr_pages,
    weak_reading,
)
from streams.stages.extract.voided_check import VoidedCheck, extract_check
from streams.stages.text import DocumentText

logger = logging.getLogger(__name__)


def _version() -> str:
    labels = resources.files(__package__).joinpath("labels.json").read_bytes()
    return f"extract-0.1+{hashlib.sha256(labels).hexdigest()[:8]}"


# Changes whenever the code version or the label vocabulary changes, so results can be traced.
EXTRACTOR_VERSION = _version()


@dataclass(frozen=True)
class DocumentExtraction:
    """A classified document and what its extractor found (only the one matching doc_type is set)."""

    doc_type: str
    classification: Classification
    application: IsoApplication | None = None
    statement: BankStatement | None = None
    check: VoidedCheck | None = None
    second_reading: bool = False


def extract_document(document: DocumentText, *, reread: Rereader | None = None) -> DocumentExtraction:
    """Classify `document`, then extract the fields of its type ('other' yields no fields).

    With `reread` (see second_reading.rereader), a short scanned document whose first reading left
    required values missing or invalid is read again by the second OCR engine and the two
    extractions are merged (rules in second_pass.py)."""
    first = _extract(document, classify(document))
    if reread is None:
        return first
    pages = ocr_pages(document)
    if not pages or not _needs_help(first, document):
        return first
    second_text = reread(pages)
    if second_text is document:
        return first
    return _merged(first, second_text)


def _extract(document: DocumentText, found: Classification) -> DocumentExtraction:
    if found.doc_type == "iso_application":
        return DocumentExtraction(found.doc_type, found, application=extract_application(document))
    if found.doc_type == "bank_statement":
        return DocumentExtraction(found.doc_type, found, statement=extract_statement(document))
    if found.doc_type == "voided_check":
        return DocumentExtraction(found.doc_type, found, check=extract_check(document))
    return DocumentExtraction(found.doc_type, found)


def _needs_help(first: DocumentExtraction, document: DocumentText) -> bool:
    if first.application is not None:
        return application_needs_help(first.application) or weak_reading(document)
    if first.check is not None:
        return check_needs_help(first.check)
    if first.doc_type != "other":
        return False
    # an unclaimed scan that still shows some sign of a check (a bank's name, a partial MICR line)
    # may be a photo whose lower half Tesseract lost: the second engine reads it again
    return weak_reading(document) or first.classification.scores.get("check", 0) > 0


def _merged(first: DocumentExtraction, second_text: DocumentText) -> DocumentExtraction:
    if first.doc_type == "other":
        found = classify(second_text)
        return replace(_extract(second_text, found), second_reading=True)
    second = _extract(second_text, first.classification)
    if first.application is not None and second.application is not None:
        return replace(first, application=merge_applications(first.application, second.application),
                       second_reading=True)
    if first.check is not None and second.check is not None:
        return replace(first, check=merge_checks(first.check, second.check), second_reading=True)
    return first
