"""What ISO reps write: subjects and short plain-text/HTML bodies around a submission."""

from __future__ import annotations

import html
import random
from dataclasses import dataclass
from decimal import Decimal

from infra.demo.identities import IsoBroker


@dataclass(frozen=True)
class DealFacts:
    """The little a rep says about a deal in the email itself."""

    trade: str
    legal: str
    state: str
    industry: str
    amount: Decimal
    use: str
    since_year: int
    months: int
    positions: int
    has_check: bool


def _k(amount: Decimal) -> str:
    return f"${amount / 1000:.0f}k" if amount % 1000 == 0 else f"${amount:,.0f}"


def subject(rng: random.Random, f: DealFacts, forwarded: bool = False, follow_up: bool = False) -> str:
    """A subject line; `forwarded` adds a Fwd:/FW: prefix, `follow_up` announces documents to come."""
    if follow_up:
        text = rng.choice(
            (
                f"{f.trade} - docs to follow",
                f"Heads up: {f.trade} coming your way",
                f"{f.trade} / {f.industry} - intro",
            )
        )
    else:
        text = rng.choice(
            (
                f"New submission: {f.trade} - {_k(f.amount)}",
                f"{f.trade} | App + {f.months} mos bank statements",
                f"Deal for review - {f.legal}",
                f"File: {f.trade} ({f.state}) requesting {_k(f.amount)}",
                f"{f.legal} \u2013 application & statements",
                f"NEW MERCHANT {f.trade.upper()}",
                f"Submission {f.trade} / {f.industry}",
                f"Please review: {f.trade}, TIB since {f.since_year}",
                f"{f.trade} \u2022 {_k(f.amount)} \u2022 {f.use.lower()}",
            )
        )
    if forwarded:
        text = rng.choice(("Fwd: ", "FW: ", "Fw: ")) + text
    return text


def body_lines(rng: random.Random, f: DealFacts, broker: IsoBroker, attached: bool) -> list[str]:
    """Paragraphs of a plain-text body (the signature last)."""
    greeting = rng.choice(("Hi team,", "Hello,", "Good morning,", "Hi Underwriting,", "Team -"))
    if not attached:
        intro = rng.choice(
            (
                f"I have {f.trade} ({f.legal}) looking for {_k(f.amount)}. I'll send the app and "
                "statements as soon as the merchant signs.",
                f"Quick intro on {f.trade}: {f.industry.lower()} in {f.state}, wants {_k(f.amount)}. "
                "Documents to follow.",
            )
        )
        return [greeting, intro, _signature(broker)]
    intro = rng.choice(
        (
            f"Please find attached a new submission for {f.trade} ({f.legal}).",
            f"Attached is a complete file for {f.trade}: signed application and {f.months} months of "
            f"statements{' plus a voided check' if f.has_check else ''}.",
            f"Sending over {f.legal} for your review.",
        )
    )
    details = rng.choice(
        (
            f"They are looking for {_k(f.amount)} for {f.use.lower()}.",
            f"Merchant has been in business since {f.since_year} and is asking for {_k(f.amount)}.",
            f"Request is {_k(f.amount)}, use of funds: {f.use.lower()}.",
        )
    )
    positions = (
        "No open positions."
        if f.positions == 0
        else f"Currently has {f.positions} open position{'s' if f.positions > 1 else ''}."
    )
    ask = rng.choice(
        (
            "Please let me know if you need anything else.",
            "Looking for an offer today if possible.",
            "Can you take a look and send terms?",
            "Thanks in advance for a quick look.",
        )
    )
    return [greeting, intro, f"{details} {positions}", ask, _signature(broker)]


def _signature(broker: IsoBroker) -> str:
    phone = f"({broker.rep_phone[2:5]}) {broker.rep_phone[5:8]}-{broker.rep_phone[8:]}"
    return f"Thanks,\n{broker.rep_name}\n{broker.company}\n{phone}\nwww.{broker.domain}"


def plain_body(lines: list[str]) -> str:
    """The paragraphs as a plain-text body."""
    return "\n\n".join(lines) + "\n"


def html_body(lines: list[str], logo_cid: str | None, company: str) -> str:
    """The same paragraphs as simple HTML, with the company logo referenced by `cid:` when there is one."""
    parts = [f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in lines]
    if logo_cid:
        parts.append(f'<p><img src="cid:{logo_cid}" alt="{html.escape(company)}" width="180"></p>')
    return (
        '<html><head><meta charset="utf-8"></head><body style="font-family:Arial,sans-serif;'
        f'font-size:11pt">{"".join(parts)}</body></html>\n'
    )
