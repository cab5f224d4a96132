"""The documents a benchmark reads: those of submission folders (NNN.eml + NNN.truth.json), split
and planned by the pipeline's own steps (streams/pipeline.py), each with the truth's words for a
scanned application form (for OCR recall). The project's demo generator supplies such folders,
so a benchmark needs nothing outside the repository.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from infra.demo.generate import generate_demo_set
from schemas import ids
from streams.bench.recall import expected_words, truth_values
from streams.pipeline import DocumentEntry, plan_entry, split_submission
from streams.stages.limits import Limits
from streams.stages.reading import DocumentPlan

logger = logging.getLogger(__name__)

DEMO_BATCH = 6  # demo submissions generated per round while collecting pages
MAX_DEMO_ROUNDS = 40  # a bound on that loop (a round yields ~10 scanned pages)


@dataclass(frozen=True)
class BenchDocument:
    """One readable document of a submission: its entry and bytes, its plan, what the truth says
    it is, which of its pages are scanned (OCR) and which have a text layer (0-based), and, for a
    scanned application form, the words of the truth's field values (`expected`, see recall.py)."""

    label: str
    source: str
    entry: DocumentEntry
    data: bytes = field(repr=False)
    plan: DocumentPlan
    doc_type: str
    scanned_pages: tuple[int, ...]
    text_pages: tuple[int, ...]
    expected: tuple[tuple[str, ...], ...] = ()

    @property
    def pages(self) -> tuple[int, ...]:
        """Every page this benchmark reads of the document."""
        return tuple(sorted(self.scanned_pages + self.text_pages))


def submission_documents(folder: Path, source: str, limits: Limits) -> Iterator[BenchDocument]:
    """The readable documents of every NNN.eml in `folder` that has a truth file, in case order;
    a document seen before (a resend, another broker's copy) is left out."""
    seen: set[str] = set()
    for eml in sorted(folder.glob("*.eml")):
        truth_path = eml.with_name(eml.stem + ".truth.json")
        if not truth_path.is_file():
            continue
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        by_name = {d.get("filename"): d for d in truth.get("documents", [])}
        raw = eml.read_bytes()
        for entry, data in split_submission(raw, ids.submission_id(raw), limits):
            known = by_name.get(entry.filename)
            if entry.decided is not None or known is None or entry.sha256 in seen:
                continue
            seen.add(entry.sha256)
            document = _document(entry, data, known, truth, f"{source}/{eml.stem}", source, limits)
            if document is not None:
                yield document


def _document(
    entry: DocumentEntry, data: bytes, known: Mapping[str, Any], truth: Mapping[str, Any],
    case: str, source: str, limits: Limits,
) -> BenchDocument | None:
    plan = plan_entry(entry, data, limits)
    if plan.status != "read" or plan.kind is None:
        return None
    readable = [p for p in plan.pages if p.ocr_allowed]
    scanned = tuple(p.index for p in readable if plan.kind == "image" or p.kind == "raster")
    text = tuple(p.index for p in readable if p.kind == "text")
    expected: tuple[tuple[str, ...], ...] = ()
    if known.get("doc_type") == "iso_application" and known.get("raster"):
        expected = tuple(expected_words(truth_values(truth)))
    return BenchDocument(
        f"{case}/{entry.filename}", source, entry, data, plan, str(known.get("doc_type")),
        scanned, text, expected,
    )


def demo_documents(
    work_dir: Path, scanned_pages: int, limits: Limits, *, seed: int = 1
) -> list[BenchDocument]:
    """Documents of freshly generated demo submissions (written under `work_dir`), generated in
    rounds until they hold at least `scanned_pages` scanned pages (bounded by MAX_DEMO_ROUNDS)."""
    documents: list[BenchDocument] = []
    for round_index in range(MAX_DEMO_ROUNDS):
        folder = work_dir / f"demo-{seed + round_index}"
        generate_demo_set(folder, DEMO_BATCH, seed + round_index)
        documents += submission_documents(folder, "demo", limits)
        if sum(len(d.scanned_pages) for d in documents) >= scanned_pages:
            break
    else:
        logger.warning("demo data gave fewer than %d scanned pages after %d rounds", scanned_pages,
                       MAX_DEMO_ROUNDS)
    return documents


def take_scanned(documents: list[BenchDocument], pages: int) -> list[BenchDocument]:
    """The documents with scanned pages, in order, until they hold `pages` of them (the last one
    cut to fit); their text-layer pages are left out."""
    taken: list[BenchDocument] = []
    left = pages
    for document in documents:
        if left <= 0:
            break
        if document.scanned_pages:
            kept = document.scanned_pages[:left]
            taken.append(replace(document, scanned_pages=kept, text_pages=()))
            left -= len(kept)
    return taken


def text_documents(documents: list[BenchDocument]) -> list[BenchDocument]:
    """The documents read from their text layer alone (no scanned page)."""
    return [d for d in documents if d.text_pages and not d.scanned_pages]


def take_text(documents: list[BenchDocument], pages: int) -> list[BenchDocument]:
    """The text-layer documents, in order, while they hold at most `pages` pages (at least one)."""
    taken: list[BenchDocument] = []
    total = 0
    for document in text_documents(documents):
        if taken and total + len(document.text_pages) > pages:
            break
        taken.append(document)
        total += len(document.text_pages)
    return taken
