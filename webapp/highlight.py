"""Why a card matched: the query's words marked in its text, escaped safely.

`highlight(text, terms)` returns HTML: every piece of `text` is escaped and the matches are wrapped
in <mark>, so a note holding `<script>` or `<mark>` stays text. Matches are found on the raw text
and merged before anything is escaped, so a mark never splits an entity or lands in markup.

Terms are the words the searcher took from the query (`Hit.terms`). A word in a spaced language
matches where a word starts, case-insensitively ("fold" marks "Folded"); a word of two letters
must be the whole word (so "it" does not mark "items"). CJK has no spaces: a run of Chinese or
Japanese characters is marked wherever it occurs, and when the whole run is not in the text, every
piece of it of two or more characters that is (the n-gram index found the card the same way).
The text and the terms are compared as the keyword index compares them (`comparable`), so what
search found is marked: Traditional and Simplified Chinese match each other, and so do letters with
and without their accents or points (`indexer.keyword.fold` for Greek, ё, Arabic and Hebrew; Latin
accents as the index's ASCII folding takes them: "creme brulee" marks "Crème brûlée", "strasse"
marks "Straße"). Matches are found on that form and mapped back to the original characters, which
are marked as written.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from html import escape

from indexer.keyword import fold

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_CJK_RUN = re.compile(f"^[{_CJK}]+$")
MAX_CJK_RUN = 32  # substrings of a run grow with its square; a query sentence longer than this is cut
# Latin letters that do not decompose into a letter and accents, folded as ASCII folding does
_LATIN_LETTERS = dict(zip("ßæœøđðłþı", ["ss", "ae", "oe", "o", "d", "d", "l", "th", "i"], strict=True))
_LATIN_RANGES = ((0x00C0, 0x024F), (0x1E00, 0x1EFF), (0xFF01, 0xFF5E))  # Latin-1..Ext-B, Vietnamese, wide


def highlight(text: str, terms: Iterable[str]) -> str:
    """`text` escaped as HTML, with the spans matching `terms` wrapped in <mark>."""
    out, position = [], 0
    for start, end in matches(text, terms):
        out.append(escape(text[position:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    out.append(escape(text[position:]))
    return "".join(out)


def matches(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """The (start, end) spans of `text` that `terms` match, merged, in text order."""
    folded, origin = comparable(text)
    found = (span for term in terms if term for span in _spans(folded, comparable(term)[0]))
    return _merge((origin[start], origin[end - 1] + 1) for start, end in found)  # the original characters


def comparable(text: str) -> tuple[str, list[int]]:
    """`text` as matched (folded as the index folds it, Latin accents off, case-folded) and, for each
    of its characters, the index of the character of `text` it comes from."""
    if text.isascii():
        return text.lower(), list(range(len(text)))
    pieces = [_comparable_char(char) for char in text]
    origin = [position for position, piece in enumerate(pieces) for _ in piece]
    return "".join(pieces), origin


@functools.lru_cache(maxsize=8192)
def _comparable_char(char: str) -> str:
    char = fold(char)
    if not char:  # a vowel point the fold takes away
        return ""
    point = ord(char)
    if any(first <= point <= last for first, last in _LATIN_RANGES):
        lower = char.lower()
        plain = "".join(c for c in unicodedata.normalize("NFKD", lower) if not unicodedata.combining(c))
        char = _LATIN_LETTERS.get(lower, plain if plain.isascii() and plain else lower)
    elif unicodedata.combining(char) and 0x0300 <= point <= 0x036F:  # a decomposed accent (e + U+0301)
        return ""
    return char.casefold()


def _spans(text: str, term: str) -> list[tuple[int, int]]:
    if _CJK_RUN.match(term):
        return _cjk_spans(text, term[:MAX_CJK_RUN])
    boundary = r"(?![^\W_])" if len(term) <= 2 else ""
    pattern = re.compile(rf"(?<![^\W_]){re.escape(term)}{boundary}", re.IGNORECASE)
    return [match.span() for match in pattern.finditer(text)]


def _cjk_spans(text: str, run: str) -> list[tuple[int, int]]:
    if run in text:
        return _occurrences(text, run)
    if len(run) == 1:
        return []
    pieces = {run[i : i + size] for size in range(2, len(run)) for i in range(len(run) - size + 1)}
    return [span for piece in pieces if piece in text for span in _occurrences(text, piece)]


def _occurrences(text: str, piece: str) -> list[tuple[int, int]]:
    spans, start = [], text.find(piece)
    while start != -1:
        spans.append((start, start + len(piece)))
        start = text.find(piece, start + 1)
    return spans


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching spans become one, in text order."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
