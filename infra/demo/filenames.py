"""File names brokers give attachments: tidy, scanner-made, phone-made, bank-made, Spanish, all caps."""

from __future__ import annotations

import datetime as dt
import random
import re

MONTHS_ES = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
)


def _tidy(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")


def application_name(rng: random.Random, trade: str) -> str:
    """A file name for the ISO application."""
    return rng.choice(
        (
            f"{trade} Application.pdf",
            f"{_tidy(trade)}_Funding_Application.pdf",
            "application_signed.pdf",
            f"MCA Application \u2013 {trade}.pdf",
            "APP.pdf",
            "Merchant App.pdf",
            "Solicitud de financiamiento.pdf",
            f"{_tidy(trade)}-app-signed.pdf",
            "scan0001.pdf",
            f"Completed App ({trade}).pdf",
        )
    )


def statement_name(rng: random.Random, period_end: dt.date, trade: str, bank: str, last4: str) -> str:
    """A file name for one monthly statement."""
    month = period_end.strftime("%B")
    return rng.choice(
        (
            f"{month} {period_end.year} statement.pdf",
            f"Statement {period_end:%m-%Y}.pdf",
            f"{_tidy(bank.split()[0])}_{period_end:%Y%m%d}.pdf",
            f"Bank Stmt {period_end:%b %Y}.pdf",
            f"{last4}_{period_end:%Y-%m}.pdf",
            f"Extracto bancario {MONTHS_ES[period_end.month - 1]} {period_end.year}.pdf",
            f"{trade} - {month} bank statement.pdf",
            f"{month.upper()}.pdf",
            f"stmt{period_end:%m%y}.pdf",
            f"Business Checking {period_end:%m.%d.%y}.pdf",
        )
    )


def check_name(rng: random.Random, kind: str, trade: str, day: dt.date) -> str:
    """A file name for the voided check, by how it was captured."""
    ext = {"png": ".png", "jpeg": ".jpg", "photo": ".jpg", "pdf": ".pdf"}[kind]
    if kind == "photo":
        return rng.choice(
            (
                f"IMG_{rng.randint(1000, 9999)}.JPG",
                f"PXL_{day:%Y%m%d}_{rng.randrange(10**9):09d}.jpg",
                "voided check.jpg",
                f"photo_{day:%Y-%m-%d}.jpeg",
            )
        )
    return rng.choice(
        (
            f"voided_check{ext}",
            f"VOID{ext.upper()}",
            f"Voided Check - {trade}{ext}",
            f"vc_{_tidy(trade).lower()}{ext}",
            f"check{ext}",
            f"Scan_{day:%Y%m%d}{ext}",
        )
    )


def unique(name: str, taken: set[str]) -> str:
    """`name`, or `name (2)` etc. when another attachment of the message already has it (case-insensitive)."""
    stem, dot, ext = name.rpartition(".")
    candidate, n = name, 2
    while candidate.lower() in taken:
        candidate = f"{stem} ({n}).{ext}" if dot else f"{name} ({n})"
        n += 1
    taken.add(candidate.lower())
    return candidate
