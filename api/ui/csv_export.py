"""The applications table as CSV rows: every matching row, cells a spreadsheet will not run."""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.ui.listing import ListQuery, list_page

EXPORT_LIMIT = 10_000
EXPORT_BATCH = 500
CSV_COLUMNS = (
    "application_id",
    "received_at",
    "status",
    "iso_broker",
    "merchant_name",
    "dba_name",
    "ein",
    "amount_requested",
    "monthly_true_revenue",
    "positions",
    "review_reasons",
)


def csv_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (pure)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def export_rows(session: Session, query: ListQuery) -> list[list[str]]:
    """Every matching row (up to EXPORT_LIMIT) as CSV cells, in the table's order."""
    rows: list[list[str]] = []
    cursor = None
    while len(rows) < EXPORT_LIMIT:
        page = list_page(session, query, cursor=cursor, limit=EXPORT_BATCH)
        for row in page.rows:
            reasons = ";".join(str(reason.get("code")) for reason in row.review_reasons)
            values = (
                row.application_id,
                row.received_at.isoformat(),
                row.status,
                row.iso_broker,
                row.merchant_name,
                row.dba_name,
                row.ein,
                row.amount_requested,
                row.monthly_true_revenue,
                row.positions,
                reasons,
            )
            rows.append([csv_cell(value) for value in values])
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    return rows[:EXPORT_LIMIT]
