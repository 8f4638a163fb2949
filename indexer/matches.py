"""Where a query's words are in a text: the spans keyword search matched, on the original characters.

Cards mark them (`webapp.highlight`) and the command line quotes them (`python -m indexer search`).
The text and the terms are compared as the keyword index compares them (`comparable`), so what
search found is what is marked: Traditional and Simplified Chinese match each other, and so do
letters with and without their accents or points (`keyword.fold` for Greek, ё, Arabic and Hebrew;
Latin accents as the index's ASCII folding takes them: "creme brulee" matches "Crème brûlée",
"strasse" matches "Straße"). Spans are found on that form and mapped back to the original
characters.

A word in a spaced language matches where a word starts, case-insensitively ("fold" matches
"Folded"); a word of two letters must be the whole word (so "it" does not match "items"). CJK has no
spaces: a run of Chinese or Japanese characters matches wherever it occurs, and when the whole run
is not in the text, every piece of it of two or more characters that is (the n-gram index found
the note the same way). Thai has no spaces between words either: a run of Thai matches wherever it
occurs (ตะไคร้ inside ใส่ข่าตะไคร้ใบมะกรูด, where it used to be marked only after a tone mark), and
when the whole run is not in the text, each of its words that is (`indexer.thai_words`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from indexer.keyword import CJK_CHARS, fold
from indexer.thai_words import THAI_RUN, thai_edge, thai_words

_CJK_RUN = re.compile(f"^[{CJK_CHARS}]+$")  # a term as `keyword.words` cuts CJK: one run
MAX_CJK_RUN = 32  # substrings of a run grow with its square; a query sentence longer than this is cut
# Latin letters that do not decompose into a letter and accents, folded as ASCII folding does
LATIN_LETTERS = dict(zip("ßæœøđðłþı", ["ss", "ae", "oe", "o", "d", "d", "l", "th", "i"], strict=True))
_LATIN_RANGES = ((0x00C0, 0x024F), (0x1E00, 0x1EFF), (0xFF01, 0xFF5E))  # Latin-1..Ext-B, Vietnamese, wide
EXCERPT_CONTEXT = (40, 100)  # characters quoted before and after the first match


def matches(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """The (start, end) spans of `text` that `terms` match, merged, in text order."""
    terms = [comparable(term)[0] for term in terms if term]
    if not terms:  # a full view opened without a query: nothing to compare
        return []
    folded, origin = comparable(text)
    found = [span for term in terms if term for span in _spans(folded, term)]
    if not found:
        return []
    marks = set(range(len(text))) - set(origin)  # vowel points, accents, voicing marks the fold joined
    spans = []
    for start, end in found:
        start, end = origin[start], origin[end - 1] + 1  # the original characters
        while end in marks:  # with the marks on the last letter (ｶﾞ, a closing vowel point)
            end += 1
        spans.append((start, end))
    return _merge(spans)


def comparable(text: str) -> tuple[str, list[int]]:
    """`text` as matched (folded as the index folds it, Latin accents off, case-folded) and, for each
    of its characters, the index of the character of `text` it comes from."""
    if text.isascii():
        return text.lower(), list(range(len(text)))
    pieces = [_comparable_char(char) for char in text]
    for position, char in enumerate(text):  # a half-width voicing mark joins the kana before it (ｶﾞ = ガ)
        if char in "\uff9e\uff9f" and position and "\uff66" <= text[position - 1] <= "\uff9d":
            pieces[position - 1], pieces[position] = fold(text[position - 1 : position + 1]), ""
    origin = [position for position, piece in enumerate(pieces) for _ in piece]
    return "".join(pieces), origin


@functools.lru_cache(maxsize=8192)
def _comparable_char(char: str) -> str:
    char = fold(char)
    if len(char) != 1:  # a vowel point the fold takes away, Thai ำ written as its two marks
        return char
    point = ord(char)
    if any(first <= point <= last for first, last in _LATIN_RANGES):
        lower = char.lower()
        plain = "".join(c for c in unicodedata.normalize("NFKD", lower) if not unicodedata.combining(c))
        char = LATIN_LETTERS.get(lower, plain if plain.isascii() and plain else lower)
    elif unicodedata.combining(char) and 0x0300 <= point <= 0x036F:  # a decomposed accent (e + U+0301)
        return ""
    return char.casefold()


def _spans(text: str, term: str) -> list[tuple[int, int]]:
    if _CJK_RUN.match(term):
        return _cjk_spans(text, term[:MAX_CJK_RUN])
    if THAI_RUN.match(term):
        found = _occurrences(text, term)
        return found or [span for word in thai_words(term) for span in _occurrences(text, word)]
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


def excerpt(text: str, terms: Iterable[str]) -> tuple[str, list[tuple[int, int]]] | None:
    """A stretch of `text` around its first match, on one line, cut at words where there are spaces
    and between Thai words where there are none ("… " and " …" where it was cut), and the matched
    spans in it; None when nothing matches."""
    spans = matches(text, terms)
    if not spans:
        return None
    first, last = spans[0]
    before, after = EXCERPT_CONTEXT
    start, end = max(0, first - before), min(len(text), last + after)
    if start and not text[start - 1].isspace() and " " in text[start:first]:
        start = text.index(" ", start) + 1  # from a word's start (text without spaces as it comes)
    if end < len(text) and " " in text[last:end]:
        end = text.rindex(" ", last, end)
    start = min(thai_edge(text, start, forward=True), first)  # Thai: no spaces, cut between words
    end = max(thai_edge(text, end, forward=False), last)
    lead = "… " if start else ""
    stretch = lead + " ".join(text[start:end].splitlines()) + (" …" if end < len(text) else "")
    shift = len(lead) - start
    return stretch, [(a + shift, b + shift) for a, b in spans if a >= start and b <= end]


def quote(doc, terms: Iterable[str]) -> tuple[str, str, list[tuple[int, int]]] | None:
    """Where `doc` (an `InterleavedDoc`) holds the query's words first, for a line under its title:
    (place, stretch, spans) with place "" for its text, "picture NAME" for the words read in one of
    its pictures, "tags" for its tags; None when none holds them (a semantic hit, or a match in the
    title alone)."""
    terms = tuple(terms)
    if not terms:
        return None
    for segment in doc.segments:
        text = getattr(segment, "text", None)
        if text:
            lines = text.strip().splitlines()
            if lines and lines[0].lstrip("#").strip() == doc.title.strip():
                lines = lines[1:]  # the title is on the line above already
            found = excerpt("\n".join(lines).strip(), terms)
            if found:
                return ("", *found)
    words = doc.meta.get("picture_words") or ()
    for image, text in zip(doc.images, words, strict=False):
        found = excerpt(text, terms) if isinstance(text, str) else None
        if found:
            return (f"picture {image.path.rsplit('/', 1)[-1]}", *found)
    tags = " ".join(f"#{tag}" for tag in doc.meta.get("tags") or () if isinstance(tag, str) and tag)
    found = excerpt(tags, terms) if tags else None
    return ("tags", *found) if found else None
