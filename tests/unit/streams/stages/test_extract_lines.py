"""The shared layout helpers: lines, label matching, and the per-document work they remember."""

from __future__ import annotations

import random
import statistics

from streams.stages.extract.lines import (
    Line,
    Vocabulary,
    close_words,
    document_lines,
    find_labels,
    has_content,
    page_lines,
)
from streams.stages.text import Box, PageText, Word
from tests.unit.streams.stages.textdoc_factory import document_factory, page_factory

VOCABULARY = Vocabulary.build(
    {
        "ein": ["Federal Tax ID", "Tax ID"],
        "legal_name": ["Legal Name", "Corporate Name"],
        "entity": ["Type of Entity"],
        "phone": ["Phone"],
    },
    modifiers=["Main"],
)


def _line(row: str) -> Line:
    page = page_factory([row])
    return Line(1, page.words, page.width_pt, page.height_pt)


def _reference_candidates(vocabulary: Vocabulary, token: str) -> list[tuple[tuple[str, ...], str]]:
    """The candidates as a plain scan over every first token finds them."""
    found = list(vocabulary.by_first.get(token, ()))
    for first in vocabulary.by_first:
        if first != token and close_words(token, first):
            found.extend(vocabulary.by_first[first])
    return sorted(found, key=lambda item: -len(item[0]))


def test_candidates_include_phrases_one_ocr_slip_from_the_token_and_match_a_full_scan():
    for token in ("federal", "fedaral", "federa", "federall", "corporate", "corporat", "tax", "tex", "phone",
                  "phones", "xyz", "entity", "type"):
        assert VOCABULARY.candidates(token) == _reference_candidates(VOCABULARY, token), token
    assert VOCABULARY.candidates("fedaral")[0] == (("federal", "tax", "id"), "ein")
    assert VOCABULARY.candidates("tex") == []  # short words need an exact match


def test_a_token_no_label_can_start_with_is_skipped_and_one_that_can_is_not():
    assert not VOCABULARY.may_start("springfield")
    assert VOCABULARY.may_start("federal")
    assert VOCABULARY.may_start("typeof")  # a run-together "TypeofEntity" starts there
    assert VOCABULARY.may_start("main")  # a modifier


def test_labels_are_found_with_modifiers_run_together_words_and_slips():
    hits = find_labels(_line("Main Phone | 555-0100 | TypeofEntity | LLC"), 0, VOCABULARY)
    assert [(h.key, h.fuzzy, h.text) for h in hits] == [
        ("phone", False, "Main Phone"), ("entity", False, "TypeofEntity")
    ]
    hits = find_labels(_line("Fedaral Tax ID | 12-3456789"), 0, VOCABULARY)
    assert [(h.key, h.fuzzy) for h in hits] == [("ein", True)]


def test_find_labels_gives_the_same_hits_again_in_a_fresh_list():
    line = _line("Corporate Name | Acme LLC | Tax ID | 12-3456789")
    first = find_labels(line, 3, VOCABULARY)
    first.clear()
    again = find_labels(line, 3, VOCABULARY)
    assert [h.key for h in again] == ["legal_name", "ein"]
    assert all(h.line_index == 3 for h in again)
    other = Vocabulary.build({"phone": ["Tax ID"]})
    assert [h.key for h in find_labels(line, 3, other)] == ["phone"]  # remembered per vocabulary


def test_the_lines_of_one_document_are_worked_out_once_and_shared():
    document = document_factory(["Legal Name | Acme LLC", "Phone | 555-0100"])
    first, second = document_lines(document), document_lines(document)
    assert first == second and first is not second
    assert all(a is b for a, b in zip(first, second, strict=True))
    assert document_lines(document_factory(["Legal Name | Acme LLC"]))[0] is not first[0]


def test_has_content_is_a_letter_digit_or_one_of_the_kept_signs():
    samples = ["|", "___", "--", "", " ", "a", "Ž", "٣", "$", "%", "#", "&", "@", "_", "½", "²", "·", "™",
               "x_"]
    for text in samples:
        assert has_content(text) == any(c.isalnum() or c in "%#&@$" for c in text), text


def test_gaps_skip_box_rules_and_start_infinite():
    def word(text: str, x0: float, x1: float) -> Word:
        return Word(text, Box(x0, 0.1, x1, 0.11), 1.0)

    line = Line(1, (word("Legal", 0.05, 0.09), word("Name", 0.10, 0.14), word("|", 0.30, 0.301),
                    word("Acme", 0.38, 0.42)), 612.0, 792.0)
    height_pt = line.height * line.height_pt
    assert line.gap_before(0) == float("inf")
    assert line.gap_before(1) == (0.10 - 0.09) * 612.0 / height_pt
    assert line.gap_before(3) == (0.38 - 0.14) * 612.0 / height_pt  # the rule does not close the gap


def _reference_page_lines(page: PageText) -> list[list[str]]:
    """page_lines as first written: medians recomputed over the growing group for every word."""
    words = sorted((w for w in page.words if w.text.strip()),
                   key=lambda w: ((w.box.y0 + w.box.y1) / 2, w.box.x0))
    groups: list[list[Word]] = []
    for word in words:
        centre = (word.box.y0 + word.box.y1) / 2
        if groups:
            last = groups[-1]
            line_centre = statistics.median((w.box.y0 + w.box.y1) / 2 for w in last)
            height = statistics.median(w.box.y1 - w.box.y0 for w in last)
            tolerance = 0.45 * max(height, word.box.y1 - word.box.y0)
            if abs(centre - line_centre) <= tolerance:
                last.append(word)
                continue
        groups.append([word])
    return [[w.text for w in sorted(g, key=lambda w: w.box.x0)] for g in groups]


def test_page_lines_group_jittered_words_as_running_medians_over_each_line():
    rng = random.Random(7)
    words = []
    for row in range(40):
        for column in range(12):
            y = 0.05 + row * 0.02 + rng.uniform(-0.004, 0.004)
            height = rng.uniform(0.008, 0.016)
            x = 0.05 + column * 0.07
            words.append(Word(f"w{row}.{column}", Box(x, y, x + 0.05, y + height), 1.0))
    page = PageText(1, 612.0, 792.0, tuple(words), "text_layer")
    assert [[w.text for w in line.words] for line in page_lines(page)] == _reference_page_lines(page)
