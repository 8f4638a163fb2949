"""Why a card matched: the query's words marked in its text, escaped safely.

`highlight(text, terms)` returns HTML: every piece of `text` is escaped and the matches are wrapped
in <mark>, so a note holding `<script>` or `<mark>` stays text. Matches are found on the raw text
and merged before anything is escaped, so a mark never splits an entity or lands in markup.

Terms are the words the searcher took from the query (`Hit.terms`). A word in a spaced language
matches where a word starts, case-insensitively ("fold" marks "Folded"); a word of two letters
must be the whole word (so "it" does not mark "items"). CJK has no spaces: a run of Chinese or
Japanese characters is marked wherever it occurs, and when the whole run is not in the text, every
piece of it of two or more characters that is (the n-gram index found the card the same way).
Traditional and Simplified Chinese match each other: the text and the terms are compared folded
(`indexer.keyword.fold`, one character for one), and the original characters are marked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape

from indexer.keyword import fold

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_CJK_RUN = re.compile(f"^[{_CJK}]+$")
MAX_CJK_RUN = 32  # substrings of a run grow with its square; a query sentence longer than this is cut


def highlight(text: str, terms: Iterable[str]) -> str:
    """`text` escaped as HTML, with the spans matching `terms` wrapped in <mark>."""
    folded = fold(text)  # same length: its spans are the text's
    spans = _merge(span for term in terms if term for span in _spans(folded, fold(term)))
    out, position = [], 0
    for start, end in spans:
        out.append(escape(text[position:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    out.append(escape(text[position:]))
    return "".join(out)


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
