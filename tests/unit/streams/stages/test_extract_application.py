"""ISO application forms of different layouts -> merchant, funding and owner fields."""

from __future__ import annotations

import pytest

from streams.stages.extract.iso_application import application_grammar, extract_application
from streams.stages.extract.lines import Line, find_labels
from streams.stages.text import DocumentText
from tests.unit.streams.stages.textdoc_factory import document_factory, page_factory

LABEL_COLUMN_FORM = [
    "MERCHANT APPLICATION",
    "Business Information",
    "Corporate Name | Acme Widgets LLC",
    "Trade Name | Acme Shop",
    "Federal Tax ID | 12-3456789",
    "Business Address | 100 Main St, Springfield, IL 62701",
    "Business Phone | (217) 555-0100",
    "Email | office@acme.test",
    "Type of Business | Retail",
    "Date Established | 03/15/2012",
    "Entity Type | LLC",
    "Annual Sales | $1,200,000",
    "Funding Request",
    "Amount Requested | $75,000.00",
    "Use of Funds | Inventory",
    "Owner 1 Information",
    "Full Name | Jane Q. Public",
    "SSN | 123-45-6789",
    "Date of Birth | 07/04/1980",
    "Home Address | 9 Elm Rd, Springfield, IL 62702",
    "Ownership % | 60%",
    "Phone | 217-555-0199",
    "Email | jane@example.test",
    "Owner 2 Information",
    "Full Name | John Doe",
    "SSN | 234-56-7890",
    "Ownership % | 40",
]

GRID_FORM = [
    "BUSINESS INFORMATION",
    "BUSINESS LEGAL NAME | @0.59 DBA NAME",
    "Acme Widgets LLC | @0.59 Acme Shop",
    "EIN | @0.33 LEGAL ENTITY | @0.59 BUSINESS START DATE",
    "123456789 | @0.33 Corporation | @0.59 Mar 15, 2012",
    "BUSINESS ADDRESS",
    "100 Main St",
    "CITY | @0.46 STATE | @0.64 ZIP",
    "Springfield | @0.46 IL | @0.64 62701",
    "OWNER 1",
    "OWNER NAME | @0.50 OWNERSHIP % | @0.68 DOB",
    "Jane Q. Public | @0.50 100 % | @0.68 Jul 4, 1980",
    "SSN | @0.37 CELL | @0.64 OWNER EMAIL",
    "123-45-6789 | @0.37 2175550199 | @0.64 jane@example.test",
]

INLINE_FORM = [
    "BUSINESS INFORMATION",
    "Legal Business Name: Acme Widgets LLC",
    "DBA: N/A",
    "Tax ID #: 12-3456789",
    "Street Address: 100 Main St",
    "City: Springfield State: IL Zip Code: 62701",
    "Business Phone #: +1 217 555 0100",
    "FUNDING REQUEST",
    "Funding Amount: 75,000.00",
    "Purpose: Equipment purchase",
    "OWNER / GUARANTOR #1",
    "Owner Name: Jane Q. Public",
    "Social Security Number: 123456789",
    "Birth Date: 1980-07-04",
    "% Ownership: 60%",
]


def values(fields):
    return {k: v.value for k, v in fields.items()}


def test_label_column_form_gives_every_field():
    app = extract_application(document_factory(LABEL_COLUMN_FORM))
    assert values(app.merchant) == {
        "legal_name": "Acme Widgets LLC",
        "dba_name": "Acme Shop",
        "ein": "12-3456789",
        "address.street": "100 Main St",
        "address.city": "Springfield",
        "address.state": "IL",
        "address.zip": "62701",
        "phone": "+12175550100",
        "email": "office@acme.test",
        "industry": "Retail",
        "business_start_date": "2012-03-15",
        "entity_type": "LLC",
        "annual_revenue": "1200000.00",
    }
    assert values(app.funding) == {"amount_requested": "75000.00", "use_of_funds": "Inventory"}
    first, second = app.owners
    assert values(first) == {
        "name": "Jane Q. Public",
        "ssn": "123-45-6789",
        "date_of_birth": "1980-07-04",
        "address.street": "9 Elm Rd",
        "address.city": "Springfield",
        "address.state": "IL",
        "address.zip": "62702",
        "ownership_pct": "60.00",
        "phone": "+12175550199",
        "email": "jane@example.test",
    }
    assert values(second) == {"name": "John Doe", "ssn": "234-56-7890", "ownership_pct": "40.00"}


