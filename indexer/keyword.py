"""Keyword search: a LanceDB full-text index over each part's `text` (title + body, no image paths).

The tokenizer must find a Chinese or Japanese word in the middle of a sentence with nothing
downloaded: LanceDB's default `simple` tokenizer splits on spaces only (it finds nothing inside a
Chinese sentence), and the dictionary tokenizers (jieba, lindera) need models fetched at run
time. Character n-grams (1-3) need no dictionary: a query matches wherever its n-grams occur, in
any script, and a word's inflections share most of their n-grams. Single characters are n-grams
too because many words are one character (肉, 鸡, 音, 鍋; Korean 힙 "heap", 큐 "queue"): with 2-3
they found nothing at all. Measured on HowToCook and based.cooking (every note's title as the
query, BM25 alone), top-1 is unchanged (365/369, 320/350) and the index 3-7 % larger. `icu` (word
segmentation by ICU's built-in dictionaries) was measured beside it: see "Relevance on real notes"
in docs/BENCHMARKS.md. An index built with 2-3 gets its keyword index built again by the next `add`
(`keyword_index_outdated`).

The index follows the table by itself: rows written after it was built are searched unindexed
until `optimize()` folds them in, deleted rows are never returned, so keyword hits are exactly in
sync with every add, update, remove and rebuild.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from lancedb.index import FTS

FTS_COLUMN = "text"
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_IS_CJK = re.compile(rf"[{_CJK}]")


@dataclass(frozen=True)
class KeywordConfig:
    """How the full-text index tokenizes (`ngram` or `icu`)."""

    tokenizer: str = "ngram"
    ngram_min: int = 1  # one-character words (肉, 힙) are found (see the module doc)
    ngram_max: int = 3

    def __post_init__(self) -> None:
        if self.tokenizer not in ("ngram", "icu"):
            raise ValueError(f"unknown tokenizer {self.tokenizer!r}; valid tokenizers are ngram, icu")

    def index_options(self) -> dict:
        if self.tokenizer == "icu":
            return {"base_tokenizer": "icu"}
        return {
            "base_tokenizer": "ngram",
            "ngram_min_length": self.ngram_min,
            "ngram_max_length": self.ngram_max,
        }


def has_keyword_index(table) -> bool:
    return any(FTS_COLUMN in index.columns and index.index_type == "FTS" for index in table.list_indices())


def keyword_index_outdated(table, config: KeywordConfig | None = None) -> bool:
    """Whether the table has a full-text index that tokenizes otherwise than `config` (default: ours)
    says: an index built by an earlier release (2-3 n-grams, so one-character words found nothing)."""
    wanted = (config or KeywordConfig()).index_options()
    for index in table.list_indices():
        if FTS_COLUMN in index.columns and index.index_type == "FTS":
            details = getattr(index, "index_details", None) or {}
            have = {
                "base_tokenizer": details.get("base_tokenizer"),
                "ngram_min_length": details.get("min_ngram_length"),
                "ngram_max_length": details.get("max_ngram_length"),
            }
            return bool(details) and any(have[key] != value for key, value in wanted.items())
    return False


def ensure_keyword_index(table, config: KeywordConfig | None = None, replace: bool = False) -> bool:
    """Build the full-text index if the table has rows and none yet (or `replace`); True if built."""
    if (has_keyword_index(table) and not replace) or table.count_rows() == 0:
        return False
    table.create_index(FTS_COLUMN, config=FTS(**(config or KeywordConfig()).index_options()), replace=True)
    return True


def keyword_text(query_texts: list[str]) -> str:
    """The words of a query for full-text search: its text segments, with query syntax characters
    (quotes, +, -, ~, :) turned into spaces so a person's punctuation is never parsed as operators."""
    return " ".join(" ".join(words(text)) for text in query_texts).strip()


def query_terms(text: str) -> list[str]:
    """Terms to highlight in results: words of two or more letters, and runs of CJK characters."""
    terms = [t for t in words(text) if len(t) > 1 or _IS_CJK.match(t)]
    return sorted(set(terms), key=lambda t: (-len(t), t))


def words(text: str) -> list[str]:
    """The words of `text` (NFC, as notes are indexed): runs of letters, digits and combining marks
    (a Thai or Hindi word keeps its vowel signs, a decomposed `é` its accent), CJK runs on their own;
    punctuation and symbols separate them."""
    out: list[str] = []
    current, cjk = [], False
    for char in unicodedata.normalize("NFC", text):
        kind = unicodedata.category(char)[0]
        if kind not in "LNM" and char != "_":
            kind = ""
        elif _IS_CJK.match(char):
            kind = "CJK"
        if current and (not kind or (kind == "CJK") != cjk):
            out.append("".join(current))
            current = []
        if kind:
            if not current:
                cjk = kind == "CJK"
            current.append(char)
    if current:
        out.append("".join(current))
    return out
