"""The limits that keep one hostile or oversized attachment from starving a worker.

Every reading stage receives a `Limits` value; the process edge builds it once from the
settings (`limits_from_settings`). Long documents follow a limit-driven policy instead of being
refused: up to `max_pages` pages a document is valid, its first `max_read_pages` pages are read,
and of those only the first `max_ocr_pages` scanned pages are OCR'd. A 300-page irrelevant PDF is
therefore classified from its first pages without OCR-ing all of it; only a document over
`max_pages` (a likely bomb) becomes `invalid` / `too_large`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Ceilings applied while splitting an email and reading its documents."""

    zip_max_entries: int = 200
    zip_max_total_bytes: int = 200 * MIB
    zip_max_ratio: float = 100.0
    attachment_max_bytes: int = 40 * MIB
    max_pages: int = 1000
    max_read_pages: int = 100
    max_ocr_pages: int = 25
    max_page_pixels: int = 100_000_000
    ocr_seconds_per_page: float = 60.0
    max_nesting_depth: int = 5


class _LimitSettings(Protocol):
    max_attachment_bytes: int
    max_zip_entries: int
    max_zip_bytes: int
    max_zip_ratio: float
    max_pages: int
    max_read_pages: int
    max_ocr_pages: int
    max_page_pixels: int
    ocr_timeout_seconds: float
    max_nesting_depth: int


def limits_from_settings(settings: _LimitSettings) -> Limits:
    """The `Limits` configured in `infra.settings.Settings` (called once at a process edge)."""
    return Limits(
        zip_max_entries=settings.max_zip_entries,
        zip_max_total_bytes=settings.max_zip_bytes,
        zip_max_ratio=settings.max_zip_ratio,
        attachment_max_bytes=settings.max_attachment_bytes,
        max_pages=settings.max_pages,
        max_read_pages=settings.max_read_pages,
        max_ocr_pages=settings.max_ocr_pages,
        max_page_pixels=settings.max_page_pixels,
        ocr_seconds_per_page=settings.ocr_timeout_seconds,
        max_nesting_depth=settings.max_nesting_depth,
    )
