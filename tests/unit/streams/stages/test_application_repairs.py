"""Scanned and oddly laid out application forms: the repairs that keep their values whole."""

from __future__ import annotations

from dataclasses import replace

from streams.stages.extract.fields import Field
from streams.stages.extract.iso_application import application_grammar, extract_application
from streams.stages.extract.lines import cut_word, document_lines, find_labels
from streams.stages.extract.merging import better
from streams.stages.extract.respacing import repair_state_before_zip, respace, runs_words_together
from streams.stages.text import Box, Word
from tests.unit.streams.stages.textdoc_factory import document_factory

GLUED_SCAN = [
    "BUSINESS INFORMATION",
    "Business Legal Name: | WellsEnterprises LLC",
    "Business Address: | 11533CanyonAve,Cleveland,0H44196",
    "Type of Business: | LiquorStore",
]


def test_words_an_ocr_engine_ran_together_get_their_spaces_back():
    assert respace("WellsEnterprises LLC", split_words=True) == "Wells Enterprises LLC"
    assert respace("BayouHVAC", split_words=True) == "Bayou HVAC"
    glued = "23064EParkRd,Minneapolis,MN55487"
    assert respace(glued, split_words=True) == "23064 E Park Rd, Minneapolis, MN 55487"
    assert respace("2057S Market Dr", split_words=True) == "2057 S Market Dr"


def test_names_with_inner_capitals_keep_their_shape():
    names = "McDonald MacArthur LaSalle DeShawn"
    assert respace(names, split_words=True) == names


def test_a_reading_without_the_habit_only_gets_a_space_after_a_comma():
    assert respace("BrightPath Cafe,Austin", split_words=False) == "BrightPath Cafe, Austin"


def test_a_reading_runs_words_together_only_on_repeated_evidence():
    assert not runs_words_together(["BrightPath", "Cafe", "Austin"])
    assert runs_words_together(["WellsEnterprises", "LLC", "11533CanyonAve,Cleveland"])


def test_a_state_code_read_with_a_look_alike_digit_is_repaired_before_the_zip():
    assert repair_state_before_zip("Cleveland, 0H44196") == "Cleveland, OH 44196"
    assert repair_state_before_zip("Chicago, 1L 60601") == "Chicago, IL 60601"
    assert repair_state_before_zip("Suite 12 62701") == "Suite 12 62701"  # "IZ" is no state
    assert repair_state_before_zip("Chicago, IL 60601") == "Chicago, IL 60601"
    assert repair_state_before_zip("Detroit, Ml 48290") == "Detroit, MI 48290"  # a lower-case l for an I


def test_a_state_code_ending_an_address_without_zip_is_repaired_only_after_a_comma():
    assert repair_state_before_zip("2415 Elm Ct, Grand Rapids, Ml") == "2415 Elm Ct, Grand Rapids, MI"
    assert repair_state_before_zip("100 Main St Apt 4l") == "100 Main St Apt 4l"


def test_a_scanned_form_that_runs_words_together_gives_spaced_values():
    app = extract_application(document_factory(GLUED_SCAN, confidence=0.9, source="ocr"))
    assert app.merchant["legal_name"].value == "Wells Enterprises LLC"
    assert app.merchant["industry"].value == "Liquor Store"
    assert app.merchant["address.street"].value == "11533 Canyon Ave"
    assert app.merchant["address.city"].value == "Cleveland"
    assert app.merchant["address.state"].value == "OH"
    assert app.merchant["address.zip"].value == "44196"


def test_a_text_layer_form_keeps_its_values_as_printed():
    app = extract_application(document_factory(GLUED_SCAN))
    assert app.merchant["legal_name"].value == "WellsEnterprises LLC"


def test_two_readings_differing_only_in_spaces_keep_the_spaced_one_as_sure_as_the_surer():
    glued, spaced = Field("WellsEnterprises LLC", 0.95), Field("Wells Enterprises LLC", 0.6)
    for first, second in ((glued, spaced), (spaced, glued)):
        kept = better(first, second)
        assert kept is not None and kept.value == "Wells Enterprises LLC" and kept.confidence == 0.95


def test_a_modifier_beyond_a_column_gap_ends_the_value_before_it():
    rows = ["Business Type | Dental | @0.452 Office | @0.6 Web Address | @0.75 www.smiles.test"]
    app = extract_application(document_factory(rows))
    assert app.merchant["industry"].value == "Dental Office"


