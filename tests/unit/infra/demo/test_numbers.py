"""Identifier rules the demo data promises: ABA checksums, EIN prefixes, SSA-issuable SSNs, E.164 phones."""

from __future__ import annotations

import random
import re

import pytest

from infra.demo import numbers


@pytest.mark.parametrize("routing", ["011000015", "021000021", "121000358", "026009593"])
def test_published_routing_numbers_pass_the_aba_checksum(routing: str) -> None:
    assert numbers.is_valid_aba(routing)
    assert numbers.aba_check_digit(routing[:8]) == routing[8]


def test_a_changed_digit_or_unknown_prefix_fails_the_aba_check() -> None:
    assert not numbers.is_valid_aba("021000022")
    assert not numbers.is_valid_aba("991000015")
    assert not numbers.is_valid_aba("02100002")


def test_generated_identifiers_are_format_valid() -> None:
    rng = random.Random(5)
    for _ in range(2000):
        assert numbers.is_valid_aba(numbers.make_routing_number(rng))
        assert numbers.is_valid_ssn(numbers.make_ssn(rng))
        assert numbers.is_valid_ein(numbers.make_ein(rng))
        assert re.fullmatch(r"\+1[2-9]\d{2}[2-9]\d{6}", numbers.make_phone(rng, "312"))
        assert re.fullmatch(r"[1-9]\d{7,11}", numbers.make_account_number(rng))


@pytest.mark.parametrize(
    "ssn", ["000-12-3456", "666-12-3456", "912-12-3456", "123-00-4567", "123-45-0000", "123456789"]
)
def test_ssns_the_ssa_never_issues_are_rejected(ssn: str) -> None:
    assert not numbers.is_valid_ssn(ssn)


def test_ein_prefixes_follow_the_irs_list() -> None:
    assert numbers.is_valid_ein("12-3456789")
    assert not numbers.is_valid_ein("07-3456789")
    assert not numbers.is_valid_ein("89-3456789")
    assert not numbers.is_valid_ein("123456789")
