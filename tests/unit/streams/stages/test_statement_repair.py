"""OCR slips on scanned statement lines are undone before the rows are parsed; text layers are not."""

from __future__ import annotations

from streams.stages.extract.bank_statement import extract_statement, without_logo_marks
from streams.stages.extract.statement_repair import repaired_date
from streams.stages.text import Box, Word
from tests.unit.streams.stages.test_extract_statement import SECTIONS, values
from tests.unit.streams.stages.textdoc_factory import document_factory


def words(text: str) -> tuple[Word, ...]:
    return tuple(Word(t, Box(0.1 * i, 0.1, 0.1 * i + 0.05, 0.12), 0.9) for i, t in enumerate(text.split()))


def text(found: tuple[Word, ...]) -> str:
    return " ".join(w.text for w in found)


def test_a_day_read_as_look_alike_letters_becomes_digits():
    assert text(repaired_date(words("Apr ot CARD DEP 1,679.10"))) == "Apr 01 CARD DEP 1,679.10"
    assert text(repaired_date(words("Apr is CARD DEP 91.81"))) == "Apr 15 CARD DEP 91.81"


def test_a_day_run_into_its_month_is_parted_from_it():
    assert text(repaired_date(words("Apri2 CARD DEP 10.00"))) == "Apr 12 CARD DEP 10.00"
    assert text(repaired_date(words("Apr10 CARD DEP 10.00"))) == "Apr 10 CARD DEP 10.00"


def test_one_glued_character_may_be_half_a_day_and_is_left_alone():
    assert text(repaired_date(words("Apri CARD DEP 10.00"))) == "Apri CARD DEP 10.00"


def test_a_month_one_letter_off_is_spelled_right_only_when_no_other_month_is_as_close():
    assert text(repaired_date(words("Aor 03 FOODS ACH 950.48"))) == "Apr 03 FOODS ACH 950.48"
    assert text(repaired_date(words("DEP 03 FOODS 950.48"))) == "DEP 03 FOODS 950.48"  # Dec? Sep?


def scanned_sections(replacements: dict[str, str]):
    rows = [replacements.get(r, r) for r in SECTIONS]
    return document_factory(rows, confidence=0.9, source="ocr")


def test_a_heading_with_a_stray_rule_mark_still_opens_its_section():
    statement = extract_statement(scanned_sections({"ELECTRONIC WITHDRAWALS": "| ELECTRONIC WITHDRAWALS 1"}))
    assert values(statement)["total_withdrawals"] == "450.00"
    assert statement.reconciled


def test_a_heading_whose_first_letters_were_cropped_still_opens_its_section():
    statement = extract_statement(scanned_sections({"ELECTRONIC WITHDRAWALS": "LECTRONIC WITHDRAWALS"}))
    assert values(statement)["total_withdrawals"] == "450.00"


def test_a_lost_minus_is_found_by_the_printed_totals():
    rows = [
        "Beginning balance | @0.47 1,000.00",
        "Deposits and other additions | @0.47 500.00",
        "Withdrawals and other subtractions | @0.46 400.00-",
        "Ending balance | @0.47 1,100.00",
        "Date | @0.15 Description | @0.85 Amount",
        "08/01 | @0.15 CARD DEPOSIT | @0.86 500.00",
        "08/02 | @0.15 EMPIRE FOODS ACH PPD | @0.86 400.00",  # printed -400.00: OCR lost the minus
        "Statement period: 08/01/2024 - 08/31/2024",
    ]
    statement = extract_statement(document_factory(rows, confidence=0.9, source="ocr"))
    got = values(statement)
    assert (got["total_deposits"], got["total_withdrawals"]) == ("500.00", "400.00")
    assert statement.reconciled


def test_text_layer_signs_are_never_turned_over():
    rows = [
        "Beginning balance | @0.47 1,000.00",
        "Deposits and other additions | @0.47 500.00",
        "Withdrawals and other subtractions | @0.46 400.00-",
        "Ending balance | @0.47 1,100.00",
        "Date | @0.15 Description | @0.85 Amount",
        "08/01 | @0.15 CARD DEPOSIT | @0.86 500.00",
        "08/02 | @0.15 EMPIRE FOODS ACH PPD | @0.86 400.00",
    ]
    assert not extract_statement(document_factory(rows)).reconciled


def test_a_logo_read_as_letters_is_not_part_of_the_bank_name():
    def name(line: str) -> str:
        return text(tuple(without_logo_marks(list(words(line)))))

    assert name("GPB Granite Peak Bank") == "Granite Peak Bank"  # a monogram of the initials
    assert name("aid Pacific Crest Bank") == "Pacific Crest Bank"
    assert name("A Cumberland Valley Bank") == "Cumberland Valley Bank"
    assert name("BMO Harris Bank") == "BMO Harris Bank"
    assert name("TD Bank") == "TD Bank"


