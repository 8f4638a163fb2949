"""Why a card matched: the query's words marked in its text, escaped safely.

`highlight(text, terms)` returns HTML: every piece of `text` is escaped and the matches are wrapped
in <mark>, so a note holding `<script>` or `<mark>` stays text. Matches are found on the raw text
and merged before anything is escaped, so a mark never splits an entity or lands in markup.

Terms are the words the searcher took from the query (`Hit.terms`); which spans they match, and
how (case, accents, Chinese scripts, CJK without spaces), is `indexer.matches`.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from indexer.matches import matches


def highlight(text: str, terms: Iterable[str]) -> str:
    """`text` escaped as HTML, with the spans matching `terms` wrapped in <mark>."""
    out, position = [], 0
    for start, end in matches(text, terms):
        out.append(escape(text[position:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    out.append(escape(text[position:]))
    return "".join(out)