def test_generic_phone_and_email_follow_their_section():
    app = extract_application(document_factory(LABEL_COLUMN_FORM))
    assert app.merchant["email"].value == "office@acme.test"
    assert app.owners[0]["email"].value == "jane@example.test"


def test_grid_form_reads_values_under_their_labels():
    app = extract_application(document_factory(GRID_FORM))
    assert values(app.merchant) == {
        "legal_name": "Acme Widgets LLC",
        "dba_name": "Acme Shop",
        "ein": "12-3456789",
        "entity_type": "Corporation",
        "business_start_date": "2012-03-15",
        "address.street": "100 Main St",
        "address.city": "Springfield",
        "address.state": "IL",
        "address.zip": "62701",
    }
    assert values(app.owners[0]) == {
        "name": "Jane Q. Public",
        "ownership_pct": "100.00",
        "date_of_birth": "1980-07-04",
        "ssn": "123-45-6789",
        "phone": "+12175550199",
        "email": "jane@example.test",
    }


def test_inline_colon_form_splits_several_labels_on_one_line():
    app = extract_application(document_factory(INLINE_FORM))
    merchant = values(app.merchant)
    assert merchant["address.city"] == "Springfield"
    assert merchant["address.state"] == "IL"
    assert merchant["address.zip"] == "62701"
    assert merchant["ein"] == "12-3456789"
    assert "dba_name" not in merchant  # "N/A" means no DBA
    assert values(app.funding) == {"amount_requested": "75000.00", "use_of_funds": "Equipment purchase"}
    assert values(app.owners[0])["ssn"] == "123-45-6789"


def test_every_value_carries_page_box_confidence_and_label():
    app = extract_application(document_factory(LABEL_COLUMN_FORM, confidence=0.8))
    ein = app.merchant["ein"]
    assert ein.page == 1
    assert ein.label == "Federal Tax ID"
    assert ein.confidence == pytest.approx(0.8)
    assert ein.box is not None and 0.38 <= ein.box.x0 < 0.39


def test_owners_on_a_second_page_continue_the_list():
    pages = [LABEL_COLUMN_FORM[:23], ["Owner 2 Information", "Full Name | John Doe", "SSN | 234-56-7890"]]
    app = extract_application(document_factory(*pages))
    assert [o["name"].value for o in app.owners] == ["Jane Q. Public", "John Doe"]
    assert app.owners[1]["ssn"].page == 2


def test_a_repeated_owner_field_without_heading_starts_a_new_owner():
    rows = ["Owner Name | Jane Q. Public", "SSN | 123-45-6789", "Owner Name | John Doe", "SSN | 234-56-7890"]
    app = extract_application(document_factory(rows))
    assert [o["ssn"].value for o in app.owners] == ["123-45-6789", "234-56-7890"]


def test_an_ocr_slip_in_a_label_still_finds_it_with_less_confidence():
    rows = ["Busness Legal Name | Acme Widgets LLC", "EIN | 12-3456789"]
    app = extract_application(document_factory(rows))
    assert app.merchant["legal_name"].value == "Acme Widgets LLC"
    assert app.merchant["legal_name"].confidence < 1.0


def test_invalid_ein_is_kept_but_marked_invalid():
    app = extract_application(document_factory(["EIN | 07-1234567"]))
    assert app.merchant["ein"].value == "07-1234567"
    assert not app.merchant["ein"].valid


def test_words_inside_a_value_are_not_taken_for_labels():
    app = extract_application(document_factory(["Legal Name | City State Auto Repair LLC"]))
    assert app.merchant["legal_name"].value == "City State Auto Repair LLC"
    assert "address.city" not in app.merchant


