"""Identifier rules for demo data: ABA routing check digits, EIN prefixes, SSN validity, E.164 phones.

Pure functions over a `random.Random`, so the generator and the tests share one definition of
"format-valid" and the pipeline's validators can be checked against it.
"""

from __future__ import annotations

import random
import re

# EIN prefixes the IRS assigns (campus and internet prefixes); anything else is not a valid EIN.
EIN_PREFIXES: tuple[str, ...] = tuple(
    f"{n:02d}"
    for n in [
        *range(1, 7),
        *range(10, 17),
        *range(20, 28),
        *range(30, 49),
        *range(50, 69),
        *range(71, 78),
        *range(80, 89),
        *range(90, 96),
        98,
        99,
    ]
)

# First two digits of a routing number: Federal Reserve districts (01-12), thrifts (21-32),
# electronic (61-72) and travellers' cheques (80).
ABA_PREFIXES: tuple[int, ...] = (*range(1, 13), *range(21, 33), *range(61, 73), 80)

ABA_WEIGHTS = (3, 7, 1, 3, 7, 1, 3, 7, 1)


def aba_check_digit(first_eight: str) -> str:
    """The ninth digit that makes `first_eight` + digit pass the ABA checksum."""
    if not re.fullmatch(r"\d{8}", first_eight):
        raise ValueError("an ABA prefix is eight digits")
    total = sum(int(d) * w for d, w in zip(first_eight, ABA_WEIGHTS[:8], strict=True))
    return str((10 - total % 10) % 10)


def is_valid_aba(routing: str) -> bool:
    """True when `routing` is nine digits with a known prefix and a correct check digit."""
    if not re.fullmatch(r"\d{9}", routing) or int(routing[:2]) not in ABA_PREFIXES:
        return False
    return sum(int(d) * w for d, w in zip(routing, ABA_WEIGHTS, strict=True)) % 10 == 0


def make_routing_number(rng: random.Random) -> str:
    """A random routing number that passes `is_valid_aba`."""
    prefix = f"{rng.choice(ABA_PREFIXES):02d}{rng.randrange(10**6):06d}"
    return prefix + aba_check_digit(prefix)


def is_valid_ein(ein: str) -> bool:
    """True for `NN-NNNNNNN` with an IRS-assigned prefix."""
    return re.fullmatch(r"\d{2}-\d{7}", ein) is not None and ein[:2] in EIN_PREFIXES


def make_ein(rng: random.Random) -> str:
    """A random EIN in `NN-NNNNNNN` form that passes `is_valid_ein`."""
    return f"{rng.choice(EIN_PREFIXES)}-{rng.randrange(10**7):07d}"


def is_valid_ssn(ssn: str) -> bool:
    """True for `NNN-NN-NNNN` the SSA could issue: area not 000/666/9xx, group not 00, serial not 0000."""
    m = re.fullmatch(r"(\d{3})-(\d{2})-(\d{4})", ssn)
    if m is None:
        return False
    area, group, serial = m.groups()
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def make_ssn(rng: random.Random) -> str:
    """A random SSN that passes `is_valid_ssn`."""
    area = rng.choice([a for a in (rng.randint(1, 899), rng.randint(1, 665)) if a != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def make_phone(rng: random.Random, area_code: str) -> str:
    """An E.164 US number in `area_code`; the exchange avoids N11 codes and starts 2-9."""
    while True:
        exchange = f"{rng.randint(2, 9)}{rng.randrange(100):02d}"
        if exchange[1:] != "11":
            return f"+1{area_code}{exchange}{rng.randrange(10**4):04d}"


def make_account_number(rng: random.Random) -> str:
    """A business checking account number of 8-12 digits (no leading zero)."""
    length = rng.randint(8, 12)
    return str(rng.randint(1, 9)) + "".join(str(rng.randrange(10)) for _ in range(length - 1))
