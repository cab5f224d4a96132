"""Bank statements with known transactions reconcile and give the README's figures."""

from __future__ import annotations

from streams.stages.extract.bank_statement import extract_statement
from streams.stages.extract.figures import is_nsf
from tests.unit.streams.stages.textdoc_factory import document_factory

HEADER = [
    "FIRST EXAMPLE BANK | @0.77 Business Checking Statement",
    "ACME WIDGETS LLC | @0.56 Account Number: XXXXXX4321",
    "100 MAIN ST | @0.56 Statement Period: 11/01/2024 - 11/30/2024",
    "ACCOUNT SUMMARY",
    "Beginning Balance | @0.48 100.00",
    "Deposits and Other Credits (2) | @0.48 735.00",
    "Withdrawals and Other Debits (2) | @0.48 -735.00",
    "Ending Balance | @0.48 100.00",
]
SIGNED_ROWS = [
    "DATE | @0.15 DESCRIPTION | @0.73 AMOUNT | @0.87 BALANCE",
    "11/04 | @0.15 CARD SETTLEMENT 1104 | @0.74 500.00 | @0.88 600.00",
    "11/05 | @0.15 RENT PAYMENT | @0.73 -700.00 | @0.88 -100.00",
    "11/05 | @0.15 NSF RETURNED ITEM FEE | @0.75 -35.00 | @0.88 -135.00",
    "11/07 | @0.15 MOBILE DEPOSIT | @0.74 235.00 | @0.88 100.00",
    "First Example Bank Member FDIC. Equal Housing Lender.",
]


def values(statement):
    return {k: v.value for k, v in statement.fields.items()}


def test_statement_with_known_transactions_gives_the_readme_figures():
    statement = extract_statement(document_factory(HEADER + SIGNED_ROWS))
    assert values(statement) == {
        "bank_name": "FIRST EXAMPLE BANK",  # as printed at the top
        "account_last4": "4321",
        "period_start": "2024-11-01",
        "period_end": "2024-11-30",
        "beginning_balance": "100.00",
        "ending_balance": "100.00",
        "total_deposits": "735.00",
        "deposit_count": 2,
        "total_withdrawals": "735.00",
        "nsf_count": 1,
        # 11/05 and 11/06 end below zero
        "negative_days": 2,
        # (3 x 100 + 600 + 2 x -135 + 24 x 100) / 30 calendar days
        "average_daily_balance": "101.00",
    }
    assert statement.reconciled


def test_credit_and_debit_columns_give_signs_by_column():
    rows = HEADER + [
        "Date | @0.15 Description | @0.64 Credits | @0.77 Debits | @0.89 Balance",
        "11/04/24 | @0.15 CARD SETTLEMENT | @0.64 500.00 | @0.88 600.00",
        "11/05/24 | @0.15 RENT PAYMENT | @0.77 700.00 | @0.88 (100.00)",
        "11/05/24 | @0.15 INSUFFICIENT FUNDS FEE | @0.77 35.00 | @0.88 (135.00)",
        "11/07/24 | @0.15 MOBILE DEPOSIT | @0.64 235.00 | @0.88 100.00",
    ]
    statement = extract_statement(document_factory(rows))
    got = values(statement)
    assert (got["total_deposits"], got["total_withdrawals"], got["nsf_count"]) == ("735.00", "735.00", 1)
    assert got["negative_days"] == 2
    assert statement.reconciled


def test_unsigned_amount_column_takes_its_sign_from_the_running_balance():
    rows = HEADER + [
        "DATE | @0.15 DESCRIPTION | @0.73 AMOUNT | @0.87 BALANCE",
        "11/04 | @0.15 CARD SETTLEMENT | @0.74 500.00 | @0.88 600.00",
        "11/05 | @0.15 RENT PAYMENT | @0.74 700.00 | @0.88 -100.00",
        "11/05 | @0.15 NSF FEE | @0.75 35.00 | @0.88 -135.00",
        "11/07 | @0.15 MOBILE DEPOSIT | @0.74 235.00 | @0.88 100.00",
    ]
    got = values(extract_statement(document_factory(rows)))
    assert (got["total_deposits"], got["deposit_count"], got["total_withdrawals"]) == ("735.00", 2, "735.00")


def test_rows_continue_over_pages_and_page_headers_are_not_rows():
    page_two = (
        ["ACME WIDGETS LLC | @0.25 Account XXXXXX4321 | @0.40 11/01/2024 - 11/30/2024"]
        + SIGNED_ROWS[:1]
        + ["11/07 | @0.15 MOBILE DEPOSIT | @0.74 235.00 | @0.88 100.00"]
    )
    statement = extract_statement(document_factory(HEADER + SIGNED_ROWS[:4], page_two))
    assert len(statement.transactions) == 4
    assert statement.reconciled


def test_statement_whose_balances_do_not_add_up_is_not_reconciled():
    tampered = [row.replace("235.00", "335.00", 1) if row.startswith("11/07") else row for row in SIGNED_ROWS]
    assert not extract_statement(document_factory(HEADER + tampered)).reconciled


def test_nsf_wordings():
    assert is_nsf("NSF FEE - ITEM RETURNED")
    assert is_nsf("INSUFFICIENT FUNDS FEE")
    assert is_nsf("RETURNED ITEM CHARGE")
    assert not is_nsf("RENT PAYMENT")