def test_a_period_end_with_a_misread_year_takes_the_year_of_its_start():
    import datetime as dt

    from streams.stages.extract.bank_statement import repaired_period_end

    start = dt.date(2024, 6, 1)
    assert repaired_period_end(start, dt.date(2004, 6, 30)) == dt.date(2024, 6, 30)
    assert repaired_period_end(dt.date(2024, 12, 1), dt.date(2004, 1, 1)) == dt.date(2025, 1, 1)
    assert repaired_period_end(start, dt.date(2024, 6, 30)) == dt.date(2024, 6, 30)


def test_an_ocr_row_dated_outside_the_period_takes_the_date_before_it():
    rows = [
        "Statement period: 05/01/2024 - 05/31/2024",
        "Beginning balance | @0.47 1,000.00",
        "Ending balance | @0.47 1,000.00",
        "Date | @0.15 Description | @0.85 Amount | @0.93 Balance",
        "05/07/24 | @0.15 CARD DEPOSIT | @0.86 100.00 | @0.94 1,100.00",
        "08/07/24 | @0.15 ACH PMT FOODS | @0.86 -150.00 | @0.94 950.00",  # 05 read as 08
        "05/09/24 | @0.15 CARD DEPOSIT | @0.86 50.00 | @0.94 1,000.00",
    ]
    statement = extract_statement(document_factory(rows, confidence=0.9, source="ocr"))
    assert [r.date.isoformat() for r in statement.transactions] == ["2024-05-07", "2024-05-07", "2024-05-09"]


def test_a_period_whose_end_was_cut_off_from_the_first_of_a_month_is_that_month():
    rows = [
        "Statement period: 07/01/2024 - 07,",
        "Beginning balance | @0.47 1,000.00",
        "Ending balance | @0.47 1,100.00",
        "Date | @0.15 Description | @0.85 Amount | @0.93 Balance",
        "Jul 07 | @0.15 CARD DEPOSIT | @0.86 100.00 | @0.94 1,100.00",
    ]
    got = values(extract_statement(document_factory(rows, confidence=0.9, source="ocr")))
    assert (got["period_start"], got["period_end"]) == ("2024-07-01", "2024-07-31")


def test_a_row_without_a_balance_that_lost_its_minus_is_found_by_the_next_printed_balance():
    rows = [
        "Statement period: 05/01/2024 - 05/31/2024",
        "Beginning balance | @0.47 1,000.00",
        "Ending balance | @0.47 1,050.00",
        "Date | @0.15 Description | @0.85 Amount | @0.93 Balance",
        "05/07/24 | @0.15 CARD DEPOSIT | @0.86 100.00 | @0.94 1,100.00",
        "05/08/24 | @0.15 WAGE PMT PPD | @0.86 150.00",  # printed -150.00, its balance cut off
        "05/09/24 | @0.15 CARD DEPOSIT | @0.86 100.00 | @0.94 1,050.00",
    ]
    statement = extract_statement(document_factory(rows, confidence=0.9, source="ocr"))
    assert [str(r.amount) for r in statement.transactions] == ["100.00", "-150.00", "100.00"]
    assert statement.reconciled


def test_punctuation_ocr_put_after_an_amount_or_a_date_is_no_part_of_it():
    import datetime as dt

    from streams.stages.extract.row_dates import row_date
    from streams.stages.extract.transaction_row import money_text

    scanned_word = words("2,205.65,")[0]
    assert money_text(scanned_word) == "2,205.65"
    assert money_text(words("~457.56")[0]) == "-457.56"  # a minus read as a tilde
    assert money_text(Word("2,205.65,", scanned_word.box, 1.0)) is None  # a text layer prints what it means
    assert row_date(words("01/01/25. CARD"), lambda m, d: None)[0] == dt.date(2025, 1, 1)


def test_a_summary_amount_with_a_comma_read_after_it_is_still_the_printed_total():
    rows = [
        "Statement period: 05/01/2024 - 05/31/2024",
        "Beginning balance | @0.47 1,000.00,",
        "Ending balance | @0.47 1,100.00",
        "Date | @0.15 Description | @0.85 Amount | @0.93 Balance",
        "05/07/24 | @0.15 CARD DEPOSIT | @0.86 100.00, | @0.94 1,100.00",
    ]
    statement = extract_statement(document_factory(rows, confidence=0.9, source="ocr"))
    assert values(statement)["beginning_balance"] == "1000.00"
    assert statement.reconciled


