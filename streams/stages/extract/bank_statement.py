"""Bank statements -> bank, account, period, summary, transactions, figures and MCA positions.

Header values are found by label (statement_header.py), the bank's name by its line at the top
(bank_name.py); the rows are parsed from the transaction tables (transactions.py) after OCR slips
on scanned lines are undone (statement_repair.py, cropped_dates.py), then settled against the
balances the statement prints (running_balance.py) and lost amounts filled from its figures
(unread_amounts.py). The figures are computed from the rows (figures.py) and checked against the
printed summary.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from streams.stages.extract.bank_name import bank_name, without_logo_marks
from streams.stages.extract.cropped_dates import restore_cropped_dates
from streams.stages.extract.fields import Field
from streams.stages.extract.figures import TOLERANCE, Figures, compute_figures
from streams.stages.extract.lines import document_lines
from streams.stages.extract.positions import McaPosition, detect_positions
from streams.stages.extract.running_balance import Printed, settle_by_balances
from streams.stages.extract.statement_header import (
    SUMMARY_KEYS,
    account_last4,
    header_pairs,
    printed_summary,
    repaired_period_end,
    statement_period,
)
from streams.stages.extract.statement_repair import dates_within, repair_lines, repair_sign
from streams.stages.extract.transactions import (
    Transaction,
    parse_transactions,
    printed_daily_balances,
    section_kind,
)
from streams.stages.extract.unread_amounts import fill_unread
from streams.stages.extract.validators import format_money
from streams.stages.text import DocumentText

logger = logging.getLogger(__name__)

__all__ = ["BankStatement", "extract_statement", "repaired_period_end", "without_logo_marks"]


@dataclass(frozen=True)
class BankStatement:
    """One statement: README fields (as Fields), positions, rows, and whether balances reconcile."""

    fields: Mapping[str, Field]
    mca_positions: tuple[McaPosition, ...]
    transactions: tuple[Transaction, ...]
    reconciled: bool


def extract_statement(document: DocumentText) -> BankStatement:
    """Read one bank statement document (any number of pages)."""
    lines = document_lines(document)
    pairs = header_pairs(lines)
    fields: dict[str, Field] = {}
    bank = bank_name(lines)
    if bank:
        fields["bank_name"] = bank
    account = account_last4(pairs, lines)
    if account:
        fields["account_last4"] = account
    period_fields = statement_period(pairs, lines)
    period = None
    if period_fields:
        fields["period_start"], fields["period_end"] = period_fields
        period = (
            dt.date.fromisoformat(period_fields[0].value),
            dt.date.fromisoformat(period_fields[1].value),
        )
    summary = printed_summary(pairs, lines)
    beginning = summary.get("beginning_balance", (None,))[0]
    ending = summary.get("ending_balance", (None,))[0]
    repaired = restore_cropped_dates(repair_lines(lines, section_kind), period)
    rows = parse_transactions(repaired, period, beginning, keep_unread=True)
    totals = [summary.get(k, (None,))[0] for k in ("total_deposits", "total_withdrawals")]
    daily = printed_daily_balances(repaired, period)
    rows = dates_within(rows, period)
    rows = settle_by_balances(rows, Printed(beginning, ending, daily, totals[0], totals[1]))
    rows = fill_unread(
        rows,
        beginning=beginning,
        ending=ending,
        daily=daily,
        printed_deposits=totals[0],
        printed_withdrawals=totals[1],
    )
    # an amount no figure tells is left out: the statement then shows as not reconciling
    rows = repair_sign([r for r in rows if r.amount_read], *totals)
    if period is None and rows and all(r.date for r in rows):
        period = (min(r.date for r in rows), max(r.date for r in rows))
    figures = compute_figures(rows, beginning=beginning, ending=ending, period=period)
    reconciled = figures.reconciled and _summary_consistent(summary, figures)
    fields.update(_figure_fields(figures, summary, rows))
    positions = tuple(detect_positions(rows))
    return BankStatement(fields, positions, tuple(rows), reconciled)


def _summary_consistent(summary: Mapping[str, tuple[Decimal, Field, int | None]], figures: Figures) -> bool:
    """The printed summary adds up, and agrees with the rows where it prints totals."""
    printed = {k: v[0] for k, v in summary.items()}
    if all(k in printed for k in SUMMARY_KEYS):
        flow = printed["beginning_balance"] + printed["total_deposits"] - abs(printed["total_withdrawals"])
        if abs(flow - printed["ending_balance"]) > TOLERANCE:
            return False
    if "total_deposits" in printed and abs(printed["total_deposits"] - figures.total_deposits) > TOLERANCE:
        return False
    if "total_withdrawals" in printed:
        return abs(abs(printed["total_withdrawals"]) - figures.total_withdrawals) <= TOLERANCE
    return True


def _figure_fields(
    figures: Figures, summary: Mapping[str, tuple[Decimal, Field, int | None]], rows: Sequence[Transaction]
) -> dict[str, Field]:
    confidence = min((r.confidence for r in rows), default=0.5)
    page = rows[0].page if rows else None

    def computed(value: object) -> Field:
        return Field(value, round(confidence, 4), page, None, "computed from transactions")

    out: dict[str, Field] = {}
    for key in ("beginning_balance", "ending_balance"):
        printed = summary.get(key)
        value = getattr(figures, key)
        if printed is not None and value is not None and abs(printed[0] - value) <= TOLERANCE:
            out[key] = printed[1]
        elif value is not None:
            out[key] = computed(format_money(value))
    if rows:
        out["total_deposits"] = computed(format_money(figures.total_deposits))
        out["deposit_count"] = computed(figures.deposit_count)
        out["total_withdrawals"] = computed(format_money(figures.total_withdrawals))
        out["nsf_count"] = computed(figures.nsf_count)
    else:
        for key in ("total_deposits", "total_withdrawals"):
            if key in summary:
                amount, field, count = summary[key]
                out[key] = field.with_value(format_money(abs(amount)))
                if key == "total_deposits" and count is not None:
                    out["deposit_count"] = field.with_value(count)
    if figures.negative_days is not None:
        out["negative_days"] = computed(figures.negative_days)
    if figures.average_daily_balance is not None:
        out["average_daily_balance"] = computed(format_money(figures.average_daily_balance))
    return out
