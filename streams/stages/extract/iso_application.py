"""ISO application forms -> merchant, funding and owner fields, each with confidence and provenance.

Layout only: labels from labels.json wherever they sit (label column, label above the value,
"Label: value" runs), section headings (business / funding / owner N) to tell a business phone
from an owner's, and AcroForm values for fillable forms. No form is known by name. Scanned values
get the word breaks and look-alike characters an OCR engine lost back (respacing.py); a word of a
row of values that happens to be a label stays in its value (value_rows.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache

from streams.stages.extract import values
from streams.stages.extract.fields import Field
from streams.stages.extract.labels import label_data
from streams.stages.extract.lines import (
    LabelHit,
    LabelValue,
    Line,
    Vocabulary,
    close_words,
    document_lines,
    find_labels,
    label_tokens,
    norm_token,
    pair_values,
)
from streams.stages.extract.merging import merge_fields, merge_owners
from streams.stages.extract.respacing import repaired_text, scanned_pages
from streams.stages.extract.value_rows import drop_ignored_in_value_rows
from streams.stages.text import DocumentText

logger = logging.getLogger(__name__)

NUMBERLESS_STREET_FIT = 0.5  # a scanned street without digits: below the confidence review trusts
MIN_CUT_LETTERS = 4  # a label word cropped at the page edge keeps at least this many letters
MERCHANT_KEYS = (
    "legal_name",
    "dba_name",
    "ein",
    "address.street",
    "address.city",
    "address.state",
    "address.zip",
    "phone",
    "email",
    "industry",
    "business_start_date",
    "entity_type",
    "annual_revenue",
)
FUNDING_KEYS = ("amount_requested", "use_of_funds")
OWNER_KEYS = (
    "name",
    "ssn",
    "date_of_birth",
    "address.street",
    "address.city",
    "address.state",
    "address.zip",
    "ownership_pct",
    "phone",
    "email",
)
_ORDINAL = re.compile(r"^(#?\d{1,2}|no|#|[ivx]{1,3})$")


@dataclass(frozen=True)
class IsoApplication:
    """What an application form says; keys follow samples/README.md (nested keys dotted)."""

    merchant: Mapping[str, Field]
    funding: Mapping[str, Field]
    owners: tuple[Mapping[str, Field], ...]


@dataclass(frozen=True)
class _Grammar:
    vocabulary: Vocabulary
    sections: Mapping[tuple[str, ...], str]
    suffixes: frozenset[str]


@cache
def application_grammar() -> _Grammar:
    """The application label vocabulary, section headings and heading suffixes of labels.json."""
    data = label_data()["application"]
    table: dict[str, list[str]] = dict(data["fields"])
    for key, phrases in data["generic"].items():
        table[f"generic.{key}"] = phrases
    table["ignore"] = data["ignore"]
    sections = {
        tuple(label_tokens(phrase)): name
        for name, phrases in data["sections"].items()
        for phrase in phrases
    }
    vocabulary = Vocabulary.build(
        table,
        modifiers=data["label_modifiers"],
        fixed_keys=("generic.name", "generic.title"),
        cut_labels=True,
    )
    return _Grammar(vocabulary, sections, frozenset(data["section_suffixes"]))


def _heading(line: Line, grammar: _Grammar) -> str | None:
    """The section a heading line opens ('merchant', 'funding', 'owner'), else None."""
    tokens = label_tokens(line.text)
    if not tokens or len(tokens) > 6:
        return None
    core = [t for t in tokens if not _ORDINAL.match(t)]
    if len(core) >= 2 and core[-1] == "of" and len(tokens) >= 3 and _ORDINAL.match(tokens[-1]):
        core.pop()  # "Owner 1 of 2"
    while core and core[-1] in grammar.suffixes:
        core.pop()
    found = grammar.sections.get(tuple(core))
    if found is None and core:
        found = next(
            (
                name
                for phrase, name in grammar.sections.items()
                if len(phrase) == len(core)
                and all(close_words(a, b) for a, b in zip(core, phrase, strict=True))
            ),
            None,
        )
    return found


@dataclass
class _Collector:
    """Walks label/value pairs in reading order, keeping the section and the current owner."""

    merchant: dict[str, Field] = field(default_factory=dict)
    funding: dict[str, Field] = field(default_factory=dict)
    owners: list[dict[str, Field]] = field(default_factory=list)
    section: str = "merchant"

    def open_section(self, name: str) -> None:
        self.section = name
        if name == "owner" and (not self.owners or self.owners[-1]):
            self.owners.append({})

    def owner(self, key: str) -> dict[str, Field]:
        if not self.owners or key in self.owners[-1]:
            self.owners.append({})
        return self.owners[-1]

    def put(self, key: str, parsed: Mapping[str, Field]) -> None:
        scope, _, name = key.partition(".")
        if scope == "generic":
            scope = "owner" if self.section == "owner" else "merchant"
            if scope == "merchant" and name == "name" and "legal_name" in self.merchant:
                # a second bare "Name" after the business's is an owner's (its heading unread)
                scope = self.section = "owner"
        if scope == "funding":
            target = self.funding
        elif scope == "owner":
            first = next(iter(parsed), name)
            target = self.owner(first)
        else:
            target = self.merchant
            parsed = {("legal_name" if k == "name" else k): v for k, v in parsed.items()}
        for sub, value in parsed.items():
            target.setdefault(sub, value)


def restore_cropped_label(line: Line, vocabulary: Vocabulary) -> Line:
    """An OCR'd line whose first label word lost its first letters where a skewed scan was cropped
    ("pany Legal Name", "deral Tax ID") with that word restored: when the cut word ends exactly one
    label's first word (MIN_CUT_LETTERS or more letters kept) and the words after it continue that
    label. Other lines, and text-layer lines, come back as they are."""
    if not line.words or line.words[0].confidence >= 1.0:
        return line
    cut = norm_token(line.words[0].text)
    if len(cut) < MIN_CUT_LETTERS or cut in vocabulary.by_first or not cut.isalpha():
        return line
    following = [norm_token(w.text) for w in line.words[1:4]]
    whole = {
        first
        for first, phrases in vocabulary.by_first.items()
        if first.endswith(cut)
        and any(len(p) > 1 and list(p[1:3]) == following[: len(p[1:3])] for p, _ in phrases)
    }
    if len(whole) != 1:
        return line
    word = next(iter(whole))
    text = word.upper() if line.words[0].text.isupper() else word.capitalize()
    return replace(line, words=(replace(line.words[0], text=text), *line.words[1:]))


def extract_application(document: DocumentText) -> IsoApplication:
    """Read an ISO application: label/value pairs of the page layout, then AcroForm values (by field
    names read as labels) for what the layout did not show (a scanned fillable form), merged."""
    grammar = application_grammar()
    lines = [restore_cropped_label(line, grammar.vocabulary) for line in document_lines(document)]
    collector = _Collector()
    headings: dict[int, str] = {}
    hits_by_line: dict[int, list[LabelHit]] = {}
    for index, line in enumerate(lines):
        section = _heading(line, grammar)
        hits = find_labels(line, index, grammar.vocabulary)
        if section is not None:
            headings[index] = section
            # "Owner / Principal" both opens the owner section and labels the name written under it
            hits = [h for h in hits if h.start == 0 and h.end == len(line.words) and h.key != "ignore"]
        if hits:
            hits_by_line[index] = hits
    pairs = pair_values(lines, drop_ignored_in_value_rows(lines, hits_by_line))
    scanned = scanned_pages(document, lines)
    events: list[tuple[int, int, str | LabelValue]] = [(i, -1, name) for i, name in headings.items()]
    events += [(p.hit.line_index, p.hit.start, p) for p in pairs]
    for _, _, event in sorted(events, key=lambda e: (e[0], e[1])):
        if isinstance(event, str):
            collector.open_section(event)
        elif event.hit.key != "ignore" and event.words:
            name = event.hit.key.partition(".")[2]
            parsed = values.parse_labelled(event, name, text=repaired_text(event, name, scanned))
            if event.page in scanned:
                parsed = _doubt_numberless_street(parsed)
            if parsed:
                collector.put(event.hit.key, parsed)
    form = _Collector()
    _from_form_fields(document.form_fields, grammar, form)
    # widget values laid out as words were read above too: merge, so an owner is not listed twice
    owners = merge_owners(_owners(collector), _owners(form))
    return IsoApplication(
        merge_fields(collector.merchant, form.merchant),
        merge_fields(collector.funding, form.funding),
        tuple(o for o in owners if o.get("name") or o.get("ssn")),
    )


def _doubt_numberless_street(parsed: dict[str, Field]) -> dict[str, Field]:
    """A scanned street without a house number ("aaa Jefferson Dr") most likely lost it to the
    reader: less sure, so a second reading is asked for, or a reviewer looks."""
    street = parsed.get("address.street")
    if street is None or any(c.isdigit() for c in str(street.value)):
        return parsed
    doubted = street.with_value(street.value, confidence_factor=NUMBERLESS_STREET_FIT)
    return {**parsed, "address.street": doubted}


def _owners(collector: _Collector) -> list[dict[str, Field]]:
    return [o for o in collector.owners if o.get("name") or o.get("ssn")]


def _from_form_fields(form_fields: Mapping[str, str], grammar: _Grammar, collector: _Collector) -> None:
    """AcroForm fields named like labels ('Legal Name', 'owner2_ssn', 'txtEIN') -> fields."""
    suffixes: list[str] = []
    for name, raw in form_fields.items():
        if not raw or not str(raw).strip():
            continue
        tokens = _field_name_tokens(name)
        suffix = next((t for t in tokens if t.isdigit()), None)
        if suffix is not None and suffix not in suffixes:
            suffixes.append(suffix)
        # forms number owners from any base ("Name_2" may be the first owner): order of appearance
        owner_index = None if suffix is None else suffixes.index(suffix) + 1
        words = tuple(t for t in tokens if not t.isdigit())
        key = next((k for phrase, k in grammar.vocabulary.phrases if phrase == words), None)
        if key is None or key == "ignore":
            continue
        if key.startswith("generic.") and owner_index is not None:
            key = "owner." + key.partition(".")[2]
        if key.startswith("owner.") and owner_index is not None:
            while len(collector.owners) < owner_index:
                collector.owners.append({})
        parsed = values.parse_text(str(raw), key.partition(".")[2], label=name, confidence=0.95)
        if not parsed:
            continue
        if key.startswith("owner.") and owner_index is not None:
            for sub, value in parsed.items():
                collector.owners[owner_index - 1].setdefault(sub, value)
        else:
            collector.put(key, parsed)


def _field_name_tokens(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    spaced = re.sub(r"(\d+)", r" \1 ", spaced)
    raw = [norm_token(t) for t in re.split(r"[\s_.\-\[\]]+", spaced)]
    noise = {"txt", "fld", "field", "text", "input", "tf", "form", "topmostsubform", "page", "p"}
    return [t for t in raw if t and t not in noise]
