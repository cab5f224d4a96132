"""The cheapest reading of a run of statement rows that makes them follow the printed balances.

Rows come in groups: the rows up to one that a printed balance checks (a running balance on a
row, a day's ending balance). From each reading so far (a true balance and the deposits counted to
it), a group may be as read; have up to MAX_FLIPS of its amounts turned over (a lost or gained
minus, or a section heading lost); or have one amount misread; and its printed balance may itself
be misread. Each way costs the characters it changes in what OCR read (edit distance on the
digits, SIGN_COST for a sign); the cheapest BEAM readings are kept after each group (Viterbi).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import combinations

SIGN_COST = 0.3  # a minus lost or gained
ZERO_AMOUNT_COST = 1.0  # a row that moves nothing is no transaction row
TEXT_LAYER_COST = 100.0  # factor on a text-layer row's changes: it prints what the statement says
BEAM = 16
MAX_FLIPS = 3
MAX_FLIP_GROUP = 12  # in a longer group (a day of many rows) only one sign is turned at a time
MAX_EDITS = 2.5  # a row needing more to follow the balances was not misread: no reading changes it so


@dataclass(frozen=True)
class GroupRow:
    """One row of a group: its amount as read (None when OCR lost it) and whether it is text layer."""

    amount: Decimal | None
    text_layer: bool = False


@dataclass(frozen=True)
class Reading:
    """A reading of the rows so far: the true balance after them, the deposits among them, its cost
    and the amounts it gives the last group's rows (`back` leads to the readings before)."""

    balance: Decimal
    deposits: Decimal
    cost: float
    amounts: tuple[Decimal, ...] = ()
    back: Reading | None = None


def value_cost(read: Decimal, true: Decimal) -> float:
    """Character edits from the value read to the true one (a changed sign counts SIGN_COST)."""
    if read == true:
        return 0.0
    sign = SIGN_COST if (read < 0) != (true < 0) else 0.0
    if abs(read) == abs(true):
        return sign
    return sign + edit_distance(_digits(read), _digits(true))


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: the characters to insert, delete or change to turn `a` into `b`."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _digits(value: Decimal) -> str:
    return f"{abs(value):.2f}".replace(".", "")


def advance(readings: Sequence[Reading], group: Sequence[GroupRow], printed: Decimal | None) -> list[Reading]:
    """The cheapest readings after `group`, whose rows end on the balance `printed` (if any)."""
    best: dict[tuple[Decimal, Decimal], Reading] = {}
    for reading in readings:
        for amounts in _group_amounts(reading.balance, group, printed):
            row_costs = _costs(group, amounts)
            if max(row_costs, default=0.0) > MAX_EDITS:
                continue
            balance = reading.balance + sum(amounts, Decimal(0))
            checked = 0.0 if printed is None else value_cost(printed, balance)
            cost = reading.cost + sum(row_costs) + checked
            deposits = reading.deposits + sum((a for a in amounts if a > 0), Decimal(0))
            key = (balance, deposits)
            if key not in best or cost < best[key].cost:
                best[key] = Reading(balance, deposits, cost, amounts, reading)
    return sorted(best.values(), key=lambda r: r.cost)[:BEAM]


def _costs(group: Sequence[GroupRow], amounts: tuple[Decimal, ...]) -> list[float]:
    costs = []
    for row, amount in zip(group, amounts, strict=True):
        cost = ZERO_AMOUNT_COST if amount == 0 else 0.0
        if row.amount is not None:
            cost += value_cost(row.amount, amount)
        costs.append(cost * TEXT_LAYER_COST if row.text_layer else cost)
    return costs


def _group_amounts(
    start: Decimal, group: Sequence[GroupRow], printed: Decimal | None
) -> list[tuple[Decimal, ...]]:
    """The ways to read the group's amounts from a balance of `start` (see the module doc)."""
    lost = [i for i, row in enumerate(group) if row.amount is None]
    read = [row.amount if row.amount is not None else Decimal(0) for row in group]
    targets = [] if printed is None else [printed, -printed]
    if lost:  # one amount lost: the printed balance tells it (two are never guessed)
        if len(lost) > 1:
            return []
        return [_with(read, lost[0], t - start - sum(read, Decimal(0))) for t in targets]
    ways = [tuple(read)]
    base = start + sum(read, Decimal(0))
    if printed is None:
        return ways + [_with(read, i, -read[i]) for i in range(len(read))]
    for target in targets:
        need = target - base
        if need == 0:
            continue
        for i in range(len(read)):
            ways.append(_with(read, i, read[i] + need))  # one amount misread
        flips = MAX_FLIPS if len(read) <= MAX_FLIP_GROUP else 1
        for size in range(1, min(flips, len(read)) + 1):
            for flipped in combinations(range(len(read)), size):
                if -2 * sum((read[i] for i in flipped), Decimal(0)) == need:
                    ways.append(tuple(-a if i in flipped else a for i, a in enumerate(read)))
    return ways


def _with(amounts: Sequence[Decimal], index: int, value: Decimal) -> tuple[Decimal, ...]:
    return tuple(value if i == index else a for i, a in enumerate(amounts))
