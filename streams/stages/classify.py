"""Document classification from text and layout: iso_application, bank_statement, voided_check, other.

Each type is scored by what its extractor would find: an application by how many distinct
application fields its labels name, a statement by its transaction rows and summary wording, a
check by its printed phrases and a MICR line holding a valid routing number and an account
number. Thresholds and phrases live in extract/labels.json ("classify"). A document that none
of them claims is `other`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from typing import Literal

from streams.stages.extract.iso_application import application_grammar
from streams.stages.extract.labels import label_data
from streams.stages.extract.lines import Line, document_lines, find_labels, norm_token
from streams.stages.extract.transactions import parse_transactions
from streams.stages.extract.voided_check import BANK_WORDS, find_micr, micr_like
from streams.stages.text import DocumentText

logger = logging.getLogger(__name__)

DocType = Literal["iso_application", "bank_statement", "voided_check", "other"]


@dataclass(frozen=True)
class Classification:
    """The type, a confidence (0..1) and the raw scores behind it (for review and tuning)."""

    doc_type: DocType
    confidence: float
    scores: dict[str, float]


def _phrase_tokens(phrases) -> list[tuple[str, ...]]:
    return [tuple(norm_token(t) for t in p.split() if norm_token(t)) for p in phrases]


@cache
def _phrases(key: str) -> tuple[tuple[str, ...], ...]:
    """The phrases of classify setting `key`, split into normalised tokens, in their order."""
    return tuple(_phrase_tokens(_settings()[key]))


@cache
def _settings() -> dict:
    return label_data()["classify"]


@cache
def _phrases_by_first() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Every classify phrase (split into normalised tokens) indexed by its first token, so that the
    tokens of a document are scanned once for all phrases rather than once per phrase."""
    found: dict[str, list[tuple[str, ...]]] = {}
    for key in ("application_titles", "statement_phrases", "check_phrases"):
        for phrase in _phrases(key):
            if phrase and phrase not in found.get(phrase[0], ()):
                found.setdefault(phrase[0], []).append(phrase)
    return {first: tuple(phrases) for first, phrases in found.items()}


def _text_tokens(lines: list[Line]) -> list[str]:
    return [t for line in lines for t in (norm_token(w.text) for w in line.words) if t]


def _phrase_counts(tokens: list[str]) -> dict[tuple[str, ...], int]:
    """How often each classify phrase occurs in `tokens` (overlapping occurrences counted)."""
    index = _phrases_by_first()
    counts: dict[tuple[str, ...], int] = {}
    for start, token in enumerate(tokens):
        for phrase in index.get(token, ()):
            end = start + len(phrase)
            if end <= len(tokens) and tuple(tokens[start:end]) == phrase:
                counts[phrase] = counts.get(phrase, 0) + 1
    return counts


def _count_phrase(counts: dict[tuple[str, ...], int], tokens: list[str], phrase: tuple[str, ...]) -> int:
    # A phrase with no tokens left after normalisation matches at every position, as a scan would.
    return counts.get(phrase, 0) if phrase else len(tokens) + 1


def _names_a_bank(tokens: list[str]) -> bool:
    return any(token in BANK_WORDS for token in tokens[:40])


def _micr_score(lines: list[Line]) -> int:
    """Check evidence from a MICR line: 3 for a routing number with an account number after it or
    between read symbols; 2 for a lone checksum-valid nine digits (one in ten numbers passes, e.g. a
    licence number on an ID card) or for what OCR makes of a MICR line without a valid routing number."""
    micr = find_micr(lines)
    if micr is not None and (micr.account or micr.delimited):
        return 3
    return 2 if micr is not None or micr_like(lines) else 0


def application_score(lines: list[Line]) -> tuple[int, bool]:
    """Distinct application fields named by labels, and whether a merchant/funding one is among them."""
    grammar = application_grammar()
    keys: set[str] = set()
    for index, line in enumerate(lines):
        for hit in find_labels(line, index, grammar.vocabulary):
            if hit.key.split(".")[0] in ("merchant", "funding", "owner"):
                keys.add(hit.key)
    business = any(k.startswith(("merchant.", "funding.")) for k in keys)
    return len(keys), business


def classify(document: DocumentText) -> Classification:
    """Classify one document from its words (text layer or OCR)."""
    settings = _settings()
    lines = document_lines(document)
    if not lines and not document.form_fields:
        return Classification("other", 0.9, {})
    tokens = _text_tokens(lines)
    counts = _phrase_counts(tokens)
    app_keys, business = application_score(lines)
    app_keys += len(document.form_fields) // 4
    titles = sum(_count_phrase(counts, tokens, p) for p in _phrases("application_titles"))
    rows = len(parse_transactions(lines, None))
    statement_words = sum(
        min(_count_phrase(counts, tokens, p), 2) for p in _phrases("statement_phrases")
    )
    check = sum(
        weight * min(_count_phrase(counts, tokens, p), 1)
        for p, weight in zip(
            _phrases("check_phrases"), settings["check_phrases"].values(), strict=True
        )
    )
    check += _micr_score(lines)
    check += 1 if _names_a_bank(tokens) else 0
    scores = {
        "application_keys": app_keys,
        "application_titles": titles,
        "statement_rows": rows,
        "statement_words": statement_words,
        "check": check,
    }
    min_keys = settings["min_application_keys"] - (1 if titles else 0)
    if app_keys >= min_keys and business and rows < max(app_keys, settings["min_statement_rows"]) * 2:
        return Classification("iso_application", min(1.0, 0.6 + 0.05 * app_keys), scores)
    if rows >= settings["min_statement_rows"] or (statement_words >= 4 and rows >= 1):
        return Classification("bank_statement", min(1.0, 0.6 + 0.02 * rows + 0.05 * statement_words), scores)
    if check >= settings["min_check_score"] and len(tokens) < 150:
        return Classification("voided_check", min(1.0, 0.5 + 0.1 * check), scores)
    if statement_words >= 5:
        return Classification("bank_statement", 0.6, scores)
    if app_keys >= min_keys - 1 and business:
        return Classification("iso_application", 0.55, scores)
    return Classification("other", 0.7, scores)