def test_a_label_whose_last_word_was_cut_short_is_still_its_label():
    assert cut_word("emai", "email") and cut_word("addre", "address")
    assert not cut_word("em", "email") and not cut_word("email", "email") and not cut_word("mail", "email")
    rows = [
        "OWNER 1 OF 1",
        "Owner Name | Felicia Obrien",
        "Mobile Phone | 786-294-1829 | @0.5 Owner Emai | @0.7 fo@aol.test",
    ]
    owner = extract_application(document_factory(rows)).owners[0]
    assert owner["phone"].value == "+17862941829"
    assert owner["email"].value == "fo@aol.test"


def test_a_phone_followed_by_stray_words_is_still_read():
    rows = ["Business Phone | 305-693-8827 Ext Desk"]
    assert extract_application(document_factory(rows)).merchant["phone"].value == "+13056938827"


def test_an_email_whose_dot_was_read_as_a_word_stays_whole():
    rows = ["Business Email | contact@tree . test"]
    assert extract_application(document_factory(rows)).merchant["email"].value == "contact@tree.test"


def test_dots_between_thousands_are_thousands_separators_in_money():
    rows = ["Annual Revenue | $998.000.00", "Amount Requested | $75.000"]
    app = extract_application(document_factory(rows))
    assert app.merchant["annual_revenue"].value == "998000.00"
    assert app.funding["amount_requested"].value == "75000.00"


def test_a_value_row_word_that_is_an_ignored_label_stays_in_the_value():
    rows = ["Amount Requested", "$105,000.00", "Purpose of Funds", "Seasonal | @0.49 inventory"]
    app = extract_application(document_factory(rows, columns=(0.07,)))
    assert app.funding["use_of_funds"].value == "Seasonal inventory"


def test_an_ignored_label_with_a_colon_under_a_label_row_stays_a_label():
    rows = ["Purpose of Funds", "Seasonal: | Yes"]
    app = extract_application(document_factory(rows))
    assert "use_of_funds" not in app.funding


def test_box_edges_read_into_scanned_values_are_dropped():
    rows = ["Business Start Date | [03/08/2009 |", "Business Phone | [503-854-6187]"]
    app = extract_application(document_factory(rows, confidence=0.9, source="ocr"))
    assert app.merchant["business_start_date"].value == "2009-03-08"
    assert app.merchant["phone"].value == "+15038546187"


def test_a_street_type_read_with_a_capital_i_for_an_l_is_repaired():
    rows = ["Business Address | 26741 River PI, Portland, OR 97227"]
    app = extract_application(document_factory(rows, confidence=0.9, source="ocr"))
    assert app.merchant["address.street"].value == "26741 River Pl"


def test_a_scanned_street_without_a_house_number_is_doubted():
    scanned = extract_application(document_factory(["Street Address | aaa Jefferson Dr"], source="ocr"))
    printed = extract_application(document_factory(["Street Address | One Jefferson Plaza"]))
    assert scanned.merchant["address.street"].confidence < 0.6
    assert printed.merchant["address.street"].confidence == 1.0


def test_a_cell_edge_read_as_a_bar_separates_a_label_from_its_value_however_close():
    rows = ["Advance Amount Requested | @0.2915 $30,000.00 | @0.5 Purpose of Funds | @0.7 Payroll"]
    document = document_factory(rows, confidence=0.9, source="ocr")
    page = document.pages[0]
    first = page.words[0].box
    bar = Word("|", Box(0.278, first.y0, 0.2865, first.y1), 0.9, 0)  # a normal space from both sides
    app = extract_application(replace(document, pages=(replace(page, words=(*page.words, bar)),)))
    assert app.funding["amount_requested"].value == "30000.00"
    assert app.funding["use_of_funds"].value == "Payroll"


def test_a_heading_is_not_taken_for_a_label_cut_short():
    vocabulary = application_grammar().vocabulary
    heading, labelled = document_lines(document_factory(["FUNDING REQUEST", "Funding Request | $30,000.00"]))
    assert find_labels(heading, 0, vocabulary) == []  # "request" is not "requested" cut short here
    assert [h.key for h in find_labels(labelled, 1, vocabulary)] == ["funding.amount_requested"]
