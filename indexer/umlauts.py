"""German umlauts typed as two letters: "Kaesespaetzle" finds "Käsespätzle", "Fuesse" "Füße".

A keyboard without ä, ö, ü (an English layout, a phone set to English) types them ae, oe, ue, as
German itself writes them where umlauts cannot be (DIN 5007-2, passports, domain names). The
keyword index folds ä to a, not to ae (its ASCII folding: "Kasespatzle" was always found), so a
query typed with ae shares only its n-grams away from the umlauts with the note: on Vue's German
documentation, 13 of 27 words typed so found their page first, and no card marked them. The query
gets the umlauted spelling too (BM25 OR, as `indexer.vocabulary` adds the other Chinese
community's words; and as a spelling the query's words stand together in, `indexer.phrase_first`),
by German2's rule (Snowball; Lucene's GermanNormalizationFilter): ae -> ä, oe -> ö, and ue -> ü
except after a vowel or q (neue, Feuer, Quelle keep it). ß needs nothing: the index folds it to ss.
An English word this turns (blue -> blü, does -> dös) adds only n-grams that the index's folding
takes back to letters the word holds already (blu, dos).
"""

from __future__ import annotations

import re

from indexer.keyword import words

_DIGRAPH = re.compile(r"(?<![aeiouyäöüq])ue|ae|oe", re.IGNORECASE)
_UMLAUT = {"a": "ä", "o": "ö", "u": "ü"}


def umlaut_spelling(text: str) -> str | None:
    """`text` with its Latin words' ae, oe, ue written as umlauts (German2's rule), or None when no
    word has them."""
    typed = words(text)
    spelled = [_DIGRAPH.sub(_umlaut, word) if word.isascii() and word.isalpha() else word for word in typed]
    return " ".join(spelled) if spelled != typed else None


def with_umlauts(text: str) -> str:
    """`text` (a keyword query's words) followed by its words that `umlaut_spelling` changes."""
    spelled = umlaut_spelling(text)
    if spelled is None:
        return text
    changed = [new for old, new in zip(words(text), spelled.split(), strict=True) if old != new]
    return " ".join([text, *changed])


def _umlaut(match: re.Match) -> str:
    first = match.group()[0]
    umlaut = _UMLAUT[first.lower()]
    return umlaut.upper() if first.isupper() else umlaut
