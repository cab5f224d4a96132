"""The resident Tesseract engine's edges: TSV parsing, and the fallback to the CLI without tesserocr."""

from __future__ import annotations

from streams.stages import tesseract_api
from streams.stages.tesseract_api import tsv_table


def test_tsv_rows_become_typed_columns_and_rows_without_text_get_an_empty_one():
    tsv = (
        "1\t1\t0\t0\t0\t0\t0\t0\t1200\t800\t-1\t\n"
        "5\t1\t1\t1\t1\t1\t86\t82\t216\t30\t96.399155\tMERCHANT\n"
        "not a row\n"
    )
    table = tsv_table(tsv)
    assert table["level"] == [1, 5]
    assert table["text"] == ["", "MERCHANT"]
    assert table["conf"] == [-1.0, 96.399155]
    assert table["left"] == [0, 86] and table["width"] == [1200, 216]


def test_without_tesserocr_there_is_no_engine_and_pages_go_to_the_cli(monkeypatch):
    monkeypatch.setattr(tesseract_api, "tesserocr", None)
    assert tesseract_api.engine("eng", 1) is None
