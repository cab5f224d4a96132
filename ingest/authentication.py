"""Sender-authentication verdicts (SPF, DKIM, DMARC) from trusted Authentication-Results headers.

Only headers whose authserv-id is configured as trusted count: anyone can write an
Authentication-Results header into a message, so an untrusted one says nothing. The topmost
trusted header wins (it was added by the MTA nearest to us). Pure; checking the sender
ourselves, which needs DNS, lives in ingest/sender_check.py.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass

import authres

logger = logging.getLogger(__name__)

METHODS = ("spf", "dkim", "dmarc")
KNOWN_RESULTS = {"pass", "fail", "softfail", "neutral", "none", "temperror", "permerror", "policy"}
RESULT_ALIASES = {"hardfail": "fail"}


@dataclass(frozen=True)
class Verdicts:
    """The event's `authentication` record: one result per method, where it came from."""

    spf: str = "unknown"
    dkim: str = "unknown"
    dmarc: str = "unknown"
    source: str = "none"
    authserv_id: str | None = None

    def as_record(self) -> dict[str, str | None]:
        """The Avro SenderAuthentication record."""
        return asdict(self)


UNKNOWN = Verdicts()


def normalize_result(value: str | None) -> str:
    """A result keyword in the contract's vocabulary; anything unrecognised is 'unknown'."""
    word = (value or "").strip().lower()
    word = RESULT_ALIASES.get(word, word)
    return word if word in KNOWN_RESULTS else "unknown"


def combine_results(results: Iterable[str]) -> str:
    """One verdict from several results of one method (e.g. two DKIM signatures): any pass wins."""
    found = [normalize_result(r) for r in results]
    if not found:
        return "unknown"
    return "pass" if "pass" in found else found[0]


def verdicts_from_headers(header_values: Iterable[str], trusted_ids: Collection[str]) -> Verdicts:
    """Verdicts of the topmost Authentication-Results header written by a trusted authserv-id.

    `header_values` are the header bodies in message order (without the field name). Headers that
    do not parse are skipped. Without a trusted header every verdict is 'unknown', source 'none'.
    """
    trusted = {t.strip().lower() for t in trusted_ids if t.strip()}
    if not trusted:
        return UNKNOWN
    for value in header_values:
        parsed = _parse(value)
        if parsed is None or str(parsed.authserv_id).lower() not in trusted:
            continue
        by_method: dict[str, list[str]] = {m: [] for m in METHODS}
        for result in parsed.results:
            method = str(getattr(result, "method", "")).lower()
            if method in by_method:
                by_method[method].append(str(getattr(result, "result", "")))
        return Verdicts(
            spf=combine_results(by_method["spf"]),
            dkim=combine_results(by_method["dkim"]),
            dmarc=combine_results(by_method["dmarc"]),
            source="header",
            authserv_id=str(parsed.authserv_id),
        )
    return UNKNOWN


def _parse(value: str) -> authres.AuthenticationResultsHeader | None:
    text = " ".join(value.split())
    try:
        return authres.AuthenticationResultsHeader.parse_value(text)
    except (authres.AuthResError, ValueError, IndexError, AttributeError) as exc:
        logger.debug("unparseable Authentication-Results header skipped: %s", exc)
        return None
