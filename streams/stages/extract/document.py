"""Classify a document and run the extractor for its type."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from importlib import resources

from streams.stages.classify import Classification, classify
from streams.stages.extract.bank_statement import BankStatement, extract_statement
from streams.stages.extract.iso_application import IsoApplication, extract_application
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


def extract_document(document: DocumentText) -> DocumentExtraction:
    """Classify `document`, then extract the fields of its type ('other' yields no fields)."""
    found = classify(document)
    if found.doc_type == "iso_application":
        return DocumentExtraction(found.doc_type, found, application=extract_application(document))
    if found.doc_type == "bank_statement":
        return DocumentExtraction(found.doc_type, found, statement=extract_statement(document))
    if found.doc_type == "voided_check":
        return DocumentExtraction(found.doc_type, found, check=extract_check(document))
    return DocumentExtraction(found.doc_type, found)
