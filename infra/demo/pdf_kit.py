"""Small reportlab helpers for the demo documents: reproducible canvases, printed value forms, paging."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal

from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas

PAGE_W, PAGE_H = letter


def new_canvas(buf: io.BytesIO, *, title: str, author: str = "", creator: str = "") -> Canvas:
    """A letter-size canvas whose output depends only on what is drawn (fixed dates and document id)."""
    c = Canvas(buf, pagesize=letter, invariant=1, pageCompression=1)
    c.setTitle(title)
    c.setAuthor(author)
    c.setCreator(creator)
    return c


def fmt_money(value: Decimal, style: str = "plain") -> str:
    """Print money: plain `1,234.56`, dollar `$1,234.56`; a negative as `-1,234.56`, or paren `(1,234.56)`,
    or trail `1,234.56-`."""
    text = f"{abs(value):,.2f}"
    if style == "dollar":
        text = "$" + text
    if value >= 0:
        return text
    if style == "paren":
        return f"({text})"
    if style == "trail":
        return text + "-"
    return "-" + text


def fmt_date(day: dt.date, style: str) -> str:
    """Print a date: mdy 01/05/2025, mdy2 01/05/25, md 01/05, mon_d Jan 05, long January 5, 2025,
    mon_d_y Jan 5, 2025, dmy_mon 05 Jan 2025, otherwise ISO 2025-01-05."""
    if style == "mdy":
        return day.strftime("%m/%d/%Y")
    if style == "mdy2":
        return day.strftime("%m/%d/%y")
    if style == "md":
        return day.strftime("%m/%d")
    if style == "mon_d":
        return day.strftime("%b %d")
    if style == "long":
        return f"{day:%B} {day.day}, {day.year}"
    if style == "mon_d_y":
        return f"{day:%b} {day.day}, {day.year}"
    if style == "dmy_mon":
        return day.strftime("%d %b %Y")
    return day.isoformat()


def mask_account(number: str, style: int) -> str:
    """An account number masked to its last four digits in one of several bank styles."""
    last4 = number[-4:]
    return (f"XXXXXX{last4}", f"****{last4}", f"xxxx-xxxx-{last4}", f"...{last4}", f"Ending in {last4}")[
        style % 5
    ]


def fit(c: Canvas, text: str, font: str, size: float, width: float) -> str:
    """`text` cut (with an ellipsis-free trim) so it fits `width` points."""
    while text and c.stringWidth(text, font, size) > width:
        text = text[:-1]
    return text


class Pager:
    """Tracks the writing position and starts a new page (with its header) when a block does not fit.

    `header(canvas, page_number)` draws a page's top and returns the y where content starts;
    `footer(canvas, page_number)` draws its bottom.
    """

    def __init__(
        self,
        c: Canvas,
        header: Callable[[Canvas, int], float],
        footer: Callable[[Canvas, int], None],
        bottom: float = 64,
    ) -> None:
        self.c, self.header, self.footer, self.bottom = c, header, footer, bottom
        self.page = 1
        self.y = header(c, 1)

    def ensure(self, height: float) -> bool:
        """Make room for `height` points; True when a new page was started."""
        if self.y - height >= self.bottom:
            return False
        self.footer(self.c, self.page)
        self.c.showPage()
        self.page += 1
        self.y = self.header(self.c, self.page)
        return True

    def finish(self) -> int:
        """Close the last page; returns the page count."""
        self.footer(self.c, self.page)
        self.c.showPage()
        return self.page


def two_pass(render: Callable[[int | None], tuple[bytes, int]]) -> tuple[bytes, int]:
    """Render once to count pages, then again with the total known ("Page 2 of 3")."""
    _, pages = render(None)
    return render(pages)
