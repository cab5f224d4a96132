"""Turns the text of a labelled value into normalised Fields (one label may give several: an address)."""

from __future__ import annotations

import datetime as dt
import re

from streams.stages.extract.addresses import ParsedAddress, parse_address, parse_city_state_zip
from streams.stages.extract.fields import Field, field_from_words
from streams.stages.extract.labels import none_values
from streams.stages.extract.lines import LabelValue
from streams.stages.extract.validators import (
    format_money,
    is_valid_ein,
    is_valid_ssn,
    ocr_digits,
    parse_date,
    parse_ein,
    parse_email,
    parse_money,
    parse_percent,
    parse_phone,
    parse_ssn,
    parse_state,
    parse_zip,
)

TEXT_FIELDS = {"legal_name", "dba_name", "name", "industry", "entity_type", "use_of_funds"}
MONEY_FIELDS = {"annual_revenue", "amount_requested"}
DATE_FIELDS = {"business_start_date", "date_of_birth"}
DIGIT_FIELDS = {"ein", "ssn", "phone", "zip", "ownership_pct"}
# A label read with an OCR slip, or a value found under its label, is a little less certain.
FUZZY_LABEL_FIT = 0.9


def parse_labelled(pair: LabelValue, name: str, *, text: str | None = None) -> dict[str, Field]:
    """The Fields a label's value holds, keyed by README sub-key ('ein', 'address.city', ...);
    `text`, when given, is the value's text as repaired by the caller (else the words' text)."""
    base = field_from_words(
        None, pair.words, page=pair.page, label=pair.hit.text, fit=FUZZY_LABEL_FIT if pair.hit.fuzzy else 1.0
    )
    return _parse(pair.text if text is None else text, name, base)


def parse_text(raw: str, name: str, *, label: str, confidence: float) -> dict[str, Field]:
    """The same for a value without boxes (an AcroForm field)."""
    return _parse(raw, name, Field(None, confidence, None, None, label))


def _parse(raw: str, name: str, base: Field) -> dict[str, Field]:
    text = " ".join(raw.split()).strip(" :;_")
    if not text or text.lower() in none_values():
        return {}
    if name in TEXT_FIELDS:
        return {name: base.with_value(_clean_text(text))}
    if name in MONEY_FIELDS:
        amount = parse_money(_first_money(text))
        return {} if amount is None else {name: base.with_value(format_money(abs(amount)))}
    if name in DATE_FIELDS:
        return _date(text, name, base)
    parser = _PARSERS.get(name)
    if name in DIGIT_FIELDS:
        text = " ".join(ocr_digits(t) for t in text.split())
    return parser(text, base) if parser else {}


def _clean_text(text: str) -> str:
    return text.strip(" ,;:")


# Money never has three decimals: a dot before exactly three digits separates thousands (an OCR
# slip for a comma, or the European habit): "$998.000.00" is 998,000.00, not 998.00.
_DOT_THOUSANDS = re.compile(r"(?<=\d)\.(?=\d{3}(?!\d))")


def _first_money(text: str) -> str:
    text = _DOT_THOUSANDS.sub(",", text)
    match = re.search(r"\$?\s?\d[\d,]*(?:\.\d{1,2})?\s?[kKmM]?\b", text)
    return match.group(0).replace(" ", "") if match else text


def _date(text: str, name: str, base: Field) -> dict[str, Field]:
    date = parse_date(text)
    if date is None:
        return {}
    plausible = date <= dt.date.today() and date.year >= 1900
    return {
        name: base.with_value(date.isoformat(), confidence_factor=1.0 if plausible else 0.5, valid=plausible)
    }


def _ein(text: str, base: Field) -> dict[str, Field]:
    ein = parse_ein(text)
    if ein is None:
        return {}
    ok = is_valid_ein(ein)
    return {"ein": base.with_value(ein, confidence_factor=1.0 if ok else 0.5, valid=ok)}


def _ssn(text: str, base: Field) -> dict[str, Field]:
    ssn = parse_ssn(text)
    if ssn is None:
        return {}
    ok = is_valid_ssn(ssn)
    return {"ssn": base.with_value(ssn, confidence_factor=1.0 if ok else 0.5, valid=ok)}


# a US phone number as written: optional +1, area code (maybe bracketed), then 3 and 4 digits
_PHONE_SHAPE = re.compile(r"(?:\+?1[\s.\-]*)?\(?\d{3}\)?[\s.\-]*\d{3}[\s.\-]*\d{4}\b")


def _phone(text: str, base: Field) -> dict[str, Field]:
    parsed = parse_phone(text)
    if parsed is None:
        # words of another label read into the value ("786-294-1829 Owner Emai ..."): the number alone
        shaped = _PHONE_SHAPE.search(text)
        parsed = parse_phone(shaped.group(0)) if shaped else None
    if parsed is None:
        return {}
    e164, assigned = parsed
    return {"phone": base.with_value(e164, confidence_factor=1.0 if assigned else 0.9)}


def _email(text: str, base: Field) -> dict[str, Field]:
    email = parse_email(text.replace(" ", ""))
    return {} if email is None else {"email": base.with_value(email)}


def _percent(text: str, base: Field) -> dict[str, Field]:
    pct = parse_percent(text)
    return {} if pct is None else {"ownership_pct": base.with_value(str(pct))}


def _address_fields(parsed: ParsedAddress, base: Field) -> dict[str, Field]:
    parts = {"street": parsed.street, "city": parsed.city, "state": parsed.state, "zip": parsed.zip}
    return {f"address.{k}": base.with_value(_clean_text(v)) for k, v in parts.items() if v}


# Words an OCR engine ran together at a letter/digit boundary: "24368Bayview", "FL32843"; short
# mixes such as a unit "4B" or "B12" are left alone.
_NUMBER_THEN_WORD = re.compile(r"\b(\d{3,})([A-Za-z]{3,})")
_WORD_THEN_NUMBER = re.compile(r"([A-Za-z]{2,})(\d{3,})\b")


def split_run_together(text: str) -> str:
    """An address with a space put back where a house number, street word, state or ZIP touch."""
    return _WORD_THEN_NUMBER.sub(r"\1 \2", _NUMBER_THEN_WORD.sub(r"\1 \2", text))


def _address(text: str, base: Field) -> dict[str, Field]:
    return _address_fields(parse_address(split_run_together(text)), base)


def _city_state_zip(text: str, base: Field) -> dict[str, Field]:
    return _address_fields(parse_city_state_zip(split_run_together(text)), base)


def _city(text: str, base: Field) -> dict[str, Field]:
    if re.search(r"\d{5}", text) or "," in text:
        return _city_state_zip(text, base)
    return {"address.city": base.with_value(_clean_text(text))}


def _state(text: str, base: Field) -> dict[str, Field]:
    state = parse_state(text)
    if state is None:
        return {}
    return {"address.state": base.with_value(state)}


def _zip(text: str, base: Field) -> dict[str, Field]:
    zip_code = parse_zip(text)
    return {} if zip_code is None else {"address.zip": base.with_value(zip_code)}


_PARSERS = {
    "ein": _ein,
    "ssn": _ssn,
    "phone": _phone,
    "email": _email,
    "ownership_pct": _percent,
    "address": _address,
    "city_state_zip": _city_state_zip,
    "city": _city,
    "state": _state,
    "zip": _zip,
}