def test_acroform_values_fill_fields_of_fillable_forms():
    document = DocumentText(
        (page_factory([]),),
        {
            "LegalName": "Acme Widgets LLC",
            "EIN": "12-3456789",
            "Owner1_SSN": "123-45-6789",
            "owner1 name": "Jane Q. Public",
        },
    )
    app = extract_application(document)
    assert app.merchant["legal_name"].value == "Acme Widgets LLC"
    assert app.merchant["ein"].value == "12-3456789"
    assert app.owners[0]["ssn"].value == "123-45-6789"


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("Legal Name", "merchant.legal_name"),
        ("Corporate Name", "merchant.legal_name"),
        ("Business Legal Name", "merchant.legal_name"),
        ("DBA", "merchant.dba_name"),
        ("Trade Name", "merchant.dba_name"),
        ("Doing Business As (DBA)", "merchant.dba_name"),
        ("Tax ID #", "merchant.ein"),
        ("Federal Tax ID", "merchant.ein"),
        ("EIN", "merchant.ein"),
        ("Social Security Number", "owner.ssn"),
        ("DOB", "owner.date_of_birth"),
        ("% Ownership", "owner.ownership_pct"),
        ("Use of Proceeds", "funding.use_of_funds"),
    ],
)
def test_label_synonyms_are_found_in_the_data(label, key):
    page = page_factory([f"{label} | value"])
    line = Line(1, page.words, page.width_pt, page.height_pt)
    hits = find_labels(line, 0, application_grammar().vocabulary)
    assert hits and hits[0].key == key


def test_a_remark_in_brackets_belongs_to_its_label():
    app = extract_application(
        document_factory(["Federal Tax ID (EIN) | 12-3456789", "DBA (if any) | Acme Shop"])
    )
    assert values(app.merchant) == {"ein": "12-3456789", "dba_name": "Acme Shop"}


def test_owner_n_of_m_headings_open_owner_sections():
    rows = [
        "OWNER 1 OF 2",
        "Full Name: Jane Q. Public",
        "Phone: 217-555-0199",
        "OWNER 2 OF 2",
        "Full Name: John Doe",
        "Phone: 217-555-0142",
    ]
    app = extract_application(document_factory(["Legal Name | Acme Widgets LLC"] + rows))
    assert [(o["name"].value, o["phone"].value) for o in app.owners] == [
        ("Jane Q. Public", "+12175550199"),
        ("John Doe", "+12175550142"),
    ]
    assert "phone" not in app.merchant


def test_a_second_bare_name_is_an_owner_when_the_owner_heading_was_unreadable():
    rows = [
        "Legal Name | Acme Widgets LLC",
        "Amount Requested | $5,000",
        "cwnr 1 vores uation",
        "Full Name | Jane Q. Public",
        "SSN | 123-45-6789",
    ]
    app = extract_application(document_factory(rows, confidence=0.9))
    assert app.merchant["legal_name"].value == "Acme Widgets LLC"
    assert values(app.owners[0]) == {"name": "Jane Q. Public", "ssn": "123-45-6789"}


def test_box_rules_read_as_bars_neither_hide_labels_nor_join_values():
    rows = [
        "@0.06 [ | @0.07 Requested Amount | @0.37 [ | @0.38 20000",
        "@0.06 [ | @0.07 Use of Funds | @0.38 [ Expansion",
    ]
    app = extract_application(document_factory(rows, confidence=0.9))
    assert values(app.funding) == {"amount_requested": "20000.00", "use_of_funds": "Expansion"}


def test_ocr_letter_for_digit_slips_are_undone_in_number_fields():
    app = extract_application(document_factory(["Business Phone | §129516251", "EIN | 12-34S6789"]))
    assert (app.merchant["phone"].value, app.merchant["ein"].value) == ("+15129516251", "12-3456789")


def test_acroform_owners_are_numbered_in_order_of_appearance_whatever_the_suffix():
    fields = {
        "CompanyLegalName": "Acme Widgets LLC",
        "FullName_2": "Jane Q. Public",
        "SocialSecurity_2": "123 45 6789",
        "FullName_3": "John Doe",
        "Dob_3": "07/04/1980",
    }
    app = extract_application(DocumentText((page_factory([]),), fields))
    assert [values(o) for o in app.owners] == [
        {"name": "Jane Q. Public", "ssn": "123-45-6789"},
        {"name": "John Doe", "date_of_birth": "1980-07-04"},
    ]


def test_a_label_written_with_a_slash_is_found_word_by_word():
    rows = [
        "Legal/Corporate Name | Acme Widgets LLC",
        "DBA/Trade Name | Acme Shop",
        "OWNER 1 OF 1",
        "OWNER/PRINCIPAL | @0.65 TITLE",
        "Jane Q. Public | @0.65 President",
        "SSN | 123-45-6789",
    ]
    app = extract_application(document_factory(rows))
    assert values(app.merchant) == {"legal_name": "Acme Widgets LLC", "dba_name": "Acme Shop"}
    assert values(app.owners[0]) == {"name": "Jane Q. Public", "ssn": "123-45-6789"}


