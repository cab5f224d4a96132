"""Parsers and validators for the values on MCA documents: money, dates, EIN, SSN, ABA, phones, states.

Every `parse_*` takes the text as read (OCR noise included) and returns the normalised value of
samples/README.md's conventions, or None when the text holds no such value. `is_valid_*` say
whether a normalised value can exist at all (checksums, never-issued ranges).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

import phonenumbers
from dateutil import parser as date_parser

CENT = Decimal("0.01")
_MONEY = re.compile(r"^\(?-?\$?\(?-?(\d{1,3}(?:,\d{3})+|\d+)(\.\d{1,2})?\)?-?$")
_SUFFIX_MULTIPLIER = {"k": Decimal(1000), "m": Decimal(1_000_000)}
# Prefixes the IRS has never assigned to an EIN campus.
_EIN_UNASSIGNED = {
    "00",
    "07",
    "08",
    "09",
    "17",
    "18",
    "19",
    "28",
    "29",
    "49",
    "69",
    "70",
    "78",
    "79",
    "89",
    "96",
    "97",
}
_DATE_FORMATS = (
    "%m/%d/%Y",
    "%m/%d/%y",
    "%m-%d-%Y",
    "%m-%d-%y",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%m.%d.%Y",
    "%b %d, %Y",
    "%b %d %Y",
    "%B %d, %Y",
    "%B %d %Y",
    "%d %b %Y",
    "%d %B %Y",
    "%b. %d, %Y",
)

US_STATES = {
    "AL": "alabama",
    "AK": "alaska",
    "AZ": "arizona",
    "AR": "arkansas",
    "CA": "california",
    "CO": "colorado",
    "CT": "connecticut",
    "DE": "delaware",
    "FL": "florida",
    "GA": "georgia",
    "HI": "hawaii",
    "ID": "idaho",
    "IL": "illinois",
    "IN": "indiana",
    "IA": "iowa",
    "KS": "kansas",
    "KY": "kentucky",
    "LA": "louisiana",
    "ME": "maine",
    "MD": "maryland",
    "MA": "massachusetts",
    "MI": "michigan",
    "MN": "minnesota",
    "MS": "mississippi",
    "MO": "missouri",
    "MT": "montana",
    "NE": "nebraska",
    "NV": "nevada",
    "NH": "new hampshire",
    "NJ": "new jersey",
    "NM": "new mexico",
    "NY": "new york",
    "NC": "north carolina",
    "ND": "north dakota",
    "OH": "ohio",
    "OK": "oklahoma",
    "OR": "oregon",
    "PA": "pennsylvania",
    "RI": "rhode island",
    "SC": "south carolina",
    "SD": "south dakota",
    "TN": "tennessee",
    "TX": "texas",
    "UT": "utah",
    "VT": "vermont",
    "VA": "virginia",
    "WA": "washington",
    "WV": "west virginia",
    "WI": "wisconsin",
    "WY": "wyoming",
    "DC": "district of columbia",
    "PR": "puerto rico",
    "GU": "guam",
    "VI": "virgin islands",
    "AS": "american samoa",
    "MP": "northern mariana islands",
}
_STATE_BY_NAME = {name: code for code, name in US_STATES.items()}


_OCR_DIGITS = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "Q": "0",
        "D": "0",
        "l": "1",
        "I": "1",
        "i": "1",
        "|": "1",
        "S": "5",
        "s": "5",
        "§": "5",
        "B": "8",
        "Z": "2",
        "z": "2",
        "G": "6",
    }
)


def ocr_digits(text: str) -> str:
    """Undo OCR's usual letter-for-digit slips (O->0, l->1, S->5, ...) in a token that is mostly
    digits already ('O1/15/25', '§129516251'); other tokens come back unchanged."""
    core = re.sub(r"[\s\-/.()+]", "", text)
    if not core or sum(c.isdigit() for c in core) < 0.6 * len(core):
        return text
    return text.translate(_OCR_DIGITS)


def digits(text: str | None) -> str:
    """Only the digits of `text` ('' for None)."""
    return re.sub(r"\D", "", text or "")


def parse_money(text: str | None) -> Decimal | None:
    """'$1,234.50', '(1,234.50)', '1,234.50-', '-$75', '150k', '1,234.50 CR' -> Decimal (signed, 2 places).

    A trailing DR or parentheses or a minus on either side make the amount negative.
    """
    if not text:
        return None
    s = text.strip().lower().replace(" ", "").replace("usd", "").replace("$", "")
    negative = False
    if s.endswith("cr"):
        s = s[:-2]
    elif s.endswith("dr"):
        s, negative = s[:-2], True
    multiplier = Decimal(1)
    if s and s[-1] in _SUFFIX_MULTIPLIER and re.match(r"^\d+(\.\d+)?[km]$", s):
        s, multiplier = s[:-1], _SUFFIX_MULTIPLIER[s[-1]]
    match = _MONEY.match(s)
    if not match:
        return None
    negative = negative or s.startswith(("(", "-")) or s.endswith((")", "-"))
    try:
        amount = Decimal(match.group(1).replace(",", "") + (match.group(2) or "")) * multiplier
    except InvalidOperation:
        return None
    amount = amount.quantize(CENT)
    return -amount if negative else amount


def format_money(amount: Decimal | None) -> str | None:
    """Decimal -> '150000.00' (None stays None)."""
    return None if amount is None else str(amount.quantize(CENT))


def is_valid_ein(ein: str) -> bool:
    """Nine digits with a prefix the IRS assigns."""
    d = digits(ein)
    return len(d) == 9 and d[:2] not in _EIN_UNASSIGNED


def parse_ein(text: str | None) -> str | None:
    """The first 9-digit group in `text` as 'NN-NNNNNNN' (format only; see is_valid_ein)."""
    d = _nine_digits(text)
    return None if d is None else f"{d[:2]}-{d[2:]}"


def is_valid_ssn(ssn: str) -> bool:
    """SSA rules: area not 000, 666 or 9xx; group not 00; serial not 0000."""
    d = digits(ssn)
    if len(d) != 9:
        return False
    area, group, serial = d[:3], d[3:5], d[5:]
    return area not in ("000", "666") and not area.startswith("9") and group != "00" and serial != "0000"


def parse_ssn(text: str | None) -> str | None:
    """The first 9-digit group in `text` as 'NNN-NN-NNNN' (format only; see is_valid_ssn)."""
    d = _nine_digits(text)
    return None if d is None else f"{d[:3]}-{d[3:5]}-{d[5:]}"


def _nine_digits(text: str | None) -> str | None:
    if not text:
        return None
    for group in re.findall(r"\d[\d\s.\-]*\d", text):
        d = digits(group)
        if len(d) == 9:
            return d
    return None


def is_valid_aba(routing: str) -> bool:
    """ABA routing number: 9 digits, weights 3-7-1 summing to a multiple of 10, a used prefix."""
    d = digits(routing)
    if len(d) != 9 or d == "000000000":
        return False
    prefix = int(d[:2])
    if not (prefix <= 12 or 21 <= prefix <= 32 or 61 <= prefix <= 72 or prefix == 80):
        return False
    total = sum(int(c) * w for c, w in zip(d, (3, 7, 1, 3, 7, 1, 3, 7, 1), strict=True))
    return total % 10 == 0


def parse_phone(text: str | None, region: str = "US") -> tuple[str, bool] | None:
    """A phone number as E.164 ('+12125550123') and whether it is a valid assigned number."""
    if not text or len(digits(text)) < 10:
        return None
    candidate = re.sub(r"(?i)\b(?:ext|x)\.?\s*\d+$", "", text.strip())
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164, phonenumbers.is_valid_number(number)


def parse_date(text: str | None, *, default_year: int | None = None) -> dt.date | None:
    """Dates as printed in the US ('05/11/2015', 'Aug 14, 2015', '2010-05-07', '11/01') -> date.

    Month comes before day (US order). `default_year` completes dates printed without a year.
    """
    if not text:
        return None
    s = " ".join(text.replace(",", ", ").split()).strip(" .:;")
    s = re.sub(r"\s+,", ",", s)
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    short = re.fullmatch(r"(\d{1,2})[/-](\d{1,2})", s)
    if short and default_year:
        try:
            return dt.date(default_year, int(short.group(1)), int(short.group(2)))
        except ValueError:
            return None
    if not re.search(r"\d", s) or not re.search(r"(\d{4}|[a-zA-Z]{3})", s):
        return None
    try:
        parsed = date_parser.parse(
            s, dayfirst=False, fuzzy=False, default=dt.datetime(default_year or 1900, 1, 1)
        )
    except (ValueError, OverflowError):
        return None
    return parsed.date() if 1900 < parsed.year < 2100 else None


def parse_state(text: str | None) -> str | None:
    """'IL', 'il', 'Illinois' -> 'IL'; anything else -> None."""
    if not text:
        return None
    s = " ".join(re.sub(r"[^A-Za-z ]", " ", text).split())
    if s.upper() in US_STATES:
        return s.upper()
    return _STATE_BY_NAME.get(s.lower())


def parse_zip(text: str | None) -> str | None:
    """The ZIP code ('60608' or '60608-1234') in `text`."""
    match = re.search(r"\b(\d{5})(?:-(\d{4}))?\b", text or "")
    if not match:
        return None
    return match.group(0)


def parse_percent(text: str | None) -> Decimal | None:
    """'90%', '100 %', '70.0%', '50' -> Decimal with 2 places (0..100), else None."""
    match = re.search(r"\d{1,3}(?:\.\d+)?", text or "")
    if not match:
        return None
    value = Decimal(match.group(0)).quantize(CENT)
    return value if Decimal(0) <= value <= Decimal(100) else None


def parse_email(text: str | None) -> str | None:
    """The e-mail address in `text`, lower-cased."""
    match = re.search(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}", text or "")
    return match.group(0).lower() if match else None


def ownership_total_ok(percentages: Iterable[Decimal | None]) -> bool:
    """Owners may list less than 100% in total (not every owner is listed), never more."""
    return sum((p for p in percentages if p is not None), Decimal(0)) <= Decimal(100)
