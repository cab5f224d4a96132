"""Word recall of true field values: what the benchmark reports next to speed."""

from __future__ import annotations

from streams.bench.recall import Recall, expected_words, tokens, truth_values, word_recall


def test_tokens_agree_on_money_dates_and_phones_however_the_form_prints_them():
    assert tokens("$150,000.00") == tokens("150000.00") == ["150000"]
    assert sorted(tokens("03/01/2015")) == sorted(tokens("2015-03-01"))
    assert tokens("+12125550123") == tokens("(212) 555-0123") == ["212", "555", "123"]
    assert tokens("Northgate Group, Corp.") == ["northgate", "group", "corp"]


def test_truth_values_are_the_strings_of_the_application_sections_only():
    truth = {
        "merchant": {"legal_name": "Acme LLC", "address": {"city": "Reno", "state": "NV"}, "dba_name": None},
        "funding": {"amount_requested": "50000.00"},
        "owners": [{"name": "Ann Lee"}],
        "bank_statements": [{"bank_name": "Chase"}],
    }
    assert sorted(truth_values(truth)) == ["50000.00", "Acme LLC", "Ann Lee", "NV", "Reno"]


def test_recall_counts_each_word_read_once():
    expected = expected_words(["Reno", "Reno", "Acme LLC"])
    recall = word_recall(expected, ["Acme", "Reno", "LLC."])
    assert recall == Recall(3, 4)
    assert recall.share == 0.75


def test_a_number_read_run_together_counts_as_all_its_parts():
    expected = expected_words(["123-45-6789", "2015-03-01"])
    assert word_recall(expected, ["123456789", "03/01/2015"]) == Recall(6, 6)


def test_recall_of_nothing_expected_is_complete_and_recalls_add_up():
    assert Recall(0, 0).share == 1.0
    assert Recall(1, 2) + Recall(3, 4) == Recall(4, 6)