def test_a_label_is_whole_words_not_the_start_of_a_slashed_word():
    page = page_factory(["Owner/Title | Jane"])
    line = Line(1, page.words, page.width_pt, page.height_pt)
    assert find_labels(line, 0, application_grammar().vocabulary) == []


def test_a_heading_that_is_also_a_label_opens_its_section_and_labels_the_value_below():
    rows = ["Legal Name | Acme Widgets LLC", "Owner / Principal", "Jane Q. Public", "SSN | 123-45-6789"]
    app = extract_application(document_factory(rows))
    assert values(app.owners[0]) == {"name": "Jane Q. Public", "ssn": "123-45-6789"}
    assert app.merchant["legal_name"].value == "Acme Widgets LLC"


def test_a_modifier_before_a_label_keeps_the_label_and_bounds_the_column_to_its_left():
    rows = [
        "LEGAL NAME",
        "Acme Widgets LLC",
        "STATE | @0.36 ZIP CODE | @0.65 MAIN PHONE #",
        "TX | @0.37 75284 | @0.66 (214) 790-8100",
        "PRIMARY CONTACT EMAIL",
        "office@acme.test",
    ]
    app = extract_application(document_factory(rows))
    assert values(app.merchant) == {
        "legal_name": "Acme Widgets LLC",
        "address.state": "TX",
        "address.zip": "75284",
        "phone": "+12147908100",
        "email": "office@acme.test",
    }


def test_a_contact_name_is_not_the_business_name():
    rows = ["Contact Name | Jane Q. Public", "Legal Name | Acme Widgets LLC"]
    app = extract_application(document_factory(rows))
    assert app.merchant["legal_name"].value == "Acme Widgets LLC"


def test_a_fillable_form_shown_as_words_and_as_fields_lists_each_owner_once():
    rows = [
        "Legal Name | Acme Widgets LLC",
        "Owner Information",
        "Principal Name | Jane Q. Public",
        "SSN | 123 45 6789",
        "Percent Owned | 100",
    ]
    page = page_factory(rows)
    fields = {"LegalName": "Acme Widgets LLC", "PrincipalName": "Jane Q. Public", "SSN": "123456789",
              "PercentOwned": "100"}
    app = extract_application(DocumentText((page,), fields))
    assert len(app.owners) == 1
    expected = {"name": "Jane Q. Public", "ssn": "123-45-6789", "ownership_pct": "100.00"}
    assert values(app.owners[0]) == expected


def test_form_fields_fill_what_a_scanned_fillable_form_does_not_show():
    page = page_factory(["Legal Name | Acme Widgets LLC"], source="ocr")
    app = extract_application(DocumentText((page,), {"FEIN": "12-3456789", "BusinessCity": "Springfield"}))
    assert values(app.merchant) == {
        "legal_name": "Acme Widgets LLC", "ein": "12-3456789", "address.city": "Springfield"
    }


def test_labels_read_run_together_by_an_ocr_engine_are_still_labels():
    rows = [
        "Legal/CorporateName",
        "Acme Widgets LLC",
        "TypeofEntity | @0.50 AmountRequested",
        "LLC | @0.50 $75,000.00",
        "Owner/GuarantorInformation",
        "Owner/Principal",
        "Veronica Anderson",
        "HomeAddress",
        "2610 Pine Blvd, Orlando, FL32843",
    ]
    app = extract_application(document_factory(rows, source="ocr"))
    assert values(app.merchant) == {"legal_name": "Acme Widgets LLC", "entity_type": "LLC"}
    assert values(app.funding) == {"amount_requested": "75000.00"}
    assert values(app.owners[0]) == {
        "name": "Veronica Anderson",
        "address.street": "2610 Pine Blvd",
        "address.city": "Orlando",
        "address.state": "FL",
        "address.zip": "32843",
    }


def test_an_address_whose_words_ran_together_is_split_at_number_word_boundaries():
    rows = ["Business Address | 24368Bayview Ave Ste 316, Orlando, FL32843"]
    app = extract_application(document_factory(rows))
    assert values(app.merchant) == {
        "address.street": "24368 Bayview Ave Ste 316",
        "address.city": "Orlando",
        "address.state": "FL",
        "address.zip": "32843",
    }
