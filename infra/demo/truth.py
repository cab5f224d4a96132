"""Truth files in the samples contract, and the outcome rules applied in case order.

Conventions (samples/README.md): money as strings with two decimals, ISO dates, E.164 phones,
`null` where not applicable; statements from invalid files are not listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from infra.demo.identities import Address, Applicant, BankAccount, Owner
from infra.demo.statement import Statement


def money_str(value: Decimal) -> str:
    """Money as the contract writes it: two decimals, no separators."""
    return f"{value:.2f}"


def address_truth(a: Address) -> dict[str, str]:
    """An address in the contract's shape."""
    return {"street": a.street, "city": a.city, "state": a.state, "zip": a.zip}


def merchant_truth(applicant: Applicant) -> dict[str, object]:
    """The contract's merchant object."""
    m = applicant.merchant
    return {
        "legal_name": m.legal_name,
        "dba_name": m.dba_name,
        "ein": m.ein,
        "address": address_truth(m.address),
        "phone": m.phone,
        "email": m.email,
        "industry": m.industry,
        "business_start_date": m.business_start_date.isoformat(),
        "entity_type": m.entity_type,
        "annual_revenue": money_str(m.annual_revenue),
    }


def funding_truth(applicant: Applicant) -> dict[str, str]:
    """The contract's funding object."""
    f = applicant.funding
    return {"amount_requested": money_str(f.amount_requested), "use_of_funds": f.use_of_funds}


def owner_truth(o: Owner) -> dict[str, object]:
    """One entry of the contract's owners list."""
    return {
        "name": o.name,
        "ssn": o.ssn,
        "date_of_birth": o.date_of_birth.isoformat(),
        "address": address_truth(o.address),
        "ownership_pct": money_str(o.ownership_pct),
        "phone": o.phone,
        "email": o.email,
    }


def statement_truth(s: Statement) -> dict[str, object]:
    """The statement's scored figures; `ending_balance` is what its summary prints."""
    f = s.figures
    return {
        "bank_name": s.bank_name,
        "account_last4": s.account_last4,
        "period_start": s.period_start.isoformat(),
        "period_end": s.period_end.isoformat(),
        "beginning_balance": money_str(f.beginning_balance),
        "ending_balance": money_str(s.shown_ending),
        "total_deposits": money_str(f.total_deposits),
        "deposit_count": f.deposit_count,
        "total_withdrawals": money_str(f.total_withdrawals),
        "nsf_count": f.nsf_count,
        "negative_days": f.negative_days,
        "average_daily_balance": money_str(f.average_daily_balance),
        "mca_positions": [
            {"lender": p.lender, "frequency": p.frequency, "amount": money_str(p.amount)} for p in s.positions
        ],
    }


def check_truth(account: BankAccount) -> dict[str, str]:
    """The contract's voided_check object."""
    return {
        "bank_name": account.bank_name,
        "routing_number": account.routing_number,
        "account_number": account.account_number,
    }


@dataclass(frozen=True)
class CaseFacts:
    """What the outcome rules look at."""

    message_id: str
    sender_domain: str
    attachment_count: int
    has_invalid: bool
    application_read: bool
    statements_read: int
    unreconciled: bool
    ein: str | None


@dataclass
class OutcomeRules:
    """samples/README.md's outcome rules, applied case after case (earlier cases are remembered)."""

    message_ids: set[str] = field(default_factory=set)
    ein_domains: dict[str, set[str]] = field(default_factory=dict)

    def decide(self, case: CaseFacts) -> str:
        """The expected outcome of `case`, given the cases decided before it."""
        outcome = self._outcome(case)
        self.message_ids.add(case.message_id)
        if case.ein and outcome != "duplicate":
            self.ein_domains.setdefault(case.ein, set()).add(case.sender_domain)
        return outcome

    def _outcome(self, case: CaseFacts) -> str:
        if case.message_id in self.message_ids:
            return "duplicate"
        if case.attachment_count == 0 or (not case.application_read and case.statements_read == 0):
            return "rejected"
        other_iso = case.ein is not None and bool(
            self.ein_domains.get(case.ein, set()) - {case.sender_domain}
        )
        if (
            case.has_invalid
            or not case.application_read
            or case.statements_read == 0
            or case.unreconciled
            or other_iso
        ):
            return "review_required"
        return "processed"


def case_truth(
    case_id: str,
    outcome: str,
    notes: str,
    email: dict[str, str],
    documents: list[dict[str, object]],
    applicant: Applicant | None,
    statements: list[Statement],
    account: BankAccount | None,
) -> dict[str, object]:
    """One NNN.truth.json document."""
    return {
        "case_id": case_id,
        "expected_outcome": outcome,
        "notes": notes,
        "email": email,
        "documents": documents,
        "merchant": merchant_truth(applicant) if applicant else None,
        "funding": funding_truth(applicant) if applicant else None,
        "owners": [owner_truth(o) for o in applicant.owners] if applicant else [],
        "bank_statements": [statement_truth(s) for s in statements],
        "voided_check": check_truth(account) if account else None,
    }
