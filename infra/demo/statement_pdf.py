"""Bank statements as text PDFs in three layouts of the project's own.

- `ledger`: summary box, then one table with debit, credit and running-balance columns;
- `sections`: credits, electronic debits, checks and fees in separate sections, then daily balances;
- `register`: a summary strip and one signed-amount column, with or without a running balance.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from reportlab.pdfgen.canvas import Canvas

from infra.demo.pdf_kit import Pager, fit, fmt_date, fmt_money, mask_account, new_canvas, two_pass
from infra.demo.statement import Statement, Transaction, running_balances

LAYOUTS = ("ledger", "sections", "register")
CREATORS = ("eStatement Composer 7.2", "DocGen Statements 4.1", "Core Banking Output Server", "StmtPrint 2.9")
ACCENTS = ((0.05, 0.2, 0.45), (0.45, 0.05, 0.1), (0.0, 0.35, 0.25), (0.2, 0.2, 0.2), (0.35, 0.2, 0.5))


@dataclass(frozen=True)
class StatementStyle:
    """How one bank prints its statements."""

    layout: str
    date_style: str
    money_style: str
    mask_style: int
    running_balance: bool
    creator: str
    accent: tuple[float, float, float]


def pick_style(rng: random.Random, layout: str | None = None) -> StatementStyle:
    """A random statement style (of `layout` when given)."""
    return StatementStyle(
        layout=layout or rng.choice(LAYOUTS),
        date_style=rng.choice(("md", "mdy2", "mon_d", "md")),
        money_style=rng.choice(("plain", "paren", "trail", "plain")),
        mask_style=rng.randrange(5),
        running_balance=rng.random() < 0.6,
        creator=rng.choice(CREATORS),
        accent=rng.choice(ACCENTS),
    )


def render_statement(statement: Statement, style: StatementStyle) -> tuple[bytes, int]:
    """The statement as PDF bytes and its page count."""
    draw = {"ledger": _ledger, "sections": _sections, "register": _register}[style.layout]

    def render(total: int | None) -> tuple[bytes, int]:
        buf = io.BytesIO()
        c = new_canvas(
            buf,
            title=f"Statement {statement.period_end:%Y-%m}",
            author=statement.bank_name,
            creator=style.creator,
        )
        pages = draw(c, statement, style, total)
        c.save()
        return buf.getvalue(), pages

    return two_pass(render)


def _page_label(page: int, total: int | None) -> str:
    return f"Page {page} of {total}" if total else f"Page {page}"


def _bank_mark(c: Canvas, x: float, y: float, s: Statement, style: StatementStyle, size: float = 15) -> None:
    initials = "".join(w[0] for w in s.bank_name.replace("&", "").split()[:3] if w[0].isalpha())
    c.setFillColorRGB(*style.accent)
    c.rect(x, y - 4, 26, 26, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.setFont("Helvetica-Bold", 9)
    c.drawCentredString(x + 13, y + 5, initials[:3])
    c.setFillColorRGB(*style.accent)
    c.setFont("Helvetica-Bold", size)
    c.drawString(x + 34, y + 2, s.bank_name)
    c.setFillColorRGB(0, 0, 0)


def _holder(c: Canvas, x: float, y: float, s: Statement) -> None:
    c.setFont("Helvetica", 9.5)
    for i, line in enumerate((s.holder_name.upper(), *(a.upper() for a in s.holder_address))):
        c.drawString(x, y - i * 12, line)


def _footer(s: Statement) -> Callable[[Canvas, int], None]:
    def footer(c: Canvas, page: int) -> None:
        c.setStrokeColorRGB(0.6, 0.6, 0.6)
        c.line(40, 52, 572, 52)
        c.setFont("Helvetica", 7)
        c.setFillColorRGB(0.35, 0.35, 0.35)
        c.drawString(40, 40, f"Questions about this statement? Call {s.service_phone}.  Member FDIC.")
        c.setFillColorRGB(0, 0, 0)

    return footer


def _money(value: Decimal, style: StatementStyle) -> str:
    return fmt_money(value, style.money_style)


def _ledger(c: Canvas, s: Statement, style: StatementStyle, total: int | None) -> int:
    f = s.figures
    masked = mask_account(s.account_number, style.mask_style)

    def header(c: Canvas, page: int) -> float:
        if page > 1:
            _bank_mark(c, 40, 748, s, style, 11)
            c.setFont("Helvetica", 8.5)
            c.drawRightString(572, 752, f"Account {masked}    {_page_label(page, total)}")
            return 715
        _bank_mark(c, 40, 740, s, style)
        c.setFont("Helvetica", 9)
        c.drawString(74, 725, "Business Checking Statement")
        right = [
            ("Account Number", masked),
            ("Statement Period", f"{fmt_date(s.period_start, 'mdy')} to {fmt_date(s.period_end, 'mdy')}"),
            ("", _page_label(page, total)),
        ]
        for i, (label, value) in enumerate(right):
            c.setFont("Helvetica-Bold", 8.5)
            c.drawString(360, 748 - i * 13, label)
            c.setFont("Helvetica", 8.5)
            c.drawRightString(572, 748 - i * 13, value)
        _holder(c, 56, 680, s)
        return 610

    pager = Pager(c, header, _footer(s))
    c.setStrokeColorRGB(*style.accent)
    c.rect(40, 530, 532, 78)
    c.setFont("Helvetica-Bold", 10)
    c.drawString(50, 592, "Account Summary")
    rows = [
        (f"Beginning Balance on {fmt_date(s.period_start, 'mdy')}", f.beginning_balance),
        (f"Deposits and Credits ({f.deposit_count})", f.total_deposits),
        (f"Withdrawals and Debits ({f.withdrawal_count})", -f.total_withdrawals),
        (f"Ending Balance on {fmt_date(s.period_end, 'mdy')}", s.shown_ending),
    ]
    c.setFont("Helvetica", 9)
    for i, (label, value) in enumerate(rows):
        c.drawString(50, 578 - i * 13, label)
        c.drawRightString(320, 578 - i * 13, _money(value, style))
    pager.y = 505
    cols = (40, 100, 380, 450, 520, 572)

    def table_head() -> None:
        c.setFillColorRGB(0.9, 0.9, 0.92)
        c.rect(40, pager.y - 4, 532, 14, stroke=0, fill=1)
        c.setFillColorRGB(0, 0, 0)
        c.setFont("Helvetica-Bold", 8)
        c.drawString(cols[0] + 4, pager.y, "Date")
        c.drawString(cols[1], pager.y, "Description")
        for x, name in zip(cols[3:], ("Withdrawals", "Deposits", "Balance"), strict=True):
            c.drawRightString(x, pager.y, name)
        pager.y -= 16

    table_head()
    for t, bal in zip(s.transactions, running_balances(s.beginning_balance, s.transactions), strict=True):
        if pager.ensure(12):
            table_head()
        c.setFont("Helvetica", 8)
        c.drawString(cols[0] + 4, pager.y, fmt_date(t.day, style.date_style))
        c.drawString(cols[1], pager.y, fit(c, t.description, "Helvetica", 8, 270))
        c.drawRightString(cols[3] if t.amount < 0 else cols[4], pager.y, fmt_money(abs(t.amount)))
        c.drawRightString(cols[5], pager.y, _money(bal, style))
        pager.y -= 12
    pager.ensure(20)
    c.setFont("Helvetica-Bold", 8.5)
    c.drawString(cols[1], pager.y - 4, "Ending Balance")
    c.drawRightString(cols[5], pager.y - 4, _money(s.shown_ending, style))
    return pager.finish()


def _sections(c: Canvas, s: Statement, style: StatementStyle, total: int | None) -> int:
    f = s.figures
    masked = mask_account(s.account_number, style.mask_style)

    def header(c: Canvas, page: int) -> float:
        c.setFont("Helvetica-Bold", 14 if page == 1 else 10)
        c.setFillColorRGB(*style.accent)
        c.drawCentredString(306, 752, s.bank_name.upper())
        c.setFillColorRGB(0, 0, 0)
        c.setFont("Helvetica", 8.5)
        c.drawRightString(572, 736, _page_label(page, total))
        c.drawString(40, 736, f"Account number: {masked}")
        if page > 1:
            return 710
        c.drawCentredString(306, 738, "COMMERCIAL ACCOUNT STATEMENT")
        c.drawString(360, 700, f"{fmt_date(s.period_start, 'long')} through")
        c.drawString(360, 688, fmt_date(s.period_end, "long"))
        _holder(c, 56, 700, s)
        return 640

    pager = Pager(c, header, _footer(s))
    summary = [
        ("Beginning balance", f.beginning_balance),
        ("Deposits and other additions", f.total_deposits),
        ("Withdrawals and other subtractions", -f.total_withdrawals),
        ("Ending balance", s.shown_ending),
        ("Average ledger balance", f.average_daily_balance),
    ]
    c.setFont("Helvetica-Bold", 10)
    c.drawString(40, pager.y, "Summary of your account")
    c.setFont("Helvetica", 9)
    for i, (label, value) in enumerate(summary):
        c.drawString(50, pager.y - 16 - i * 13, label)
        c.drawRightString(330, pager.y - 16 - i * 13, _money(value, style))
    c.drawString(360, pager.y - 16, f"Number of deposits: {f.deposit_count}")
    c.drawString(360, pager.y - 29, f"Number of withdrawals: {f.withdrawal_count}")
    pager.y -= 100
    credits = [t for t in s.transactions if t.amount > 0]
    checks = [t for t in s.transactions if t.amount < 0 and t.description.startswith("CHECK #")]
    fees = [t for t in s.transactions if t.kind in ("nsf", "fee")]
    other = [t for t in s.transactions if t.amount < 0 and t not in checks and t not in fees]
    for title, items in (
        ("Deposits and other additions", credits),
        ("Electronic withdrawals", other),
        ("Checks paid", checks),
        ("Service fees", fees),
    ):
        if items:
            _section(c, pager, title, items, style)
    _daily_balances(c, pager, s, style)
    return pager.finish()


def _section(c: Canvas, pager: Pager, title: str, items: list[Transaction], style: StatementStyle) -> None:
    pager.ensure(40)
    c.setFillColorRGB(*style.accent)
    c.rect(40, pager.y - 4, 532, 15, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.setFont("Helvetica-Bold", 9)
    c.drawString(46, pager.y, title.upper())
    c.setFillColorRGB(0, 0, 0)
    pager.y -= 17
    for t in items:
        if pager.ensure(12):
            c.setFont("Helvetica-Oblique", 8)
            c.drawString(46, pager.y, f"{title} (continued)")
            pager.y -= 13
        c.setFont("Helvetica", 8)
        c.drawString(46, pager.y, fmt_date(t.day, style.date_style))
        c.drawString(110, pager.y, fit(c, t.description, "Helvetica", 8, 360))
        c.drawRightString(572, pager.y, fmt_money(abs(t.amount)))
        pager.y -= 12
    c.setFont("Helvetica-Bold", 8.5)
    c.drawString(110, pager.y - 2, f"Total {title.lower()}")
    c.drawRightString(572, pager.y - 2, fmt_money(sum((abs(t.amount) for t in items), Decimal(0)), "dollar"))
    pager.y -= 24


def _daily_balances(c: Canvas, pager: Pager, s: Statement, style: StatementStyle) -> None:
    active = {t.day for t in s.transactions}
    days = [(d, b) for d, b in s.figures.daily_balances if d in active]
    rows = (len(days) + 2) // 3
    pager.ensure(40)
    c.setFont("Helvetica-Bold", 9)
    c.drawString(40, pager.y, "DAILY ENDING BALANCE")
    pager.y -= 15
    for r in range(rows):
        pager.ensure(12)
        c.setFont("Helvetica", 8)
        for col in range(3):
            i = col * rows + r
            if i < len(days):
                c.drawString(46 + col * 180, pager.y, fmt_date(days[i][0], style.date_style))
                c.drawRightString(200 + col * 180, pager.y, _money(days[i][1], style))
        pager.y -= 12


def _register(c: Canvas, s: Statement, style: StatementStyle, total: int | None) -> int:
    f = s.figures
    masked = mask_account(s.account_number, style.mask_style)

    def header(c: Canvas, page: int) -> float:
        _bank_mark(c, 40, 744, s, style, 13)
        c.setFont("Helvetica-Bold", 10)
        c.drawRightString(572, 756, "STATEMENT OF ACCOUNT")
        c.setFont("Helvetica", 8.5)
        c.drawRightString(572, 743, f"Account: {masked}")
        c.drawRightString(
            572, 731, f"Statement period: {fmt_date(s.period_start, 'mdy')} - {fmt_date(s.period_end, 'mdy')}"
        )
        c.drawRightString(572, 719, _page_label(page, total))
        if page > 1:
            return 690
        _holder(c, 56, 700, s)
        return 640

    pager = Pager(c, header, _footer(s))
    cells = [
        ("Previous Balance", f.beginning_balance, None),
        ("Deposits/Credits", f.total_deposits, f.deposit_count),
        ("Withdrawals/Debits", f.total_withdrawals, f.withdrawal_count),
        ("New Balance", s.shown_ending, None),
    ]
    width = 532 / len(cells)
    for i, (label, value, count) in enumerate(cells):
        x = 40 + i * width
        c.setStrokeColorRGB(*style.accent)
        c.rect(x, pager.y - 40, width, 48)
        c.setFont("Helvetica-Bold", 8)
        c.drawCentredString(x + width / 2, pager.y - 4, label)
        c.setFont("Helvetica", 10)
        c.drawCentredString(x + width / 2, pager.y - 19, _money(value, style))
        if count is not None:
            c.setFont("Helvetica", 7.5)
            c.drawCentredString(x + width / 2, pager.y - 33, f"{count} items")
    pager.y -= 70

    def table_head() -> None:
        c.setFont("Helvetica-Bold", 8)
        c.drawString(44, pager.y, "Post Date")
        c.drawString(110, pager.y, "Transaction Description")
        c.drawRightString(480 if style.running_balance else 572, pager.y, "Amount")
        if style.running_balance:
            c.drawRightString(572, pager.y, "Balance")
        c.setStrokeColorRGB(0, 0, 0)
        c.line(40, pager.y - 4, 572, pager.y - 4)
        pager.y -= 16

    table_head()
    for t, bal in zip(s.transactions, running_balances(s.beginning_balance, s.transactions), strict=True):
        if pager.ensure(12):
            table_head()
        c.setFont("Helvetica", 8)
        c.drawString(44, pager.y, fmt_date(t.day, style.date_style))
        c.drawString(110, pager.y, fit(c, t.description, "Helvetica", 8, 290))
        c.drawRightString(480 if style.running_balance else 572, pager.y, _money(t.amount, style))
        if style.running_balance:
            c.drawRightString(572, pager.y, _money(bal, style))
        pager.y -= 12
    return pager.finish()
