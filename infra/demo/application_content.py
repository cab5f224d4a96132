"""What an ISO application form says, before any layout: sections of (label, printed value) fields.

Label wordings are data: each form picks one synonym per field, so extractors meet "Legal/Corporate
Name", "Federal Tax ID", "Owner/Principal" and their cousins. Values are printed in one of several
common forms (dates, money, phones, SSNs), while the truth keeps the canonical form.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from infra.demo.identities import Applicant, IsoBroker, Owner
from infra.demo.pdf_kit import fmt_date

LABELS: dict[str, tuple[str, ...]] = {
    "legal_name": (
        "Legal/Corporate Name",
        "Business Legal Name",
        "Corporate Name",
        "Legal Name of Business",
        "Company Legal Name",
    ),
    "dba_name": ("DBA/Trade Name", "DBA", "Doing Business As", "Trade Name"),
    "ein": ("Federal Tax ID", "EIN", "Tax ID #", "Federal Tax ID (EIN)", "FEIN"),
    "address": ("Business Address", "Physical Address", "Business Location Address"),
    "street": ("Street Address", "Business Address", "Physical Address"),
    "city": ("City",),
    "state": ("State",),
    "zip": ("Zip", "ZIP Code", "Zip Code"),
    "phone": ("Business Phone", "Phone", "Telephone", "Main Phone #"),
    "email": ("Business Email", "Email", "E-mail Address"),
    "website": ("Website", "Web Address"),
    "industry": ("Industry", "Type of Business", "Nature of Business", "Business Type"),
    "start_date": ("Business Start Date", "Date Established", "Date Business Started", "Inception Date"),
    "entity_type": ("Entity Type", "Legal Entity", "Business Structure", "Type of Entity"),
    "annual_revenue": ("Annual Revenue", "Gross Annual Sales", "Annual Gross Revenue", "Yearly Gross Sales"),
    "amount_requested": (
        "Amount Requested",
        "Requested Funding Amount",
        "Funding Amount Requested",
        "Advance Amount Requested",
    ),
    "use_of_funds": ("Use of Funds", "Purpose of Funds", "Intended Use of Proceeds"),
    "owner_name": ("Owner/Principal", "Owner Name", "Principal Name", "Full Name"),
    "title": ("Title", "Position"),
    "ssn": ("SSN", "Social Security #", "Social Security Number"),
    "dob": ("Date of Birth", "DOB", "Birth Date"),
    "home_address": ("Home Address", "Residential Address", "Home Street Address"),
    "ownership": ("% Ownership", "Ownership %", "Percent Owned"),
    "owner_phone": ("Cell Phone", "Mobile", "Owner Phone", "Mobile Phone"),
    "owner_email": ("Owner Email", "Email", "Personal Email"),
    "landlord": ("Landlord / Mortgage Co.", "Landlord Name", "Property Owner / Landlord"),
    "rent": ("Monthly Rent", "Rent / Mortgage Payment"),
    "processor": ("Credit Card Processor", "Merchant Processor"),
    "employees": ("Number of Employees", "# of Employees"),
    "bank": ("Business Bank", "Bank Name"),
}
ENTITY_WORDS = {
    "LLC": ("LLC", "Limited Liability Company"),
    "Corporation": ("Corporation", "C-Corp", "Corp"),
    "S-Corp": ("S-Corp", "S Corporation"),
    "Partnership": ("Partnership", "LP"),
    "Sole Proprietorship": ("Sole Proprietorship", "Sole Prop"),
}
ENTITY_OPTIONS = ("LLC", "Corporation", "S-Corp", "Partnership", "Sole Proprietorship")
TITLES = (
    "MERCHANT APPLICATION",
    "BUSINESS FUNDING APPLICATION",
    "WORKING CAPITAL APPLICATION",
    "MERCHANT CASH ADVANCE APPLICATION",
    "APPLICATION FOR BUSINESS FINANCING",
)
CONSENT = (
    "By signing below, each business and owner identified above certifies that the information provided is "
    "true and complete, and authorizes {iso} and its funding partners to obtain business and personal "
    "credit reports, bank references and other information to evaluate this request."
)
PROCESSORS = ("Clover", "Square", "Heartland", "Worldpay", "Fiserv", "Elavon", "Stripe", "None")


@dataclass(frozen=True)
class Field:
    """One labelled value on a form."""

    key: str
    label: str
    value: str
    span: int = 1  # relative width on grid layouts (1-3)


@dataclass(frozen=True)
class Section:
    """A titled group of fields (business, funding, one owner)."""

    title: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class ApplicationContent:
    """One filled-in application, layout-free."""

    title: str
    iso_company: str
    iso_rep: str
    business: Section
    funding: Section
    owners: tuple[Section, ...]
    entity_printed: str
    consent: str
    signer: str
    signed_on: str


@dataclass(frozen=True)
class ValueStyle:
    """How one form prints its values."""

    date: str
    money: str
    phone: str
    ssn: str
    pct: str
    split_address: bool


def pick_value_style(rng: random.Random) -> ValueStyle:
    """A random choice of printed forms for one application."""
    return ValueStyle(
        date=rng.choice(("mdy", "mdy", "mdy", "mon_d_y", "dash")),
        money=rng.choice(("cents", "cents", "whole", "bare")),
        phone=rng.choice(("paren", "dash", "dot", "intl")),
        ssn=rng.choice(("dash", "dash", "space", "bare")),
        pct=rng.choice(("pct", "pct", "bare", "pct2")),
        split_address=rng.random() < 0.5,
    )


def print_date(day: dt.date, style: ValueStyle) -> str:
    """A date as the form prints it."""
    return day.strftime("%m-%d-%Y") if style.date == "dash" else fmt_date(day, style.date)


def print_money(value: Decimal, style: ValueStyle) -> str:
    """An amount as the form prints it (with or without cents and dollar sign)."""
    return {"cents": f"${value:,.2f}", "whole": f"${value:,.0f}", "bare": f"{value:,.0f}"}[style.money]


def print_phone(e164: str, style: ValueStyle) -> str:
    """An E.164 number as people write it on forms."""
    a, b, c = e164[2:5], e164[5:8], e164[8:]
    return {
        "paren": f"({a}) {b}-{c}",
        "dash": f"{a}-{b}-{c}",
        "dot": f"{a}.{b}.{c}",
        "intl": f"+1 {a} {b} {c}",
    }[style.phone]


def print_ssn(ssn: str, style: ValueStyle) -> str:
    """An SSN with dashes, spaces or nothing between its groups."""
    return {"dash": ssn, "space": ssn.replace("-", " "), "bare": ssn.replace("-", "")}[style.ssn]


def print_pct(pct: Decimal, style: ValueStyle) -> str:
    """An ownership share as written on the form."""
    whole = f"{pct:.2f}".removesuffix(".00")
    return {"pct": f"{whole}%", "bare": whole, "pct2": f"{pct:.2f}%"}[style.pct]


def _label(rng: random.Random, key: str) -> str:
    return rng.choice(LABELS[key])


def application_content(
    rng: random.Random, applicant: Applicant, broker: IsoBroker, signed_on: dt.date, style: ValueStyle
) -> ApplicationContent:
    """The fields of one application for `applicant`, submitted through `broker`."""
    m, f = applicant.merchant, applicant.funding
    entity_printed = rng.choice(ENTITY_WORDS[m.entity_type])
    biz = [
        Field("legal_name", _label(rng, "legal_name"), m.legal_name, 2),
        Field("dba_name", _label(rng, "dba_name"), m.dba_name or "", 2),
        Field("ein", _label(rng, "ein"), m.ein),
        Field("entity_type", _label(rng, "entity_type"), entity_printed),
        Field("start_date", _label(rng, "start_date"), print_date(m.business_start_date, style)),
    ]
    if style.split_address:
        biz += [
            Field("street", _label(rng, "street"), m.address.street, 2),
            Field("city", "City", m.address.city),
            Field("state", "State", m.address.state),
            Field("zip", _label(rng, "zip"), m.address.zip),
        ]
    else:
        biz.append(Field("address", _label(rng, "address"), m.address.one_line(), 3))
    biz += [
        Field("phone", _label(rng, "phone"), print_phone(m.phone, style)),
        Field("email", _label(rng, "email"), m.email, 2),
        Field("industry", _label(rng, "industry"), m.industry),
    ]
    if m.website:
        biz.append(Field("website", _label(rng, "website"), m.website, 2))
    biz.append(Field("annual_revenue", _label(rng, "annual_revenue"), print_money(m.annual_revenue, style)))
    if rng.random() < 0.6:
        biz += [
            Field(
                "landlord",
                _label(rng, "landlord"),
                f"{rng.choice(('Parkside', 'Crown', 'Metro', 'Oak'))} "
                f"{rng.choice(('Realty', 'Properties', 'Management'))}",
                2,
            ),
            Field("processor", _label(rng, "processor"), rng.choice(PROCESSORS)),
            Field("employees", _label(rng, "employees"), str(rng.randint(2, 45))),
        ]
    if rng.random() < 0.5:
        biz.append(Field("bank", _label(rng, "bank"), applicant.account.bank_name, 2))
    funding = Section(
        rng.choice(("Funding Request", "Funding Information", "Requested Financing")),
        (
            Field(
                "amount_requested", _label(rng, "amount_requested"), print_money(f.amount_requested, style)
            ),
            Field("use_of_funds", _label(rng, "use_of_funds"), f.use_of_funds, 2),
        ),
    )
    owner_labels = {
        k: _label(rng, k)
        for k in (
            "owner_name",
            "title",
            "ssn",
            "dob",
            "home_address",
            "ownership",
            "owner_phone",
            "owner_email",
        )
    }
    owners = tuple(
        _owner_section(o, i, len(applicant.owners), owner_labels, style)
        for i, o in enumerate(applicant.owners)
    )
    return ApplicationContent(
        title=rng.choice(TITLES),
        iso_company=broker.company,
        iso_rep=broker.rep_name,
        business=Section(
            rng.choice(("Business Information", "Merchant Information", "Company Details")), tuple(biz)
        ),
        funding=funding,
        owners=owners,
        entity_printed=entity_printed,
        consent=CONSENT.format(iso=broker.company),
        signer=applicant.owners[0].name,
        signed_on=print_date(signed_on, style),
    )


def _owner_section(o: Owner, index: int, count: int, labels: dict[str, str], style: ValueStyle) -> Section:
    title = "Owner / Guarantor Information" if count == 1 else f"Owner {index + 1} of {count}"
    return Section(
        title,
        (
            Field("owner_name", labels["owner_name"], o.name, 2),
            Field("title", labels["title"], o.title),
            Field("ssn", labels["ssn"], print_ssn(o.ssn, style)),
            Field("dob", labels["dob"], print_date(o.date_of_birth, style)),
            Field("ownership", labels["ownership"], print_pct(o.ownership_pct, style)),
            Field("home_address", labels["home_address"], o.address.one_line(), 3),
            Field("owner_phone", labels["owner_phone"], print_phone(o.phone, style)),
            Field("owner_email", labels["owner_email"], o.email, 2),
        ),
    )
