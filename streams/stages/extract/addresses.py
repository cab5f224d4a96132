"""One-line US addresses -> street, city, state, ZIP (commas first, a CRF address parser otherwise)."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import usaddress

from streams.stages.extract.validators import US_STATES, parse_state

logger = logging.getLogger(__name__)

_TAIL = re.compile(r"[\s,]*\b(\d{5}(?:-\d{4})?)\s*$")
_STREET_PARTS = (
    "AddressNumber",
    "AddressNumberPrefix",
    "AddressNumberSuffix",
    "StreetNamePreDirectional",
    "StreetNamePreModifier",
    "StreetNamePreType",
    "StreetName",
    "StreetNamePostType",
    "StreetNamePostDirectional",
    "StreetNamePostModifier",
    "OccupancyType",
    "OccupancyIdentifier",
    "SubaddressType",
    "SubaddressIdentifier",
    "USPSBoxType",
    "USPSBoxID",
    "BuildingName",
    "LandmarkName",
)


@dataclass(frozen=True)
class ParsedAddress:
    """The parts of an address; any part may be None when the text does not hold it."""

    street: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None


def parse_address(text: str | None) -> ParsedAddress:
    """'8212 Franklin Pkwy, Chicago, IL 60608' -> its parts; text without city/state/ZIP is a street."""
    if not text or not text.strip():
        return ParsedAddress()
    s = " ".join(text.split()).strip(" ,")
    zip_match = _TAIL.search(s)
    if not zip_match:
        return _city_state_only(s)
    zip_code = zip_match.group(1)
    rest = s[: zip_match.start()].strip(" ,")
    state, rest = _split_state(rest)
    if state is None:
        return ParsedAddress(street=rest or None, zip=zip_code)
    if "," in rest:
        street, _, city = rest.rpartition(",")
        return ParsedAddress(street.strip(" ,") or None, city.strip(" ,") or None, state, zip_code)
    street, city = _split_street_city(rest)
    return ParsedAddress(street, city, state, zip_code)


def parse_city_state_zip(text: str | None) -> ParsedAddress:
    """'Chicago, IL 60608' (or 'Chicago IL') -> city, state and ZIP."""
    if not text:
        return ParsedAddress()
    s = " ".join(text.split()).strip(" ,")
    zip_match = _TAIL.search(s)
    zip_code = zip_match.group(1) if zip_match else None
    rest = s[: zip_match.start()].strip(" ,") if zip_match else s
    state, rest = _split_state(rest)
    return ParsedAddress(None, rest.strip(" ,") or None, state, zip_code)


def _city_state_only(s: str) -> ParsedAddress:
    if "," in s:
        head, _, tail = s.rpartition(",")
        state = parse_state(tail)
        if state:
            street, city = _split_street_city(head.strip())
            return ParsedAddress(street, city, state, None)
    return ParsedAddress(street=s)


def _split_state(rest: str) -> tuple[str | None, str]:
    """The state at the end of `rest` (code or full name) and what precedes it."""
    words = rest.replace(",", " , ").split()
    for size in (3, 2, 1):
        if len(words) < size:
            continue
        candidate = " ".join(words[-size:])
        state = parse_state(candidate)
        if state and (size > 1 or candidate.upper() in US_STATES or len(candidate) > 2):
            head = " ".join(words[:-size]).replace(" ,", ",").strip(" ,")
            return state, head
    return None, rest


def _split_street_city(rest: str) -> tuple[str | None, str | None]:
    """Street and city from text without a comma between them, by a CRF address parser."""
    try:
        tagged, _ = usaddress.tag(rest + " IL 60601")
    except usaddress.RepeatedLabelError:
        logger.debug("address parser could not split %r", rest)
        return rest or None, None
    street = " ".join(tagged[k] for k in _STREET_PARTS if k in tagged) or None
    city = tagged.get("PlaceName")
    if street is None and city is None:
        return rest or None, None
    return street, city
