"""OCR recall of the true field values of an application form: what share of the words a truth
file expects on the page did the reader deliver?

Words are compared after one normalisation on both sides (`tokens`): lower case, `$` and `,`
dropped (so "$150,000.00" and "150000.00" agree), split at every other non-alphanumeric
character, and leading zeros of numbers dropped (so "03/01/2015" holds the words of "2015-03-01").
An E.164 phone is expected as its area code, exchange and line ("+12125550123" as 212 555 0123),
as forms print it. Tokens made only of zeros (cents) say nothing and are left out. A value made
of numbers alone (an SSN, a date) also counts as read when its numbers appear run together as
one word ("123456789" for 123-45-6789). Each word read is matched at most once.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_DROPPED = re.compile(r"[$,]")
_SPLIT = re.compile(r"[^0-9a-z]+")
_E164_US = re.compile(r"^\+1(\d{3})(\d{3})(\d{4})$")
APPLICATION_SECTIONS = ("merchant", "funding", "owners")


@dataclass(frozen=True)
class Recall:
    """Expected words found (`found`) out of `expected`, and the share (1.0 when nothing was expected)."""

    found: int
    expected: int

    @property
    def share(self) -> float:
        """found / expected."""
        return self.found / self.expected if self.expected else 1.0

    def __add__(self, other: Recall) -> Recall:
        return Recall(self.found + other.found, self.expected + other.expected)


def tokens(text: str) -> list[str]:
    """The comparable words of `text` (see the module docstring)."""
    phone = _E164_US.match(text.strip())
    if phone:
        text = " ".join(phone.groups())
    out = []
    for token in _SPLIT.split(_DROPPED.sub("", text.lower())):
        if token.isdigit():
            token = token.lstrip("0")
        if token:
            out.append(token)
    return out


def truth_values(truth: Mapping[str, Any]) -> list[str]:
    """Every string value of the application sections (merchant, funding, owners) of a truth file."""
    values: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, str):
            values.append(node)
        elif isinstance(node, Mapping):
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    for section in APPLICATION_SECTIONS:
        walk(truth.get(section))
    return values


def expected_words(values: Iterable[str]) -> list[tuple[str, ...]]:
    """The words each value should appear as on a page (values without any word are dropped)."""
    return [words for words in (tuple(tokens(value)) for value in values) if words]


def word_recall(expected: Iterable[tuple[str, ...]], read_words: Iterable[str]) -> Recall:
    """How many of the `expected` words (per value, from `expected_words`) are among the words
    read; every word read is used for one expected word at most."""
    have = Counter(token for word in read_words for token in tokens(word))
    found = total = 0
    for words in expected:
        total += len(words)
        joined = "".join(words)
        if len(words) > 1 and joined.isdigit() and have[joined] > 0:
            have[joined] -= 1
            found += len(words)
            continue
        for word in words:
            if have[word] > 0:
                have[word] -= 1
                found += 1
    return Recall(found, total)
