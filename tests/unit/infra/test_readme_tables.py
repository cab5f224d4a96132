"""The README documents every setting and topic as the code defines them."""

from infra.settings_doc import README, render_readme


def test_readme_tables_match_the_code() -> None:
    current = README.read_text()
    assert render_readme(current) == current, "run: .venv/bin/python -m infra.settings_doc"
