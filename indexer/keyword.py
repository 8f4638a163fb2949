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

Chinese is written in two scripts: a note in Traditional characters (Taiwan, Hong Kong: 樂鑫 模組
電壓) and a query in Simplified (乐鑫 模组 电压), or the other way round, share no n-gram. `fold`
maps each Traditional character to its Simplified one, character for character, on both sides: the
`text` column as written (`schema.searchable_text`) and the query's words (`Searcher`), so either
script finds the other. The map is derived once per process from OpenCC's `t2s` (each CJK
character of the BMP converted alone; measured 0.08 s, so built at the first text that needs it,
no generated file). Phrase and vocabulary conversion (OpenCC's tw2sp: 記憶體 -> 内存) is not done on
the text: it changes lengths and guesses words; the query gets it instead (`indexer.vocabulary`).
Japanese keeps finding itself (a query is folded as the note was: 日本語 -> 日本语 on both sides);
Japanese-only forms (図 気 広 醤 鶏) and kana are not in the map.
The price: 42 pairs of common Japanese kanji (JIS level 1) fold onto one another (機/机, 葉/叶,
後/后, 雲/云), so a Japanese query for one finds the other too. Measured on the Rust book in
Traditional Chinese (JoeHsiao/trpl-zh-tw @ 1769389f, 112 chapters with a Chinese heading, each
heading converted by OpenCC t2s as the query, keyword mode): top-1 74 -> 91 (top-3 98 -> 109); the
headings as written find 94 (111) before and after, the 3 more being titles `exact_first` puts
first only in their own script.

The same fold takes away the marks people leave out when they type, in the scripts whose marks the
tokenizer keeps (its ASCII folding already takes Latin accents: "creme brulee" finds "Crème
brûlée"): Greek accents and diaeresis (μουσακά = μουσακα), Russian ё written е (ёлка = елка), and
the vowel points of Arabic and Hebrew (الكُنافة = الكنافة), with Arabic's stretching tatweel.
Without it such a query matched only the n-grams around the mark and ranked below exact matches.
Arabic-script letters that are written two ways are written one way (the choices of Lucene's
Arabic and Persian normalizers): an alef's hamza or madda, which people leave off as they leave
accents off (أحمد = احمد), alef maksura and teh marbuta at a word's end (مستشفى = مستشفي, مدرسة =
مدرسه), and the Persian yeh and keheh an Arabic keyboard layout types as Arabic's (یک = يك); the
zero-width non-joiner inside a Persian word (می‌خواهم), which people type as a space or not at all,
is taken away (`words` keeps it inside the word, so the query folds as the note does).
Thai's sara am (ำ, the one key a Thai keyboard types) is written as the nikhahit and sara aa it
is made of (ํา), as NFKC writes it: machine-translated and Office text writes ํา (1,038 times in a
real Thai site, microsoft/powercat-automation-kit, against 22 ำ), so a title typed คำถาม found its
note only by the n-grams around the vowel and was not recognised as the title; Lao's am (ຳ) alike.
Half-width katakana (ｶﾀｶﾅ, ｶﾞｲﾄﾞ: older Japanese systems and receipts write them) become the
full-width kana people type (カタカナ, ガイド); full-width Latin letters and digits (ＥＳＰ３２) the tokenizer
folds itself. An index whose `text` was written unfolded or with another map (an earlier release,
another OpenCC) is rewritten by the next `add` (`IndexMeta.text_fold`,
`Index.rewrite_keyword_text`); until then an unfolded index is searched with the words as typed.
`indexer.matches` finds what the fold and the tokenizer matched on the original characters.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass

from lancedb.index import FTS

FTS_COLUMN = "text"
CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"  # kana, Han, Hangul
_IS_CJK = re.compile(rf"[{CJK_CHARS}]")
_HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))  # Ext A, unified, compatibility
_HAS_HAN = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in _HAN_RANGES) + "]")
_GREEK_RANGES = ((0x0386, 0x03CE), (0x1F00, 0x1FFF))  # accented monotonic letters; polytonic
_MARK_RANGES = (  # vowel points and cantillation people leave out: taken away
    (0x0591, 0x05C7),  # Hebrew (its letters start at 05D0)
    (0x0610, 0x061A),
    (0x064B, 0x065F),
    (0x0670, 0x0670),
    (0x06D6, 0x06ED),  # Arabic
)
_JOINERS = "\u200c\u200d"  # zero-width non-joiner and joiner: shape letters, within a word
_TATWEEL = 0x0640  # Arabic's letter-stretching stroke: layout, not a letter
# Letters written in two ways that searchers treat as one (Lucene's Arabic and Persian normalizers):
# alef with hamza or madda as bare alef, alef maksura and Persian yeh as yeh, teh marbuta and heh
# with yeh above as heh, Persian keheh as kaf; the zero-width non-joiner inside Persian words
# (می‌خواهم) taken away, as people type it as a space or not at all.
_LETTERS = {
    **dict.fromkeys((0x0622, 0x0623, 0x0625, 0x0671), "\u0627"),
    **dict.fromkeys((0x0649, 0x06CC), "\u064a"),
    **dict.fromkeys((0x0629, 0x06C0, 0x06C1), "\u0647"),
    0x06A9: "\u0643",
    0x200C: None,
}
_SARA_AM = {0x0E33: "\u0e4d\u0e32", 0x0EB3: "\u0ecd\u0eb2"}  # Thai, Lao: as NFKC decomposes them
_HALF_WIDTH_KANA = re.compile("[\uff61-\uff9f]+")  # with their voicing marks, which NFKC joins on
_FOLDED = re.compile(
    "["
    + "".join(f"{chr(a)}-{chr(b)}" for a, b in (*_HAN_RANGES, *_GREEK_RANGES, *_MARK_RANGES))
    + "\u0401\u0451\u0640\u0e33\u0eb3"
    + "".join(map(chr, _LETTERS))
    + "]"
)


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
    (a Thai or Hindi word keeps its vowel signs, a decomposed `é` its accent, a Persian word its
    zero-width non-joiner), CJK runs on their own with the numbers written inside them (`2024年6月`:
    split, the query's spaces made n-grams the note does not have, and a photo of 2025年1月6日
    outranked one of 2024年6月); punctuation and symbols separate them."""
    out: list[str] = []
    current, cjk = [], False
    for char in unicodedata.normalize("NFC", text):
        kind = unicodedata.category(char)[0]
        if char in _JOINERS:  # inside a word (Persian می‌خواهم, Indic conjuncts): part of it
            kind = "L" if current and not cjk else ""
        elif kind not in "LNM" and char != "_":
            kind = ""
        elif _IS_CJK.match(char):
            kind = "CJK"
            cjk = cjk or "".join(current).isdigit()  # the number before it joins the CJK run
        elif kind == "N" and cjk and current:
            kind = "CJK"  # a number inside CJK words (2024年6月12日, 第3章) stays in their run
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


def fold(text: str) -> str:
    """`text` as the keyword index compares it: each Traditional Chinese character as its
    Simplified one (樂鑫 模組 -> 乐鑫 模组), Greek without accents, ё as е, Arabic and Hebrew without
    vowel points, Thai ำ as ํา, half-width katakana as full-width; every other character unchanged.
    See the module doc."""
    if _HALF_WIDTH_KANA.search(text):
        text = _HALF_WIDTH_KANA.sub(lambda run: unicodedata.normalize("NFKC", run.group()), text)
    return text.translate(_fold_map()) if _FOLDED.search(text) else text


@functools.cache
def fold_version() -> str:
    """Names the map `fold` applies (OpenCC's dictionaries may change between its releases): the
    index records it (`IndexMeta.text_fold`), and rewrites its keyword text when it differs."""
    table = "".join(f"{chr(k)}{v or ''}\n" for k, v in sorted(_fold_map().items()))
    return "t2s+marks+kana:" + hashlib.sha256(table.encode("utf-8")).hexdigest()[:12]


@functools.cache
def _fold_map() -> dict[int, str | None]:
    """What `fold` translates: Traditional to Simplified (`_han_map`) and the marks (`_marks_map`)."""
    return {**_han_map(), **_marks_map()}


def _marks_map() -> dict[int, str | None]:
    """Greek letters to their letter without accent or diaeresis (ά -> α, ΐ -> ι, ἄ -> α), ё/Ё to
    е/Е, the Arabic-script letters of `_LETTERS` to theirs, Thai and Lao am to their two marks, and
    None (taken away) for Arabic and Hebrew vowel points, the tatweel and the zero-width non-joiner."""
    found: dict[int, str | None] = {0x0451: "\u0435", 0x0401: "\u0415", _TATWEEL: None, **_LETTERS}
    found.update(_SARA_AM)
    for first, last in _GREEK_RANGES:
        for point in range(first, last + 1):
            decomposed = unicodedata.normalize("NFD", chr(point))
            base = "".join(c for c in decomposed if not unicodedata.combining(c))
            if len(base) == 1 and base != chr(point) and "\u0370" <= base <= "\u03ff":
                found[point] = base
    for first, last in _MARK_RANGES:
        marks = (point for point in range(first, last + 1) if unicodedata.category(chr(point)) == "Mn")
        found.update(dict.fromkeys(marks))
    return found


@functools.cache
def _han_map() -> dict[int, str]:
    """code point -> the one Simplified character OpenCC's `t2s` gives for it alone, where that is
    another Han character of the BMP: 3417 characters with OpenCC 1.4.2. The 804 rare ones whose
    Simplified form lies beyond the BMP (Extension B on: Cantonese 嗰 -> 𠮶, Japanese 囃 -> 𠱞)
    stay as they are: Simplified text mostly keeps them too, and folded text stays in the ranges
    tokenizing and highlighting treat as CJK. Chains are followed (t2s maps 薴 to 苧, 苧 to 苎)."""
    import opencc  # noqa: PLC0415 (only for text holding Han characters)

    convert = opencc.OpenCC("t2s").convert
    found: dict[int, str] = {}
    for first, last in _HAN_RANGES:
        for point in range(first, last + 1):
            out = convert(chr(point))
            if len(out) == 1 and out != chr(point) and _HAS_HAN.match(out):
                found[point] = out
    for point, out in found.items():
        while ord(out) in found and found[ord(out)] != out:
            out = found[ord(out)]
        found[point] = out
    return found
