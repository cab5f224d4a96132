"""`generate_demo_set`: N demo submissions (NNN.eml) with their truth files (NNN.truth.json)."""

from __future__ import annotations

import json
import logging
import random
import re
from dataclasses import dataclass
from pathlib import Path

from infra.demo.case_plan import plan_cases
from infra.demo.cases import CaseBuilder, Submission
from infra.demo.truth import OutcomeRules, case_truth
from infra.errors import MCAError

logger = logging.getLogger(__name__)
CASE_FILE = re.compile(r"^\d{3,}\.(eml|truth\.json)$")


class DemoDataError(MCAError):
    """The generator built a case whose outcome differs from the one it planned (a generator bug)."""


@dataclass(frozen=True)
class DemoCase:
    """One written case."""

    case_id: str
    eml: Path
    truth: Path
    outcome: str
    kind: str


def truth_for(case_id: str, outcome: str, sub: Submission) -> dict[str, object]:
    """The truth document of a built submission."""
    deal = sub.deal
    statements = [d.statement for d in sub.docs if d.doc_type == "bank_statement" and d.statement is not None]
    return case_truth(
        case_id=case_id,
        outcome=outcome,
        notes=" ".join(sub.notes),
        email={"message_id": sub.spec.message_id, "from": sub.spec.sender, "subject": sub.spec.subject},
        documents=[d.entry() for d in sub.docs],
        applicant=deal.applicant if deal is not None and sub.application_read else None,
        statements=statements,
        account=deal.applicant.account if deal is not None and sub.check_read else None,
    )


def build_demo_set(out_dir: Path, n: int = 12, seed: int = 1) -> list[DemoCase]:
    """Write `n` cases to `out_dir` (created if missing); the same seed gives the same bytes."""
    out_dir.mkdir(parents=True, exist_ok=True)
    width = max(3, len(str(n)))
    plan = plan_cases(n, random.Random(f"mca-demo/{seed}/plan"))
    builder, rules = CaseBuilder(seed, width), OutcomeRules()
    written: list[DemoCase] = []
    for planned in plan:
        sub = builder.build(planned)
        case_id = f"{planned.index + 1:0{width}d}"
        outcome = rules.decide(sub.facts())
        if outcome != planned.intended_outcome:
            raise DemoDataError(
                f"case {case_id} ({planned.kind}) came out {outcome}, planned {planned.intended_outcome}"
            )
        eml, truth = out_dir / f"{case_id}.eml", out_dir / f"{case_id}.truth.json"
        eml.write_bytes(sub.raw)
        text = json.dumps(truth_for(case_id, outcome, sub), indent=2, ensure_ascii=False) + "\n"
        truth.write_text(text, encoding="utf-8")
        written.append(DemoCase(case_id, eml, truth, outcome, planned.kind))
        logger.debug("demo case %s: %s -> %s", case_id, planned.kind, outcome)
    names = {p.name for c in written for p in (c.eml, c.truth)}
    stale = sorted(p.name for p in out_dir.iterdir() if CASE_FILE.match(p.name) and p.name not in names)
    if stale:
        logger.warning(
            "%s holds %d case files from an earlier, larger set (e.g. %s); scoring the folder includes them",
            out_dir,
            len(stale),
            stale[0],
        )
    return written


def generate_demo_set(out_dir: Path, n: int = 12, seed: int = 1) -> list[Path]:
    """Write `n` demo submissions with truth files to `out_dir`; returns the .eml paths in case order."""
    return [c.eml for c in build_demo_set(out_dir, n, seed)]
