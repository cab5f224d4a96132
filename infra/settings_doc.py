"""The README's settings and topic tables, generated from the code so they never drift apart.

`python -m infra.settings_doc` rewrites the tables between their markers in README.md; a unit
test fails when the README is out of date.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import SecretStr

from infra.settings import Settings
from infra.topics import ALL_TOPICS

README = Path(__file__).resolve().parents[1] / "README.md"


def _default_text(name: str) -> str:
    field = Settings.model_fields[name]
    value = field.default_factory() if field.default_factory is not None else field.default  # type: ignore[call-arg]
    if value is None:
        return "unset"
    if isinstance(value, SecretStr):
        return "(secret)"
    return f"`{value}`"


def settings_table() -> str:
    """A Markdown table: environment variable, default, meaning."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        meaning = (field.description or "").replace("|", "\\|")
        rows.append(f"| `MCA_{name.upper()}` | {_default_text(name)} | {meaning} |")
    return "\n".join(rows)


def topics_table() -> str:
    """A Markdown table of the topic map."""
    rows = ["| topic | partitions | key | cleanup | what |", "|---|---|---|---|---|"]
    for spec in ALL_TOPICS:
        cells = (f"`{spec.name}`", str(spec.partitions), spec.key, spec.cleanup_policy, spec.doc)
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def render_readme(text: str) -> str:
    """README text with both generated tables replaced by the current ones."""
    for marker, table in (("settings", settings_table()), ("topics", topics_table())):
        pattern = re.compile(rf"(<!-- {marker}:start -->\n).*?(<!-- {marker}:end -->)", re.S)
        text = pattern.sub(lambda m, t=table: f"{m.group(1)}{t}\n{m.group(2)}", text)
    return text


if __name__ == "__main__":
    README.write_text(render_readme(README.read_text()))
