"""Helpers of the web UI's integration and browser tests: signing in through the UI's own form
(cookies and CSRF as a browser gets them), reading tokens and links out of pages, timing pages,
and where the tests leave their artifacts (screenshots, timings)."""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import httpx

UI = "/ui"
ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]{64})"')
_APPLICATION_LINK = re.compile(r'href="/ui/applications/([0-9a-f]{64})"')
_CURSOR = re.compile(r"cursor=([A-Za-z0-9_%-]+)")


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = _CSRF.search(html)
    assert found, "the page carries no CSRF token"
    return found.group(1)


def application_ids(html: str) -> list[str]:
    """Application ids linked from a page, in page order, without repeats."""
    return list(dict.fromkeys(_APPLICATION_LINK.findall(html)))


def next_cursor(html: str) -> str | None:
    """The cursor of the table's 'Load more' link, if any."""
    found = _CURSOR.search(html.split('id="more-row"', 1)[1]) if 'id="more-row"' in html else None
    return httpx.QueryParams(f"cursor={found.group(1)}")["cursor"] if found else None


def signed_in_client(base: str, email: str, password: str) -> httpx.Client:
    """An httpx client signed in through the sign-in form (session and CSRF cookies set)."""
    client = httpx.Client(base_url=base, timeout=60)
    page = client.get(f"{UI}/sign-in")
    assert page.status_code == 200, page.text
    answer = client.post(
        f"{UI}/sign-in",
        data={"email": email, "password": password, "csrf_token": csrf_of(page.text), "next": f"{UI}/"},
    )
    assert answer.status_code == 303, answer.text
    return client


def timed(fetch: Callable[[], httpx.Response], runs: int = 5) -> dict[str, float]:
    """Median and worst wall time (ms) of `runs` fetches after one warm-up; every answer must be 200."""
    assert fetch().status_code == 200
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        answer = fetch()
        samples.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.text[:500]
    return {"median_ms": round(statistics.median(samples), 1), "max_ms": round(max(samples), 1)}


def record_timings(name: str, timings: dict[str, dict[str, float]]) -> Path:
    """Write page timings to artifacts/<name>.json (and return the path)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.json"
    path.write_text(json.dumps(timings, indent=2, sort_keys=True))
    return path
