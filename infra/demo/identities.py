"""Seeded identities for demo submissions: merchants, owners, funding requests, ISO brokers, bank accounts.

Names come from Faker (seeded by the caller's RNG); identifiers follow `infra.demo.numbers`. Values are
kept in the truth contract's canonical forms (ISO dates, E.164 phones, Decimal money); documents
choose their own printed forms.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass
from decimal import Decimal

from faker import Faker

from infra.demo import numbers
from infra.demo.vocabulary import (
    BANKS,
    CITIES,
    DIRECTIONS,
    ENTITY_TYPES,
    ENTITY_WEIGHTS,
    FREE_MAIL,
    INDUSTRIES,
    ISO_FIRST,
    ISO_SECOND,
    ISO_TLDS,
    NAME_STEMS,
    STREET_NAMES,
    STREET_SUFFIXES,
    UNIT_FORMS,
    USE_OF_FUNDS,
)


@dataclass(frozen=True)
class Address:
    """A US street address."""

    street: str
    city: str
    state: str
    zip: str

    def one_line(self) -> str:
        return f"{self.street}, {self.city}, {self.state} {self.zip}"

    def city_line(self) -> str:
        return f"{self.city}, {self.state} {self.zip}"


@dataclass(frozen=True)
class Owner:
    """An owner or guarantor of the merchant."""

    first: str
    middle: str
    last: str
    ssn: str
    date_of_birth: dt.date
    address: Address
    ownership_pct: Decimal
    phone: str
    email: str
    title: str

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first, self.middle, self.last) if p)


@dataclass(frozen=True)
class Merchant:
    """The business asking for funding."""

    legal_name: str
    dba_name: str | None
    ein: str
    address: Address
    phone: str
    email: str
    industry: str
    business_start_date: dt.date
    entity_type: str
    annual_revenue: Decimal
    website: str | None

    @property
    def trade_name(self) -> str:
        return self.dba_name or self.legal_name


@dataclass(frozen=True)
class Funding:
    """What the merchant asks for."""

    amount_requested: Decimal
    use_of_funds: str


@dataclass(frozen=True)
class IsoBroker:
    """The ISO broker (its own domain) and the rep who sends the submission."""

    company: str
    domain: str
    rep_name: str
    rep_email: str
    rep_phone: str


@dataclass(frozen=True)
class BankAccount:
    """The business checking account behind the statements and the voided check."""

    bank_name: str
    service_phone: str
    routing_number: str
    account_number: str
    branch: Address


@dataclass(frozen=True)
class Applicant:
    """Everything a submission says about one merchant."""

    merchant: Merchant
    owners: tuple[Owner, ...]
    funding: Funding
    account: BankAccount


def new_faker(rng: random.Random) -> Faker:
    """A Faker seeded from `rng`, so names follow the demo seed."""
    fake = Faker("en_US")
    fake.seed_instance(rng.randrange(2**31))
    return fake


def slug(text: str) -> str:
    """Lower-case letters and digits only (for domains)."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def mailbox(user: str) -> str:
    """A mailbox name from a person's name parts: lower case, letters, digits, dots and underscores."""
    return re.sub(r"[^a-z0-9._]", "", user.lower())


def make_address(rng: random.Random, state: str | None = None, unit_chance: float = 0.25) -> Address:
    """A street address in a real city (in `state` when it has one in the table)."""
    pool = [c for c in CITIES if c[1] == state] or list(CITIES)
    city, st, zips, _ = rng.choice(pool)
    parts = [str(rng.choice((rng.randint(10, 999), rng.randint(100, 9999), rng.randint(1000, 29999))))]
    if rng.random() < 0.15:
        parts.append(rng.choice(DIRECTIONS))
    parts += [rng.choice(STREET_NAMES), rng.choice(STREET_SUFFIXES)]
    if rng.random() < unit_chance:
        parts.append(rng.choice(UNIT_FORMS).format(n=rng.choice((rng.randint(1, 30), rng.randint(100, 450)))))
    return Address(" ".join(parts), city, st, rng.choice(zips) + f"{rng.randrange(100):02d}")


def area_code(rng: random.Random, state: str) -> str:
    """An area code of `state` (any known one when the state is not in the table)."""
    codes = [code for c in CITIES if c[1] == state for code in c[3]] or [
        code for c in CITIES for code in c[3]
    ]
    return rng.choice(codes)


def make_owners(rng: random.Random, fake: Faker, state: str, today: dt.date, sole: bool) -> tuple[Owner, ...]:
    """1-3 owners whose ownership adds up to 100% or a little less."""
    count = 1 if sole else rng.choices((1, 2, 3), weights=(60, 30, 10))[0]
    splits: dict[int, list[tuple[float, ...]]] = {
        1: [(100,), (100,), (90,), (80,), (75,), (51,)],
        2: [(50, 50), (60, 40), (51, 49), (70, 30), (50, 25)],
        3: [(40, 30, 30), (34, 33, 33), (50, 25, 25), (60, 20, 10), (33.33, 33.33, 33.34)],
    }
    shares = rng.choice(splits[count]) if not sole else (100,)
    owners = []
    for i, share in enumerate(shares):
        first, last = fake.first_name(), fake.last_name()
        middle = f"{rng.choice('ABCDEFGHJKLMNPRSTW')}." if rng.random() < 0.2 else ""
        dob = today - dt.timedelta(days=rng.randint(25 * 365, 70 * 365))
        mail_user = rng.choice(
            (
                f"{first}.{last}",
                f"{first[0]}{last}",
                f"{first}{last}{rng.randint(1, 99)}",
                f"{first}.{last}{rng.randint(10, 99)}",
                f"{first}_{last[0]}",
            )
        )
        home = make_address(rng, state if rng.random() < 0.8 else None, unit_chance=0.15)
        owners.append(
            Owner(
                first=first,
                middle=middle,
                last=last,
                ssn=numbers.make_ssn(rng),
                date_of_birth=dob,
                address=home,
                ownership_pct=Decimal(str(share)).quantize(Decimal("0.01")),
                phone=numbers.make_phone(rng, area_code(rng, home.state)),
                email=f"{mailbox(mail_user)}@{rng.choice(FREE_MAIL)}",
                title=rng.choice(("Owner", "CEO", "President", "Managing Member", "Partner"))
                if i == 0
                else rng.choice(("Partner", "Member", "Vice President", "COO", "Co-Owner")),
            )
        )
    return tuple(owners)


