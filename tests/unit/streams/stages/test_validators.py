"""Validators and parsers of the values on MCA documents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from streams.stages.extract.validators import (
    format_money,
    is_valid_aba,
    is_valid_ein,
    is_valid_ssn,
    ownership_total_ok,
    parse_date,
    parse_ein,
    parse_email,
    parse_money,
    parse_percent,
    parse_phone,
    parse_ssn,
    parse_state,
)


@pytest.mark.parametrize("text", ["12-3456789", "123456789", "12 3456789", "EIN: 12-3456789"])
def test_ein_is_normalised_to_two_dash_seven(text):
    assert parse_ein(text) == "12-3456789"
    assert is_valid_ein(parse_ein(text))


@pytest.mark.parametrize("ein", ["07-1234567", "00-1234567", "96-1234567"])
def test_ein_with_a_never_assigned_prefix_is_invalid(ein):
    assert not is_valid_ein(ein)


def test_ein_needs_nine_digits():
    assert parse_ein("12-34567") is None


def test_ssn_is_normalised_and_valid():
    assert parse_ssn("123 45 6789") == "123-45-6789"
    assert is_valid_ssn("123-45-6789")


@pytest.mark.parametrize("ssn", ["000-12-3456", "666-12-3456", "912-34-5678", "123-00-4567", "123-45-0000"])
def test_ssn_rules_reject_impossible_numbers(ssn):
    assert not is_valid_ssn(ssn)


@pytest.mark.parametrize("routing", ["021000021", "011000015", "122105278"])
def test_aba_checksum_accepts_real_routing_numbers(routing):
    assert is_valid_aba(routing)


@pytest.mark.parametrize("routing", ["021000022", "12345678", "000000000", "991000015"])
def test_aba_checksum_rejects_wrong_numbers(routing):
    assert not is_valid_aba(routing)


@pytest.mark.parametrize(
    "text", ["(212) 970-9903", "212.970.9903", "+1 212 970 9903", "2129709903", "1-212-970-9903"]
)
def test_us_phones_become_e164(text):
    assert parse_phone(text)[0] == "+12129709903"


def test_too_short_phone_is_not_a_phone():
    assert parse_phone("970-9903") is None


@pytest.mark.parametrize(
    "text",
    ["05/11/2015", "May 11, 2015", "2015-05-11", "05-11-2015", "May 11 2015", "11 May 2015", "5/11/15"],
)
def test_dates_in_us_formats(text):
    assert parse_date(text) == dt.date(2015, 5, 11)


def test_date_without_year_takes_the_default_year():
    assert parse_date("11/04", default_year=2024) == dt.date(2024, 11, 4)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("$1,234.50", "1234.50"),
        ("(1,234.50)", "-1234.50"),
        ("1,234.50-", "-1234.50"),
        ("-75.00", "-75.00"),
        ("150k", "150000.00"),
        ("25.00 CR", "25.00"),
        ("25.00 DR", "-25.00"),
        ("3127500", "3127500.00"),
    ],
)
def test_money_is_parsed_with_sign(text, amount):
    assert parse_money(text) == Decimal(amount)


def test_money_formats_with_two_decimals():
    assert format_money(Decimal("150000")) == "150000.00"
    assert parse_money("abc") is None


@pytest.mark.parametrize(
    ("text", "state"), [("IL", "IL"), ("il", "IL"), ("Illinois", "IL"), ("New York", "NY")]
)
def test_states_become_two_letters(text, state):
    assert parse_state(text) == state


def test_unknown_state_is_none():
    assert parse_state("ZZ") is None


def test_percent_and_email():
    assert parse_percent("70.0%") == Decimal("70.00")
    assert parse_percent("100 %") == Decimal("100.00")
    assert parse_percent("250%") is None
    assert parse_email("Mail: Jane.Doe@Example.com") == "jane.doe@example.com"


def test_ownership_above_one_hundred_percent_is_invalid_below_is_fine():
    assert ownership_total_ok([Decimal("60"), Decimal("40")])
    assert ownership_total_ok([Decimal("50")])
    assert not ownership_total_ok([Decimal("60"), Decimal("50")])
