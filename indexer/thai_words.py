"""Thai words, cut as a Thai reader cuts them: Thai is written without spaces between words.

The keyword index needs no cutting (its character n-grams match anywhere, `indexer.keyword`), but
marking what matched does: a Thai query run that a note does not hold whole (ตั้งค่าโปรแกรม against
a note that writes ตั้งค่า and โปรแกรม apart) is marked by its words, not by every two letters of it
(a tone mark and a vowel are no word). PyThaiNLP's `newmm` (maximal matching over its own
dictionary of ~60,000 words, shipped in the wheel, nothing downloaded) cuts them; imported only
when a Thai run is not found whole (loading its dictionary takes ~1.5 s once per process).
"""

from __future__ import annotations

import functools
import re

THAI_RUN = re.compile("^[\u0e01-\u0e5b]+$")
_AM = ("\u0e4d\u0e32", "\u0e33")  # sara am as `keyword.fold` writes it, and as one character


@functools.lru_cache(maxsize=1024)
def thai_words(run: str) -> tuple[str, ...]:
    """The words of a run of Thai letters (as folded: ำ written ํา, and given back so), in order;
    the dictionary's words only, each of two letters or more (a lone letter or mark is no word)."""
    from pythainlp.tokenize import word_tokenize  # noqa: PLC0415 (a 1.5 s dictionary load)

    cut = word_tokenize(run.replace(*_AM), engine="newmm", keep_whitespace=False)
    return tuple(word.replace(_AM[1], _AM[0]) for word in cut if len(word) > 1)


_THAI_CHAR = re.compile("[\u0e01-\u0e5b]")


def thai_edge(text: str, position: int, forward: bool) -> int:
    """`position`, or when it falls inside a word of a run of Thai, the nearest edge of a word
    after it (`forward`) or before it: where a quote of Thai text may be cut (หากคุณ, not ากคุณ)."""
    inside = 0 < position < len(text) and all(_THAI_CHAR.match(text[i]) for i in (position - 1, position))
    if not inside:
        return position
    start, end = position, position
    while start and _THAI_CHAR.match(text[start - 1]):
        start -= 1
    while end < len(text) and _THAI_CHAR.match(text[end]):
        end += 1
    from pythainlp.tokenize import word_tokenize  # noqa: PLC0415 (see thai_words)

    edges, at = [start], start
    for word in word_tokenize(text[start:end], engine="newmm", keep_whitespace=False):
        at += len(word)
        edges.append(at)
    after = [edge for edge in edges if edge >= position]
    before = [edge for edge in edges if edge <= position]
    return (after[0] if after else end) if forward else (before[-1] if before else start)
