"""Words with boxes -> lines -> label/value pairs: the pure layout helpers every extractor shares.

Nothing here knows a form: a label is any phrase of a vocabulary (labels.json) that sits where
labels sit (starts a line or a column, ends with a colon or a wide gap), and its value is what
follows it on the same line up to the next label, or what lies under it in the same column.
Labels are matched as tokens split at spaces and slashes ("Owner/Principal"), may carry a
modifier in front ("Main Phone #"), and may have been read run together ("TypeofEntity").
"""

from __future__ import annotations

import re
import statistics
from bisect import insort
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, NamedTuple, TypeVar

from streams.stages.text import DocumentText, PageText, Word

_STRIP = re.compile(r"[^0-9a-z#%&@]")
_PARTS = re.compile(r"[\s/]+")
# For str patterns \w is str.isalnum() plus "_", so [^\W_] is exactly str.isalnum().
_CONTENT = re.compile(r"[^\W_]|[%#&@$]")
T = TypeVar("T")


@lru_cache(maxsize=65536)
def has_content(text: str) -> bool:
    """Whether a word holds a letter, digit or one of % # & @ $ (not only box rules or dashes)."""
    return _CONTENT.search(text) is not None


@lru_cache(maxsize=65536)
def norm_token(text: str) -> str:
    """A word as label matching sees it: lower case, only letters, digits and # % & @ kept."""
    return _STRIP.sub("", text.lower())


def label_tokens(text: str) -> list[str]:
    """The label tokens of a text: words split at spaces and slashes ("Owner/Principal" is two
    tokens, as is "Owner / Principal"), each normalised by `norm_token`, empty ones dropped."""
    return list(_label_tokens(text))


@lru_cache(maxsize=65536)
def _label_tokens(text: str) -> tuple[str, ...]:
    return tuple(t for t in (norm_token(p) for p in _PARTS.split(text)) if t)


@dataclass(frozen=True)
class Line:
    """Words of one page that share a baseline, left to right, with the page size in points."""

    page: int
    words: tuple[Word, ...]
    width_pt: float
    height_pt: float

    @cached_property
    def y0(self) -> float:
        return min(w.box.y0 for w in self.words)

    @cached_property
    def y1(self) -> float:
        return max(w.box.y1 for w in self.words)

    @cached_property
    def height(self) -> float:
        """Median word height as a fraction of the page height."""
        return statistics.median(w.box.y1 - w.box.y0 for w in self.words)

    @cached_property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)

    @cached_property
    def _gaps(self) -> tuple[float, ...]:
        gaps: list[float] = []
        previous = -1  # the last word with content: a form's box rules ('|', '_') do not close a gap
        height_pt = max(self.height * self.height_pt, 1e-6)
        for index, word in enumerate(self.words):
            if previous < 0:
                gaps.append(float("inf"))
            else:
                gap_pt = (word.box.x0 - self.words[previous].box.x1) * self.width_pt
                gaps.append(gap_pt / height_pt)
            if has_content(word.text):
                previous = index
        return tuple(gaps)

    def gap_before(self, index: int) -> float:
        """Horizontal space before word `index`, in multiples of the line's word height (inf at start)."""
        return self._gaps[index]

    @cached_property
    def tokens(self) -> tuple[_Token, ...]:
        """The line's label tokens (see `label_tokens`), each with its word and place in the word."""
        found: list[_Token] = []
        for i, word in enumerate(self.words):
            parts = _label_tokens(word.text)
            if len(parts) == 1:
                found.append(_Token(i, parts[0], True, True))
            else:
                found += [_Token(i, t, n == 0, n == len(parts) - 1) for n, t in enumerate(parts)]
        return tuple(found)

    @cached_property
    def _memo(self) -> dict[Any, Any]:
        return {}

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """`compute()` once per line and `key`: the classifier and the extractors of one document
        share its lines (see `document_lines`), so a result that depends on the line alone (and on
        what `key` names) is worked out once. `key` must identify everything the result depends on."""
        memo = self._memo
        if key not in memo:
            memo[key] = compute()
        return memo[key]  # type: ignore[no-any-return]


# A wide gap separates columns: more than this many word heights (a normal space is ~0.3).
WIDE_GAP = 1.1


