"""Mainland and Taiwan words: a Chinese query also searches the word the other community writes.

`keyword.fold` makes Traditional and Simplified characters one, but mainland China and Taiwan also
use different words for the same thing: 软件/軟體 (software), 内存/記憶體 (memory), 程序/程式, 默认/預設,
视频/影片, 数据库/資料庫, 服务器/伺服器. A mainland query shares no n-gram with a Taiwanese note for them.
The indexed text is not converted (phrase conversion changes lengths and guesses words, see
`keyword`); the query is: each run of Han characters is converted phrase-wise by OpenCC, to Taiwan
words (`s2twp`) and from those back to mainland words (`tw2sp`), so a query typed either way gets
the other. Where a conversion, folded as the index folds, differs from the run, the differing
pieces join the keyword query (BM25 OR: their n-grams add to the query's; the pieces alone, not
the whole converted run, so the n-grams both share are mostly not counted twice) and the cards' marked
terms. A query OpenCC leaves as it is (or changes only in characters the fold takes anyway) is
searched exactly as before. `tw2sp` is never applied to the query as typed: read as Taiwan text, a
mainland 程序 (program) would become 进程 (process). Runs holding kana are Japanese and left alone;
Hong Kong's words (`s2hk`) are mostly the mainland's written in Traditional characters, which the
fold already finds.
"""

from __future__ import annotations

import functools
import re
from difflib import SequenceMatcher

from indexer.keyword import fold, words

_HAN_RUN = re.compile("^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")  # no kana: not Japanese


def with_variants(text: str) -> str:
    """`text` (a keyword query's words) followed by `variants(text)`, or `text` itself."""
    return " ".join([text, *variants(text)]) if text else text


def variants(text: str) -> list[str]:
    """The pieces of the other community's words for the Han words of `text`, as OpenCC writes
    them (`Searcher` folds them with the query): 软件 -> [軟體], 記憶體不足 -> [内存]; [] when
    no word converts to anything the fold does not already find."""
    found: list[str] = []
    seen = fold(text)  # a piece the query already holds adds nothing (软件 軟體 -> [])
    for word in words(text):
        if not _HAN_RUN.match(word):
            continue
        taiwan = _convert("s2twp", word)
        for other in (taiwan, _convert("tw2sp", taiwan)):
            for piece in _changed(fold(word), other):
                if fold(piece) not in seen:
                    seen += " " + fold(piece)
                    found.append(piece)
    return found


def _changed(folded: str, other: str) -> list[str]:
    """The pieces of `other` that differ from `folded` (compared folded; the fold keeps each Han
    character one character, so positions agree): changes one equal character apart are one word
    (数据库服务器 -> 資料庫伺服器, not 資料 and 伺), and each piece keeps one neighbour on either side,
    so the n-grams across its ends are searched too (软件 -> 軟體, not the lone 體 every 体 matches)."""
    target = fold(other)
    if target == folded:
        return []
    spans: list[list[int]] = []
    for tag, _, _, start, end in SequenceMatcher(None, folded, target, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if spans and start - spans[-1][1] <= 1:
            spans[-1][1] = end
        else:
            spans.append([start, end])
    return [other[max(start - 1, 0) : end + 1] for start, end in spans if end + 1 - start > 0]


@functools.cache
def _converter(config: str):
    import opencc  # noqa: PLC0415 (only for queries holding Han characters)

    return opencc.OpenCC(config)


@functools.lru_cache(maxsize=4096)
def _convert(config: str, text: str) -> str:
    return _converter(config).convert(text)