def test_a_bank_name_ocr_garbled_on_one_page_is_read_from_the_pages_that_repeat_it():
    def statement(*names: str):
        pages = [
            [f"{name} | @0.56 Account Number ****8013 | @0.86 Page {i + 1}", "Statement Period 01/01/2025"]
            for i, name in enumerate(names)
        ]
        return extract_statement(document_factory(*pages, confidence=0.9, source="ocr"))

    right = "First Meridian Bank"
    assert values(statement("First Meri ian Bank", right))["bank_name"] == right  # a letter lost
    assert values(statement("Bank", right))["bank_name"] == right  # words lost to a logo
    assert values(statement("Frst Bank", "Fist Bank", "Frst Bank"))["bank_name"] == "Frst Bank"  # most pages


CROPPED = [
    "Statement period: 09/01/2024 - 09/30/2024",
    "Beginning balance | @0.47 1,000.00",
    "Ending balance | @0.47 1,040.00",
    "Date | @0.15 Description | @0.85 Amount | @0.93 Balance",
    "@0.07 09/13 | @0.15 CARD DEPOSIT | @0.86 10.00 | @0.94 1,010.00",
    "@0.09 v4 | @0.15 CARD DEPOSIT | @0.86 10.00 | @0.94 1,020.00",
    "@0.10 6 | @0.15 CARD DEPOSIT | @0.86 10.00 | @0.94 1,030.00",
    "@0.07 09/19 | @0.15 CARD DEPOSIT | @0.86 10.00 | @0.94 1,040.00",
]


def test_a_row_date_cut_off_at_the_page_edge_is_the_one_day_between_its_neighbours_ending_so():
    statement = extract_statement(document_factory(CROPPED, confidence=0.9, source="ocr"))
    assert [r.date.day for r in statement.transactions] == [13, 14, 16, 19]


def test_a_cut_off_date_that_fits_two_days_or_sits_outside_the_date_column_is_not_guessed():
    def days(rows: list[str]) -> list[int]:
        statement = extract_statement(document_factory(rows, confidence=0.9, source="ocr"))
        return [r.date.day for r in statement.transactions]

    # before the 28th, 14 and 24 both end in 4, 16 and 26 in 6: the rows keep the date above them
    assert days([r.replace("09/19", "09/28") for r in CROPPED]) == [13, 13, 13, 28]
    assert days([r.replace("@0.10 6 |", "@0.30 6 |") for r in CROPPED]) == [13, 14, 14, 19]


def test_a_row_date_that_lost_its_slash_is_read_when_it_lies_between_its_neighbours():
    rows = [r.replace("@0.09 v4", "@0.07 0914").replace("@0.10 6 |", "@0.07 091s |") for r in CROPPED]
    statement = extract_statement(document_factory(rows, confidence=0.9, source="ocr"))
    assert [r.date.day for r in statement.transactions] == [13, 14, 15, 19]


def test_a_bank_name_word_with_descenders_is_still_part_of_the_name():
    from streams.stages.text import DocumentText, PageText

    def word(text: str, x0: float, x1: float, y0: float, y1: float) -> Word:
        return Word(text, Box(x0, y0, x1, y1), 0.95, 0)

    name = [
        word("CSB", 0.072, 0.101, 0.051, 0.059),  # the logo's monogram
        word("Copper", 0.122, 0.205, 0.047, 0.070),  # its "pp" reach below the line
        word("State", 0.214, 0.272, 0.049, 0.064),
        word("Bank", 0.282, 0.340, 0.049, 0.064),
        word("Account", 0.588, 0.642, 0.048, 0.056),
    ]
    page = PageText(1, 612.0, 792.0, tuple(name), "ocr")
    assert values(extract_statement(DocumentText((page,))))["bank_name"] == "Copper State Bank"


def test_a_row_dated_outside_the_period_keeps_its_day_when_one_day_between_its_neighbours_has_it():
    rows = [
        "Statement period: 05/01/2024 - 05/31/2024",
        "Beginning balance | @0.47 1,000.00",
        "Date | @0.15 Description | @0.85 Amount | @0.93 Balance",
        "05/07/24 | @0.15 CARD DEPOSIT | @0.86 100.00 | @0.94 1,100.00",
        "08/08/24 | @0.15 ACH PMT FOODS | @0.86 -150.00 | @0.94 950.00",  # 05 read as 08
        "05/09/24 | @0.15 CARD DEPOSIT | @0.86 50.00 | @0.94 1,000.00",
    ]
    statement = extract_statement(document_factory(rows, confidence=0.9, source="ocr"))
    assert [r.date.day for r in statement.transactions] == [7, 8, 9]


def test_a_masked_account_number_put_on_another_line_than_its_label_still_gives_the_last_four():
    rows = [
        "STATEMENT OF ACCOUNT",
        "Silver Lake Credit Union | @0.80 ****3742",
        "@0.80 Account:",
        "Statement period: 05/01/2025 - 05/31/2025",
    ]
    statement = extract_statement(document_factory(rows, confidence=0.9, source="ocr"))
    assert values(statement)["account_last4"] == "3742"
