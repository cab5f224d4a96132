"""Loads the label wordings and vocabularies of labels.json (data, not code) once per process."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def label_data() -> dict[str, Any]:
    """The parsed labels.json shipped beside this module."""
    text = resources.files(__package__).joinpath("labels.json").read_text(encoding="utf-8")
    return json.loads(text)


def none_values() -> frozenset[str]:
    """Words that mean "nothing here" when written as a value (N/A, none, -)."""
    return frozenset(label_data()["none_values"])