def make_merchant(
    rng: random.Random,
    fake: Faker,
    today: dt.date,
    owner_name: str | None,
    entity: tuple[str, tuple[str, ...]],
    state: str,
) -> Merchant:
    """A merchant of a random industry; a sole proprietorship trades under a DBA of its owner's name."""
    industry, words = rng.choice(INDUSTRIES)
    surname = fake.last_name()
    possessive = f"{surname}'" if surname.endswith("s") else f"{surname}'s"
    stem = rng.choice(NAME_STEMS) if rng.random() < 0.7 else possessive
    trade = f"{stem} {rng.choice(words)}"
    entity_type, suffixes = entity
    suffix = rng.choice(suffixes)
    dba: str | None
    if entity_type == "Sole Proprietorship":
        legal, dba = owner_name or fake.name(), trade
    else:
        group = rng.choice(("Holdings", "Group", "Enterprises", "Ventures", "Services"))
        family = f"{fake.last_name()} {rng.choice(('Enterprises', 'Family Business', 'Partners'))}"
        plain_stem = surname if stem == possessive else stem
        base = rng.choice((trade, trade, f"{plain_stem} {group}", family))
        legal = (
            f"{base}, {suffix}" if rng.random() < 0.2 and suffix in ("LLC", "Inc.") else f"{base} {suffix}"
        )
        dba = trade if base != trade or rng.random() < 0.3 else None
    address = make_address(rng, state)
    domain = slug(trade) + "." + rng.choice(("com", "com", "net", "biz", "co"))
    email = (
        f"{rng.choice(('info', 'office', 'admin', 'contact', 'billing'))}@{domain}"
        if rng.random() < 0.7
        else f"{slug(trade)[:14]}{rng.randint(1, 99)}@{rng.choice(FREE_MAIL)}"
    )
    revenue = Decimal(int(rng.lognormvariate(13.3, 0.6)) // 500 * 500).quantize(Decimal("0.01"))
    return Merchant(
        legal_name=legal,
        dba_name=dba,
        ein=numbers.make_ein(rng),
        address=address,
        phone=numbers.make_phone(rng, area_code(rng, address.state)),
        email=email,
        industry=industry,
        business_start_date=today - dt.timedelta(days=rng.randint(2 * 365, 28 * 365)),
        entity_type=entity_type,
        annual_revenue=max(revenue, Decimal("120000.00")),
        website=f"www.{domain}" if rng.random() < 0.4 else None,
    )


def make_applicant(rng: random.Random, fake: Faker, today: dt.date) -> Applicant:
    """A merchant with owners, a funding request and its business checking account."""
    entity = rng.choices(ENTITY_TYPES, weights=ENTITY_WEIGHTS)[0]
    sole = entity[0] == "Sole Proprietorship"
    state = rng.choice(CITIES)[1]
    owners = make_owners(rng, fake, state, today, sole)
    merchant = make_merchant(rng, fake, today, owners[0].name if sole else None, entity, state)
    share = rng.uniform(0.06, 0.3)
    amount = max(Decimal(10000), Decimal(int(float(merchant.annual_revenue) * share) // 5000 * 5000))
    bank_name, service_phone = rng.choice(BANKS)
    account = BankAccount(
        bank_name,
        service_phone,
        numbers.make_routing_number(rng),
        numbers.make_account_number(rng),
        make_address(rng, merchant.address.state, 0.0),
    )
    return Applicant(
        merchant, owners, Funding(amount.quantize(Decimal("0.01")), rng.choice(USE_OF_FUNDS)), account
    )


def make_broker(rng: random.Random, fake: Faker, taken: set[str]) -> IsoBroker:
    """An ISO broker with its own domain (not in `taken`) and one rep."""
    while True:
        company = f"{rng.choice(ISO_FIRST)} {rng.choice(ISO_SECOND)}"
        words = company.lower().split()
        stem = rng.choice(("".join(words), "".join(w[0] for w in words) + words[-1], words[0] + words[-1]))
        domain = f"{stem}.{rng.choice(ISO_TLDS)}"
        if domain not in taken:
            taken.add(domain)
            break
    first, last = fake.first_name(), fake.last_name()
    user = rng.choice(
        (f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last}", f"{first}", f"{first}{last[0]}")
    )
    phone = numbers.make_phone(rng, area_code(rng, rng.choice(CITIES)[1]))
    return IsoBroker(company, domain, f"{first} {last}", f"{mailbox(user)}@{domain}", phone)
