"""One statement transaction row, the money words rows are read from, and unsigned amounts signed."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from streams.stages.text import Box, Word

_MONEY_WORD = re.compile(r"^[(\-+]?\$?[(\-]?(\d{1,3}(,\d{3})+|\d+)\.\d{2}\)?-?(CR|DR|cr|dr)?$")
# OCR slips of the decimal point: a stray mark beside it ("148,.28") or a comma for it ("34,00-")
_DOUBLED_POINT = re.compile(r"(?<=\d)(,\.|\.,)(?=\d{2}\D*$)")
_COMMA_POINT = re.compile(r"(?<=\d),(?=\d{2}\)?-?(CR|DR|cr|dr)?$)")


@dataclass(frozen=True)
class Transaction:
    """One statement row: amount is signed (+ credit, - debit); balance as printed, if any."""

    date: dt.date
    description: str
    amount: Decimal
    balance: Decimal | None
    page: int
    box: Box | None
    confidence: float
    sign_known: bool = True
    amount_read: bool = True  # False: OCR lost the amount (amount is then 0 and must not be counted)
    side: int = 0  # of an unread amount: +1 / -1 when its section says credit / debit, else 0


def money_text(word: Word) -> str | None:
    """The word as an amount's text, or None when it is none. On an OCR'd word, punctuation OCR put
    after it ("2,205.65,") is dropped, a minus read as a tilde ("~457.56") is a minus again, and a
    decimal point read as a comma ("34,00-") or beside a stray comma ("148,.28-") is one point again:
    two digits after a comma are never a thousands group, so the reading is not ambiguous."""
    text = word.text.strip()
    if word.confidence < 1.0:
        text = text.rstrip(",.")
        text = "-" + text[1:] if text.startswith("~") else text
        text = _DOUBLED_POINT.sub(".", text)
        text = text if "." in text else _COMMA_POINT.sub(".", text)
    return text if _MONEY_WORD.match(text) else None


def money_words(words: Sequence[Word]) -> list[tuple[int, Word, str]]:
    """Money words of a row (with a lone '-' or '$' before them joined on)."""
    found = []
    for i, word in enumerate(words):
        money = money_text(word)
        if money is not None:
            prefix = words[i - 1].text.strip() if i > 0 else ""
            if prefix in ("-", "$", "-$", "$-", "("):
                money = prefix.replace("$", "") + money
            found.append((i, word, money))
    return found


def has_letters(text: str) -> bool:
    """Whether `text` holds a word of two letters or more (a description, not OCR debris)."""
    return re.search(r"[A-Za-z]{2}", text) is not None


def settle_signs(rows: list[Transaction], beginning: Decimal | None = None) -> list[Transaction]:
    """Give unsigned amounts their sign: credits when other rows print their debits with a minus,
    else whichever way the running balance moved."""
    if all(r.sign_known or not r.amount_read for r in rows):
        return rows
    if any(r.amount < 0 for r in rows):
        return [replace(r, sign_known=True) if r.amount_read else r for r in rows]
    settled: list[Transaction] = []
    previous_balance = beginning
    for row in rows:
        if (
            not row.sign_known
            and row.amount_read
            and previous_balance is not None
            and row.balance is not None
        ):
            delta = row.balance - previous_balance
            if abs(abs(delta) - row.amount) < Decimal("0.01"):
                row = replace(row, amount=delta, sign_known=True)
        settled.append(row)
        if row.balance is not None:
            previous_balance = row.balance
    return settled
