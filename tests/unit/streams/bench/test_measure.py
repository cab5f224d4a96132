"""The benchmark's pure measurement helpers: rates, ratios, percentiles, breakdowns, the baseline's
command line."""

from __future__ import annotations

import pytest

from streams.bench.measure import StepShare, breakdown, percentile, rate, ratio, tesseract_command


def test_rate_is_items_per_second_and_zero_without_time():
    assert rate(30, 12.0) == 2.5
    assert rate(5, 0.0) == 0.0


def test_ratio_divides_ours_by_theirs_and_is_none_when_theirs_is_zero():
    assert ratio(0.8, 1.0) == pytest.approx(0.8)
    assert ratio(1.2, 0.0) is None


@pytest.mark.parametrize(
    ("q", "expected"),
    [(0, 1.0), (50, 3.0), (100, 10.0), (25, 2.0), (95, 8.8)],
)
def test_percentile_interpolates_linearly_between_closest_ranks(q, expected):
    values = [10.0, 1.0, 3.0, 2.0, 4.0]  # unsorted on purpose
    assert percentile(values, q) == pytest.approx(expected)


def test_percentile_of_one_value_is_that_value_and_of_none_is_none():
    assert percentile([7.5], 95) == 7.5
    assert percentile([], 50) is None


def test_percentile_refuses_a_quantile_outside_0_to_100():
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_percentile_agrees_with_numpy():
    numpy = pytest.importorskip("numpy")
    values = [0.31, 2.5, 1.75, 9.0, 4.2, 3.3, 0.9]
    for q in (5, 50, 90, 95, 99):
        assert percentile(values, q) == pytest.approx(float(numpy.percentile(values, q)))


def test_breakdown_gives_mean_seconds_per_page_and_shares_in_step_order():
    timings = [{"render": 0.1, "ocr": 0.9}, {"render": 0.3, "ocr": 1.1, "other": 5.0}, {"extract": 0.2}]
    shares = breakdown(timings, ("render", "cleaning", "ocr", "extract"), pages=2)
    assert [s.step for s in shares] == ["render", "cleaning", "ocr", "extract"]
    assert shares[0] == StepShare("render", pytest.approx(0.2), pytest.approx(0.4 / 2.6))
    assert shares[1].seconds_per_page == 0.0 and shares[1].share == 0.0
    assert shares[2].seconds_per_page == pytest.approx(1.0)
    assert sum(s.share for s in shares) == pytest.approx(1.0)


def test_breakdown_of_nothing_is_all_zero():
    assert breakdown([], ("ocr",), pages=0) == [StepShare("ocr", 0.0, 0.0)]


def test_baseline_command_reads_one_page_at_its_resolution_into_tsv_on_stdout():
    command = tesseract_command("/tmp/p 1.png", dpi=199.6)
    assert command == [
        "tesseract", "/tmp/p 1.png", "stdout", "-l", "eng", "--psm", "3", "--oem", "1", "--dpi", "200", "tsv",
    ]


def test_baseline_command_lets_tesseract_guess_an_unknown_resolution():
    command = tesseract_command("photo.png", dpi=None, lang="eng", psm=6)
    assert "--dpi" not in command
    assert command[command.index("--psm") + 1] == "6"
    assert command[-1] == "tsv"
