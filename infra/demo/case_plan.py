"""Which submissions a demo set holds: mostly clean deals, a seeded mix of bad and edge cases.

Pure planning. Every edge kind of samples/README.md appears once the set is large enough; a resend
and another ISO broker's copy (n >= 8) always come after the deal they repeat.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# edge kind -> the outcome it is built to reach
EDGE_OUTCOMES: dict[str, str] = {
    "no_attachments": "rejected",
    "nothing_readable": "rejected",
    "truncated_pdf": "review_required",
    "encrypted_pdf": "review_required",
    "zero_byte": "review_required",
    "html_as_pdf": "review_required",
    "decompression_bomb": "review_required",
    "missing_iso": "review_required",
    "missing_statements": "review_required",
    "unreconciled_balance": "review_required",
    "owner_password_pdf": "processed",
    "long_irrelevant": "processed",
    "duplicate": "duplicate",
    "other_iso": "review_required",
    "same_iso_resubmission": "processed",
}
DEPENDENT = ("duplicate", "other_iso", "same_iso_resubmission")
POOL = tuple(k for k in EDGE_OUTCOMES if k not in DEPENDENT)
EDGE_SHARE = 0.4


@dataclass(frozen=True)
class PlannedCase:
    """One case of the plan: its position, its kind, and the case it repeats."""

    index: int
    kind: str  # "normal" or an edge kind
    source: int | None = None  # the earlier case a dependent kind repeats

    @property
    def intended_outcome(self) -> str:
        return EDGE_OUTCOMES.get(self.kind, "processed")


def plan_cases(n: int, rng: random.Random) -> list[PlannedCase]:
    """`n` cases in order; dependent kinds point at an earlier clean case."""
    if n <= 0:
        return []
    edges = 0 if n < 3 else max(1, round(n * EDGE_SHARE))
    dependent = [
        k
        for k, threshold in (("duplicate", 8), ("other_iso", 8), ("same_iso_resubmission", 16))
        if n >= threshold
    ][:edges]
    pool: list[str] = []
    while len(pool) < edges - len(dependent):
        pool += rng.sample(POOL, len(POOL))
    independent = ["normal"] * (n - edges) + pool[: edges - len(dependent)]
    rng.shuffle(independent)
    first_normal = independent.index("normal") if "normal" in independent else 0
    independent.insert(0, independent.pop(first_normal))
    order = list(independent)
    for kind in dependent:
        order.insert(rng.randint(1, len(order)), kind)
    return _with_sources(order, rng)


def _with_sources(order: list[str], rng: random.Random) -> list[PlannedCase]:
    """Point each dependent case at an earlier clean case. Another ISO's copy and a same-ISO resubmission
    never share a source (the copy would turn the resubmission into a review case)."""
    used: dict[str, set[int]] = {"other_iso": set(), "same_iso_resubmission": set()}
    out: list[PlannedCase] = []
    i = 0
    while i < len(order):
        kind = order[i]
        if kind not in DEPENDENT:
            out.append(PlannedCase(i, kind))
            i += 1
            continue
        clash = set().union(*(v for k, v in used.items() if k != kind)) if kind in used else set()
        sources = [j for j in range(i) if order[j] == "normal" and j not in clash]
        if not sources:  # move this case one place later, behind the next clean case
            if i + 1 == len(order):
                raise ValueError(f"no clean case can precede the {kind} case")
            order[i], order[i + 1] = order[i + 1], order[i]
            continue
        source = rng.choice(sources)
        used.get(kind, set()).add(source)
        out.append(PlannedCase(i, kind, source))
        i += 1
    return out