def test_period_with_through_and_month_names():
    rows = ["Example Bank", "Account ****9876", "For the period November 1, 2024 through November 30, 2024"]
    got = values(extract_statement(document_factory(rows + SIGNED_ROWS)))
    assert (got["period_start"], got["period_end"], got["account_last4"]) == (
        "2024-11-01",
        "2024-11-30",
        "9876",
    )


SECTIONS = [
    "EXAMPLE VALLEY BANK",
    "Account number: XXXXXX1360 | @0.86 Page 1 of 1",
    "@0.59 August 1, 2024 through",
    "940 MAIN ST | @0.59 August 31, 2024",
    "Beginning balance | @0.47 1,000.00",
    "Deposits and other additions | @0.47 700.00",
    "Withdrawals and other subtractions | @0.46 450.00-",
    "Ending balance | @0.47 1,250.00",
    "DEPOSITS AND OTHER ADDITIONS",
    "Aug 01 | @0.18 ELECTRONIC DEP MERCH 8712 | @0.88 500.00",
    "Aug 15 | @0.18 MOBILE CHECK DEPOSIT | @0.88 200.00",
    "@0.18 Total deposits and other additions | @0.86 $700.00",
    "ELECTRONIC WITHDRAWALS",
    "Aug 02 | @0.18 ACH DEBIT EXAMPLE CAP 1234 | @0.88 400.00",
    "SERVICE FEES",
    "Aug 31 | @0.18 SERVICE CHARGE | @0.88 50.00",
    "DAILY ENDING BALANCE",
    "Aug 01 | @0.26 1,500.00 | @0.37 Aug 02 | @0.56 1,100.00",
]


def test_statement_in_sections_without_column_headers_takes_signs_from_the_sections():
    statement = extract_statement(document_factory(SECTIONS))
    got = values(statement)
    assert (got["period_start"], got["period_end"]) == ("2024-08-01", "2024-08-31")
    assert (got["total_deposits"], got["deposit_count"], got["total_withdrawals"]) == ("700.00", 2, "450.00")
    assert len(statement.transactions) == 4  # the daily balance list is not transactions
    assert statement.reconciled


def test_horizontal_summary_with_values_under_labels():
    rows = [
        "Prairie Example Bank",
        "@0.79 Account: XXXXXX7638",
        "@0.67 Statement period: 08/01/2024 - 08/31/2024",
        "@0.12 Previous Balance | @0.34 Deposits/Credits | @0.55 Withdrawals/Debits | @0.79 New Balance",
        "@0.14 100.00 | @0.35 735.00 | @0.57 735.00 | @0.79 100.00",
        "Post Date | @0.18 Transaction Description | @0.73 Amount | @0.88 Balance",
        "Aug 04 | @0.18 CARD SETTLEMENT | @0.73 500.00 | @0.88 600.00",
        "Aug 05 | @0.18 RENT PAYMENT | @0.73 700.00- | @0.88 100.00-",
        "Aug 05 | @0.18 NSF RETURNED ITEM FEE | @0.74 35.00- | @0.88 135.00-",
        "Aug 07 | @0.18 MOBILE DEPOSIT | @0.73 235.00 | @0.88 100.00",
    ]
    statement = extract_statement(document_factory(rows))
    got = values(statement)
    assert (got["beginning_balance"], got["ending_balance"], got["nsf_count"]) == ("100.00", "100.00", 1)
    assert statement.reconciled


def test_ocr_misreads_are_settled_by_the_running_balance():
    rows = HEADER + [
        "DATE | @0.15 DESCRIPTION | @0.73 AMOUNT | @0.87 BALANCE",
        "O1/04 | @0.15 CARD SETTLEMENT | @0.74 500.00 | @0.88 6000.00",  # date 0 read as O, balance digit
        "11/05 | @0.15 RENT PAYMENT | @0.73 -7000.00 | @0.88 -100.00",  # amount digit too many
        "11/05 | @0.15 NSF RETURNED ITEM FEE | @0.75 -35.00 | @0.88 135.00",  # balance minus lost
        "11/07 | @0.15 MOBILE DEPOSIT | @0.74 235.00 | @0.88 100.00",
    ]
    statement = extract_statement(document_factory(rows, confidence=0.9))
    got = values(statement)
    assert (got["total_deposits"], got["total_withdrawals"], got["negative_days"]) == ("735.00", "735.00", 2)
    assert statement.reconciled


def test_text_layer_rows_are_never_repaired():
    rows = HEADER + [r.replace("-700.00", "-7000.00") for r in SIGNED_ROWS]
    assert not extract_statement(document_factory(rows)).reconciled


def test_a_later_page_whose_header_lost_its_money_columns_keeps_the_first_pages_columns():
    rows = HEADER + [
        "Date | @0.15 Description | @0.64 Credits | @0.77 Debits | @0.89 Balance",
        "11/04/24 | @0.15 CARD SETTLEMENT | @0.64 500.00 | @0.88 600.00",
        "11/05/24 | @0.15 RENT PAYMENT | @0.77 700.00 | @0.88 (100.00)",
    ]
    page_two = [
        "Date | @0.15 Description | @0.64 Cr3d1ts | @0.77 Dbts | @0.89 Bl",
        "11/05/24 | @0.15 INSUFFICIENT FUNDS FEE | @0.77 35.00 | @0.88 (135.00)",
        "11/07/24 | @0.15 MOBILE DEPOSIT | @0.64 235.00 | @0.88 100.00",
    ]
    statement = extract_statement(document_factory(rows, page_two))
    assert values(statement)["deposit_count"] == 2
    assert statement.reconciled
