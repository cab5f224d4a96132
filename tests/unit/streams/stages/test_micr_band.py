"""MICR symbols are told from digits by the shape of their ink, whatever the reader made of them."""

from __future__ import annotations

import numpy as np

from streams.stages.micr_band import ON_US, TRANSIT, find_symbols, micr_items, micr_words

HEIGHT, DIGIT_W, PITCH = 30, 20, 26


def band(layout: str) -> np.ndarray:
    """A line of ink: 'd' a digit (one solid blob), 'T' a transit symbol (a full-height bar and two
    small squares), 'U' an on-us symbol (two shorter bars and a square), '1' a lone narrow bar,
    ',' a narrow one and a comma, ' ' a blank cell."""
    ink = np.zeros((HEIGHT + 10, PITCH * len(layout) + 10), dtype=np.uint8)
    for cell, kind in enumerate(layout):
        x, top = 5 + cell * PITCH, 5
        if kind == "d":
            ink[top : top + HEIGHT, x : x + DIGIT_W] = 1
        elif kind == "T":
            ink[top : top + HEIGHT, x : x + 5] = 1
            ink[top : top + 9, x + 9 : x + 18] = 1
            ink[top + HEIGHT - 9 : top + HEIGHT, x + 9 : x + 18] = 1
        elif kind == "U":
            ink[top : top + 18, x : x + 5] = 1
            ink[top : top + 18, x + 8 : x + 13] = 1
            ink[top + HEIGHT - 9 : top + HEIGHT, x + 15 : x + 24] = 1
        elif kind == "1":
            ink[top : top + HEIGHT, x + 7 : x + 12] = 1
        elif kind == ",":  # a narrow one with a comma right after it ("1,000")
            ink[top : top + HEIGHT, x + 2 : x + 7] = 1
            ink[top + HEIGHT - 8 : top + HEIGHT + 2, x + 10 : x + 16] = 1
    return ink


def centre(cell: int) -> float:
    return 5 + cell * PITCH + DIGIT_W / 2


def test_transit_and_on_us_symbols_are_found_in_order_between_the_digits():
    symbols, width = find_symbols(band("Tddddddddd T ddddddU dddd"))
    assert [s.kind for s in symbols] == [TRANSIT, TRANSIT, ON_US]
    assert width == DIGIT_W
    assert symbols[0].x0 < centre(1) < symbols[1].x0 < centre(13) < symbols[2].x0


def test_a_lone_narrow_bar_is_a_digit_one_not_a_symbol():
    symbols, _ = find_symbols(band("dddd1dddd"))
    assert symbols == []


def test_a_narrow_one_beside_a_comma_is_two_parts_not_a_symbol():
    symbols, _ = find_symbols(band("dd,ddd"))
    assert symbols == []


def test_a_line_without_digits_has_no_symbols():
    assert find_symbols(band("TU")) == ([], 0.0)


def test_characters_read_over_a_symbol_become_that_symbol_once():
    layout = "Tddd T dddU"
    symbols, width = find_symbols(band(layout))
    # the reader made "1:" of the first transit symbol and "11" of the on-us symbol
    chars = ["1", ":", "0", "2", "1", "1", ":", "4", "5", "6", "1", "1"]
    cells = [0, 0.4, 1, 2, 3, 5, 5.4, 7, 8, 9, 10, 10.4]
    centres = [centre(c) - DIGIT_W / 2 + 8 for c in cells]
    items = micr_items(chars, centres, [0.9] * len(chars), symbols, width)
    assert "".join(i.text for i in items) == f"{TRANSIT}021{TRANSIT}456{ON_US}"


def test_a_symbol_the_reader_skipped_is_put_back_where_its_ink_is():
    symbols, width = find_symbols(band("ddddU"))
    items = micr_items(["1", "2", "3", "4"], [centre(c) for c in range(4)], [0.9] * 4, symbols, width)
    assert "".join(i.text for i in items) == f"1234{ON_US}"


def test_symbols_are_words_of_their_own_and_a_blank_cell_parts_figures():
    symbols, width = find_symbols(band("Tddd T dd dd"))
    chars = ["0", "2", "1", "4", "5", "6", "7"]
    cells = [1, 2, 3, 7, 8, 10, 11]
    items = micr_items(chars, [centre(c) for c in cells], [0.9] * len(chars), symbols, width)
    words = ["".join(i.text for i in word) for word in micr_words(items, width)]
    assert words == [TRANSIT, "021", TRANSIT, "45", "67"]
