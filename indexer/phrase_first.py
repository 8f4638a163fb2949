"""Notes holding the query's words together, as typed, rank before notes holding them apart.

The keyword index scores a query's character n-grams each on its own (`indexer.keyword`), so the
order of its words and whether they stand together count for nothing. That is enough where words
are long (Kartoffelsalat) or written without spaces (红烧肉, ต้มยำกุ้ง): their n-grams are rare
together. It is not where words are short syllables: a Vietnamese word is two or three syllables
of a few letters each (thiết yếu, tôn trọng, truyện tranh), typed without tones as often as with,
and a note using "thiết" and "yếu" apart, or just many t, h, i, e letters, outscored the one note
holding "thiết yếu" (on a real Vietnamese notebook, 16 of 68 such words typed plainly found their
note first). So among the ranking's top `PHRASE_DEPTH` parts, those whose keyword text holds the
query's words in a row, compared as cards mark them (`plain`: accents, tones, case and Chinese
script aside), come first, each group in BM25's order. Words in spaced scripts
must stand as words (pho holds phở, not phòng); Chinese, Japanese and Thai anywhere. A query whose
words no note holds together is ranked as BM25 ranks it.
"""

from __future__ import annotations

import re
import unicodedata

import pyarrow as pa

from indexer.keyword import CJK_CHARS, FTS_COLUMN, fold, words
from indexer.matches import LATIN_LETTERS

PHRASE_DEPTH = 50  # parts of BM25's ranking looked at: a note holding the phrase further down stays there
_UNSPACED = re.compile(f"[{CJK_CHARS}\u0e01-\u0e5b]")  # scripts written without spaces between words
_BETWEEN = r"[\W_]+"  # what may stand between the words: spaces, punctuation, a line break
_ACCENTS = re.compile("[\u0300-\u036f]+")
_LETTERS = re.compile(f"[{''.join(LATIN_LETTERS)}]")  # a sub: translate with a dict costs 5x more


def plain(text: str, folded: bool = False) -> str:
    """`text` as compared: folded as the index folds it (unless it is keyword text, `folded`
    already), case-folded, compatibility-decomposed and without Latin accents (ß, đ, ø as the
    index's ASCII folding writes them). Both sides alike, so a decomposed form (Hangul jamo, kana
    and its voicing mark) meets itself; C-speed string methods, where `matches.comparable` goes
    character by character to map spans back."""
    text = (text if folded else fold(text)).casefold()
    if text.isascii():
        return text
    text = _LETTERS.sub(lambda letter: LATIN_LETTERS[letter.group()], text)
    return _ACCENTS.sub("", unicodedata.normalize("NFKD", text))


def phrase_pattern(texts: list[str]) -> re.Pattern | None:
    """What a text holding the query's words in a row matches (on its `plain` form); None for a
    query of no words. `texts` are the query's spellings (as typed, and its variants). Whether an
    end must stand at a word's edge is read on the word as typed: decomposed, a Hangul syllable is
    jamo and a kana its voicing mark (김치찌개 inside 김치찌개를, a noun with its particle)."""
    patterns = []
    for text in texts:
        typed = [word for word in words(text) if plain(word)]
        if not typed:
            continue
        start = "" if _UNSPACED.match(typed[0][0]) else r"(?<![^\W_])"
        end = "" if _UNSPACED.match(typed[-1][-1]) else r"(?![^\W_])"
        patterns.append(start + _BETWEEN.join(re.escape(plain(word)) for word in typed) + end)
    return re.compile("|".join(f"(?:{p})" for p in patterns)) if patterns else None


def phrase_first(rows: pa.Table, pattern: re.Pattern | None, k: int | None = None) -> pa.Table:
    """The first `k` (default: all) of `rows` (best first, with the keyword text column), those
    whose text `pattern` matches first, each group in its order; the keyword text column dropped.
    The texts are read until `k` match: the first `k` that do are the answer whatever follows."""
    k = rows.num_rows if k is None else k
    if pattern is None or rows.num_rows < 2:
        return rows.slice(0, k).drop_columns([FTS_COLUMN])
    holding: list[int] = []
    for i, text in enumerate(rows.column(FTS_COLUMN).to_pylist()):
        if text and pattern.search(plain(text, folded=True)):
            holding.append(i)
            if len(holding) == k:
                break
    apart = sorted(set(range(rows.num_rows)) - set(holding))
    return rows.take((holding + apart)[:k]).drop_columns([FTS_COLUMN])
