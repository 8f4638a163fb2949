"""Common Chinese and English words (numbers, Markdown marks) for the demo tokenizer to learn whole.

Indexing speed on real notes is set by the language model, whose cost grows with a note's tokens
(docs/BENCHMARKS.md, "Indexing throughput"). A BPE trained only on the synthetic world's phrases
cuts real English words into pieces ("Preheat" -> P re he at) and reads Chinese one character a
token. Session 32 seeded the BPE with wordfreq's lists weighted by frequency in one shared merge
budget and saw Chinese notes only 3-8 % shorter: English pairs, shared by thousands of words, out-count
any one Chinese word's pair, so the budget ran out before the Chinese words got their merges.

Here the corpus is a finite list and the trainer's vocabulary cap sits above what the list can
produce, so BPE runs out of pairs first and every listed word becomes one token: each language's
budget is the number of words taken from it, not a share of a contest. Chinese words come with their
count (log-scaled repeats), so frequent words get the earlier merges, which BPE applies first; a
Han run then splits into frequent words as a dictionary segmenter would.

Sources, offline once installed (requirements-dev.txt): jieba's own dictionary (`jieba/dict.txt`,
349k words with counts from its corpus) and wordfreq's English list.
"""

from __future__ import annotations

import math
from pathlib import Path

_MISSING = "the demo tokenizer's word lists need {names}, not installed: pip install -r requirements-dev.txt"


def _require(*names: str) -> None:
    import importlib.util

    missing = [name for name in names if importlib.util.find_spec(name) is None]
    if missing:
        raise ValueError(_MISSING.format(names=" and ".join(missing)))


def chinese_words(count: int) -> list[tuple[str, int]]:
    """jieba's `count` most frequent words of 2-4 Han characters, with their counts, most frequent first."""
    if count <= 0:
        return []
    _require("jieba")
    import jieba

    path = Path(jieba.__file__).parent / "dict.txt"
    best: dict[str, int] = {}
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            word, freq, *_ = line.split()
            if 2 <= len(word) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in word):
                best[word] = max(best.get(word, 0), int(freq))
    ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:count]


def english_words(count: int) -> list[str]:
    """wordfreq's `count` most frequent English words made of letters only, most frequent first."""
    if count <= 0:
        return []
    _require("wordfreq")
    import wordfreq

    words = [w for w in wordfreq.top_n_list("en", count * 2) if w.isascii() and w.isalpha()]
    return words[:count]


def numbers() -> list[str]:
    """0-100, tens to 1,000 and fifties to 5,000, bare and after a space (quantities, minutes, grams)."""
    values = sorted({*range(101), *range(0, 1001, 10), *range(0, 5001, 50)})
    return [prefix + str(value) for prefix in ("", " ") for value in values]


# Markdown's own runs of punctuation (headings, bold, pictures, links, rules, code, comments)
MARKDOWN = ["##", "###", "####", "**", " **", "![", "](", "](./", "---", "```", "://", "<!--", " -->"]


def word_lines(chinese: int, english: int) -> list[str]:
    """Tokenizer-corpus lines: each Chinese word log2(count) times, each English word ' word' and ' Word'.

    Characters of the Chinese words outside GB2312 level 1 (喱, 饪) come as lines of their own, so
    their words merge from whole characters.
    """
    zh = chinese_words(chinese)
    lines = sorted({ch for word, _ in zh for ch in word})  # one line each: whole-character tokens
    for word, freq in zh:
        lines += [word] * max(1, int(math.log2(max(freq, 1))))
    for word in english_words(english):
        lines += [f" {word}", f" {word.capitalize()}"]
    return lines + numbers() + MARKDOWN