def page_lines(page: PageText) -> list[Line]:
    """Group a page's words into lines by vertical centre, each line sorted left to right."""
    words = [w for w in page.words if w.text.strip()]
    if not words:
        return []
    words.sort(key=lambda w: ((w.box.y0 + w.box.y1) / 2, w.box.x0))
    groups: list[list[Word]] = []
    centres: list[float] = []  # the last group's centres and heights, kept sorted for their medians
    heights: list[float] = []
    for word in words:
        centre = (word.box.y0 + word.box.y1) / 2
        height = word.box.y1 - word.box.y0
        if groups:
            tolerance = 0.45 * max(_sorted_median(heights), height)
            if abs(centre - _sorted_median(centres)) <= tolerance:
                groups[-1].append(word)
                insort(centres, centre)
                insort(heights, height)
                continue
        groups.append([word])
        centres, heights = [centre], [height]
    return [
        Line(page.page_number, tuple(sorted(g, key=lambda w: w.box.x0)), page.width_pt, page.height_pt)
        for g in groups
    ]


def _sorted_median(values: list[float]) -> float:
    """statistics.median of an already sorted list (the same arithmetic, without sorting again)."""
    n = len(values)
    if n % 2 == 1:
        return values[n // 2]
    return (values[n // 2 - 1] + values[n // 2]) / 2


_DOCUMENT_LINES: dict[int, tuple[DocumentText, tuple[Line, ...]]] = {}
DOCUMENT_LINES_KEPT = 2  # documents whose lines are remembered (the classifier's, then the extractor's)


def document_lines(document: DocumentText) -> list[Line]:
    """Every line of every page, in page then top-to-bottom order.

    The lines of the last few documents are remembered (by identity), so the classifier and the
    extractor of one document share the same Line objects and, with them, `Line.memo`."""
    kept = _DOCUMENT_LINES.get(id(document))
    if kept is not None and kept[0] is document:
        return list(kept[1])
    lines = tuple(line for page in document.pages for line in page_lines(page))
    if len(_DOCUMENT_LINES) >= DOCUMENT_LINES_KEPT:
        _DOCUMENT_LINES.clear()
    _DOCUMENT_LINES[id(document)] = (document, lines)
    return list(lines)


def segments(line: Line, wide_gap: float = WIDE_GAP) -> list[tuple[int, int]]:
    """Index ranges [start, end) of the line's runs of words separated by wide gaps."""
    runs: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(line.words)):
        if line.gap_before(i) > wide_gap:
            runs.append((start, i))
            start = i
    runs.append((start, len(line.words)))
    return runs


@dataclass(frozen=True)
class Vocabulary:
    """Label phrases (already split into normalised tokens) mapped to a key, longest first,
    indexed by first token so a line is matched in time linear in its words."""

    phrases: tuple[tuple[tuple[str, ...], str], ...]
    by_first: Mapping[str, tuple[tuple[tuple[str, ...], str], ...]] = field(default_factory=dict)
    modifiers: frozenset[str] = frozenset()
    fixed_keys: frozenset[str] = frozenset()
    by_joined: Mapping[str, tuple[tuple[str, ...], str]] = field(default_factory=dict)
    cut_labels: bool = False
    _cache: dict[str, list[tuple[tuple[str, ...], str]]] = field(
        default_factory=dict, compare=False, repr=False
    )
    _starts: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def build(
        cls,
        table: Mapping[str, Iterable[str]],
        *,
        modifiers: Iterable[str] = (),
        fixed_keys: Iterable[str] = (),
        cut_labels: bool = False,
    ) -> Vocabulary:
        """From {key: [phrase, ...]} as written in labels.json. A label may be preceded by up to
        MAX_MODIFIERS of the words `modifiers` ("Main Phone #", "Primary Contact Email") unless its
        key is one of `fixed_keys` (a "Contact Name" is not the business's name). With `cut_labels` a
        label of two or more words may end in a word cut short (see `cut_word`)."""
        items = {
            tuple(label_tokens(phrase)): key
            for key, phrases in table.items()
            for phrase in phrases
        }
        ordered = tuple(sorted(((p, k) for p, k in items.items() if p), key=lambda item: -len(item[0])))
        by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for phrase, key in ordered:
            by_first.setdefault(phrase[0], []).append((phrase, key))
        joined: dict[str, tuple[tuple[str, ...], str]] = {}
        for phrase, key in ordered:
            joined.setdefault("".join(phrase), (phrase, key))
        return cls(
            ordered,
            {k: tuple(v) for k, v in by_first.items()},
            frozenset(t for m in modifiers for t in label_tokens(m)),
            frozenset(fixed_keys),
            joined,
            cut_labels,
        )

    @cached_property
    def _firsts_by_length(self) -> dict[int, list[tuple[int, str]]]:
        """First tokens of five letters or more (the only ones an OCR slip can reach), by length,
        each with its place in `by_first`."""
        found: dict[int, list[tuple[int, str]]] = {}
        for order, first in enumerate(self.by_first):
            if len(first) >= 5:
                found.setdefault(len(first), []).append((order, first))
        return found

    @cached_property
    def joined_prefixes(self) -> frozenset[str]:
        """Every prefix of a phrase's tokens written together: where a run-together label may start."""
        return frozenset(text[:n] for text in self.by_joined for n in range(1, len(text) + 1))

    def candidates(self, token: str) -> list[tuple[tuple[str, ...], str]]:
        """Phrases whose first token is `token` or one OCR slip from it, longest first."""
        found = self._cache.get(token)
        if found is None:
            found = list(self.by_first.get(token, ()))
            if len(token) >= 5:  # close_words: shorter words need an exact match
                near = [
                    item
                    for size in (len(token) - 1, len(token), len(token) + 1)
                    for item in self._firsts_by_length.get(size, ())
                    if item[1] != token and close_words(token, item[1])
                ]
                for _, first in sorted(near):
                    found.extend(self.by_first[first])
            found.sort(key=lambda item: -len(item[0]))
            if len(self._cache) >= CANDIDATES_KEPT:
                self._cache.clear()
            self._cache[token] = found
        return found

    def may_start(self, token: str) -> bool:
        """Whether a label can start at this token: a phrase starts with it (or one slip from it),
        it begins a run-together phrase, or it is a modifier. Cheap to ask; `find_labels` skips
        every other token without trying to match there."""
        known = self._starts.get(token)
        if known is None:
            known = bool(self.candidates(token)) or token in self.joined_prefixes or token in self.modifiers
            if len(self._starts) >= CANDIDATES_KEPT:
                self._starts.clear()
            self._starts[token] = known
        return known


CANDIDATES_KEPT = 65536  # tokens a vocabulary remembers the candidates of (bounded: a worker lives long)


@dataclass(frozen=True)
class LabelHit:
    """A label found on a line: words [start, end) of `line` and the vocabulary key."""

    line_index: int
    start: int
    end: int
    key: str
    text: str
    fuzzy: bool = False


class _Token(NamedTuple):
    """One label token of a line: its word, and whether it starts / ends that word (a NamedTuple:
    a line's tokens are made for every word of every page, and a tuple is quick to make)."""

    word: int
    text: str
    first: bool
    last: bool


@lru_cache(maxsize=65536)
def close_words(a: str, b: str) -> bool:
    """Equal, or one edit apart for words of five letters or more (an OCR slip)."""
    if a == b:
        return True
    if min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


MIN_CUT_PREFIX = 3  # letters a label's last word keeps when a cell edge or an OCR slip cut it short


def cut_word(token: str, word: str) -> bool:
    """Whether `token` is `word` cut short at its end ("emai" of "email", "addre" of "address"),
    keeping MIN_CUT_PREFIX letters or more: a form cell too narrow for its label, or a last letter
    lost in the cell's border."""
    return MIN_CUT_PREFIX <= len(token) < len(word) and token.isalpha() and word.startswith(token)


def _ends_with_colon(line: Line, end: int) -> bool:
    last = line.words[end - 1].text
    following = line.words[end].text if end < len(line.words) else ""
    return last.endswith(":") or following in (":", "#:")


def find_labels(
    line: Line, line_index: int, vocabulary: Vocabulary, *, loose: bool = False
) -> list[LabelHit]:
    """Labels on one line, left to right; a phrase counts only where a label can sit.

    A label starts the line, follows a wide gap or ends with a colon, and it ends with a colon,
    a wide gap or the end of the line; so words inside a value ("City Auto Repair") are not labels.
    `loose` also accepts a label directly followed by a number ("Ending balance on 11/30: 5.00").
    """
    key = ("labels", id(vocabulary), line_index, loose)
    kept_vocabulary, hits = line.memo(
        key, lambda: (vocabulary, _find_labels(line, line_index, vocabulary, loose))
    )
    if kept_vocabulary is not vocabulary:  # another vocabulary now lives at that id: not a hit
        hits = _find_labels(line, line_index, vocabulary, loose)
    return list(hits)


def _find_labels(line: Line, line_index: int, vocabulary: Vocabulary, loose: bool) -> tuple[LabelHit, ...]:
    tokens = list(line.tokens)
    hits: list[LabelHit] = []
    k = 0
    while k < len(tokens):
        token = tokens[k]
        hit = None
        if token.first and vocabulary.may_start(token.text):
            hit = _match_at(line, line_index, tokens, k, vocabulary, loose)
        if hit is None:
            k += 1
            continue
        hits.append(hit)
        while k < len(tokens) and tokens[k].word < hit.end:  # tokens before k lie before the hit
            k += 1
    return tuple(hits)


MAX_MODIFIERS = 2
MAX_JOINED_TOKENS = 3


def _match_at(
    line: Line, line_index: int, tokens: list[_Token], k: int, vocabulary: Vocabulary, loose: bool
) -> LabelHit | None:
    hit = _match_phrase(line, line_index, tokens, k, k, vocabulary, loose)
    if hit is None:
        hit = _match_joined(line, line_index, tokens, k, vocabulary, loose)
    skip = k
    while hit is None and skip - k < MAX_MODIFIERS and skip < len(tokens) - 1:
        token = tokens[skip]
        if not (token.first and token.last and token.text in vocabulary.modifiers):
            break
        if line.gap_before(tokens[skip + 1].word) > WIDE_GAP:
            break  # a modifier stands right before its label: across a column gap it ends a value
        skip += 1
        hit = _match_phrase(line, line_index, tokens, k, skip, vocabulary, loose)
        if hit is not None and hit.key in vocabulary.fixed_keys:
            hit = None
    return hit


def _match_joined(
    line: Line, line_index: int, tokens: list[_Token], k: int, vocabulary: Vocabulary, loose: bool
) -> LabelHit | None:
    """A label whose words were read run together ("TypeofEntity", "Legal/CorporateName"): the
    tokens from `k` on, concatenated, spell a whole vocabulary phrase of more tokens."""
    text = ""
    for j in range(k, min(k + MAX_JOINED_TOKENS, len(tokens))):
        text += tokens[j].text
        if text not in vocabulary.joined_prefixes:
            return None  # longer runs only extend it: no phrase spells them
        found = vocabulary.by_joined.get(text)
        if found is None or not tokens[j].last or len(found[0]) <= j - k + 1:
            continue
        phrase = found[0]
        spelled = [
            _Token(tokens[k].word if n == 0 else tokens[j].word, part, n == 0, n == len(phrase) - 1)
            for n, part in enumerate(phrase)
        ]
        respelled = [*tokens[:k], *spelled, *tokens[j + 1 :]]
        hit = _match_phrase(line, line_index, respelled, k, k, vocabulary, loose)
        if hit is not None:
            return hit
    return None


def _match_phrase(
    line: Line,
    line_index: int,
    tokens: list[_Token],
    k: int,
    at: int,
    vocabulary: Vocabulary,
    loose: bool,
) -> LabelHit | None:
    """A label starting at token `k` whose vocabulary phrase starts at token `at` (>= k: modifiers)."""
    start_word = tokens[k].word
    windows: dict[int, tuple[str, ...]] = {}  # the token texts from `at` on, by phrase length
    for phrase, key in vocabulary.candidates(tokens[at].text):
        size = len(phrase)
        if at + size > len(tokens) or not tokens[at + size - 1].last:
            continue  # a label is whole words: "Owner" is not the label of "Owner/Title"
        window = windows.get(size)
        if window is None:
            window = windows[size] = tuple(t.text for t in tokens[at : at + size])
        exact = window == phrase
        cut = False
        if not exact and not all(map(close_words, window, phrase)):
            cut = vocabulary.cut_labels and size >= 2 and cut_word(window[-1], phrase[-1])
            if not (cut and all(map(close_words, window[:-1], phrase[:-1]))):
                continue
        end_word = _past_parenthetical(line, tokens[at + size - 1].word + 1)
        colon = _ends_with_colon(line, end_word)
        starts_ok = (
            start_word == 0 or line.gap_before(start_word) > WIDE_GAP or colon or _ruled(line, start_word - 1)
        )
        following = next(
            (j for j in range(end_word, len(line.words)) if has_content(line.words[j].text)), None
        )
        if cut and following is None:
            continue  # a label cut short by its cell's edge has its value beside it (not a heading)
        ends_ok = colon or following is None or line.gap_before(following) > WIDE_GAP
        ends_ok = ends_ok or (following is not None and _ruled(line, following - 1))
        if not ends_ok and loose and following is not None:
            ends_ok = bool(re.search(r"[\d(]", line.words[following].text))
        if starts_ok and ends_ok:
            if end_word < len(line.words) and line.words[end_word].text in (":", "#:"):
                end_word += 1
            text = " ".join(w.text for w in line.words[start_word:end_word]).rstrip(":# ")
            return LabelHit(line_index, start_word, end_word, key, text, fuzzy=not exact)
    return None


_RULE = re.compile(r"^[|\[\]]+$")  # a table cell's edge, as an OCR engine reads it


def _ruled(line: Line, index: int) -> bool:
    """Whether word `index` is a cell edge read as '|' or a bracket: a column break however narrow."""
    return 0 <= index < len(line.words) and _RULE.match(line.words[index].text) is not None


def _past_parenthetical(line: Line, end: int) -> int:
    """A label's trailing remark in brackets ("Federal Tax ID (EIN)", "DBA (if any)") is part of it."""
    words = line.words
    if end >= len(words) or not words[end].text.startswith("(") or re.search(r"\d", words[end].text):
        return end
    for j in range(end, min(end + 4, len(words))):
        if words[j].text.rstrip(":#").endswith(")"):
            return j + 1
    return end


@dataclass
class LabelValue:
    """A label and the words of its value (possibly empty), from `line_index` on page `page`."""

    hit: LabelHit
    page: int
    words: list[Word] = field(default_factory=list)

    @cached_property
    def text(self) -> str:
        return " ".join(w.text for w in self.words).strip()


def pair_values(lines: Sequence[Line], hits_by_line: Mapping[int, list[LabelHit]]) -> list[LabelValue]:
    """Attach each label to its value: same line up to the next label, else the column below."""
    pairs: list[LabelValue] = []
    for index in sorted(hits_by_line):
        line = lines[index]
        hits = hits_by_line[index]
        for n, hit in enumerate(hits):
            stop = hits[n + 1].start if n + 1 < len(hits) else len(line.words)
            words = _value_words(line.words[hit.end : stop])
            if not words:
                right = line.words[hits[n + 1].start].box.x0 if n + 1 < len(hits) else 1.0
                words = _value_below(lines, hits_by_line, index, line.words[hit.start].box.x0, right)
            pairs.append(LabelValue(hit, line.page, words))
    return pairs


_INNER_PUNCTUATION = frozenset({".", ",", "'", "’"})


def _value_words(words: Sequence[Word]) -> list[Word]:
    """The words of a value: box rules dropped, a dash kept, and a lone '.', ',' or apostrophe kept
    between two words of the value (an OCR engine may box "fobrien@aol . com" as three words)."""
    kept = {i for i, w in enumerate(words) if has_content(w.text) or w.text.strip() == "-"}
    if not kept:
        return []
    inner = {i for i in range(min(kept), max(kept)) if words[i].text.strip() in _INNER_PUNCTUATION}
    return [w for i, w in enumerate(words) if i in kept or i in inner]


def _value_below(
    lines: Sequence[Line], hits_by_line: Mapping[int, list[LabelHit]], index: int, left: float, right: float
) -> list[Word]:
    """Words in the column [left, right) of the next line below, unless that line holds a label there."""
    line = lines[index]
    if index + 1 >= len(lines):
        return []
    below = lines[index + 1]
    if below.page != line.page or below.y0 - line.y1 > 2.5 * line.height:
        return []
    slack = 0.01
    words = [w for w in below.words if left - slack <= w.box.x0 < right - slack and has_content(w.text)]
    starts = {h.start for h in hits_by_line.get(index + 1, [])}
    if any(below.words.index(w) in starts for w in words):
        return []
    return words
