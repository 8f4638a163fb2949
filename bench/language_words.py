"""A person's words found in Thai, Vietnamese, Korean and German notes, typed as people type them.

    python -m bench.language_words INDEX --lang th|vi|ko|de --queries QUERIES.json [--json out.json]

INDEX is built beforehand (`python -m indexer add FOLDER --index INDEX --model demo/model`). The
queries are made from the index's own notes the first time and written to QUERIES.json; later runs
(another checkout, after a fix) read them back, so before and after are asked the very same things.
Each query has one right note (or, for a compound's part, every note holding the part):
  th  title typed             the title as a Thai keyboard types it: sara am (ำ) one key, where
                              machine-translated text writes nikhahit + sara aa (ํา);
      word mid-sentence       a dictionary word (PyThaiNLP's newmm) from inside a run of Thai, only
                              this note holds it, typed so;
  vi  title typed plainly     without tones or marks, đ as d ("pho bo" for "phở bò");
      words typed plainly     two syllables from mid-sentence only this note holds, typed plainly;
      title as macOS writes   the title decomposed (NFD), as a Finder name pasted;
  ko  title as macOS writes   decomposed into jamo (NFD);
      word without particle   a noun written with a particle glued on (김치찌개를) searched bare;
  de  title typed ae oe ue ss the umlauts and ß typed as a keyboard without them does;
      word typed ae oe ue ss  a long word with an umlaut or ß only this note holds, typed so;
      compound's part         the last part of a compound (Oberfläche in Benutzeroberfläche) that
                              is a word of the collection on its own.
For each: the right note's rank in the default search (keyword with exact titles first, as a
person gets it with the demo model; ranks past 10 count as missing), and, for the word queries,
whether the line under the right hit quotes the word (`indexer.matches.quote`).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

from indexer import Searcher
from indexer.keyword import words
from indexer.matches import quote
from mme_core import InterleavedDoc, TextSegment

K = 10
_THAI = re.compile("[\u0e01-\u0e4e]+")
_HANGUL = re.compile("[\uac00-\ud7a3]+")
_PARTICLES = ("에서", "으로", "를", "을", "이", "가", "은", "는", "로", "의", "에", "와", "과", "도")
_GERMAN = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})


def thai_keyboard(text: str) -> str:
    return text.replace("\u0e4d\u0e32", "\u0e33")


def vi_plainly(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare)


def note_texts(docs: list[InterleavedDoc]) -> dict[str, str]:
    """note id (first part's) -> all its parts' text, lower-cased, NFC."""
    texts: dict[str, list[str]] = defaultdict(list)
    for doc in docs:
        texts[doc.id.split("#")[0]].append(doc.text)
    return {note: unicodedata.normalize("NFC", "\n".join(parts)).lower() for note, parts in texts.items()}


def make_queries(docs: list[InterleavedDoc], lang: str, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    texts = note_texts(docs)
    first = {doc.id.split("#")[0]: doc for doc in docs if not doc.part}

    def holders(piece: str) -> list[str]:
        return [note for note, text in texts.items() if piece.lower() in text]

    out: list[dict] = []
    for note, doc in sorted(first.items()):
        title, text = doc.title.strip(), texts[note]

        def add(kind: str, query: str, right=(doc.id,)) -> None:
            out.append({"kind": kind, "query": query, "right": list(right)})

        if lang == "th" and _THAI.search(title):
            add("title typed", thai_keyboard(title))
        if lang == "vi" and title and vi_plainly(title) != title:
            add("title typed plainly", vi_plainly(title))
            add("title as macOS writes", unicodedata.normalize("NFD", title))
        if lang == "ko" and _HANGUL.search(title):
            add("title as macOS writes", unicodedata.normalize("NFD", title))
        if lang == "de" and title.translate(_GERMAN) != title:
            add("title typed ae oe ue ss", title.translate(_GERMAN))
        word = pick_word(lang, text, holders, rng)
        if word:
            kind, query, right = word
            add(kind, query, right or (doc.id,))
    return out


def pick_word(lang: str, text: str, holders, rng):
    """(kind, query, right notes or None for this note) for one word of `text`, or None."""
    if lang == "th":
        from pythainlp.tokenize import word_tokenize  # noqa: PLC0415 (bench only)

        found = [
            w
            for run in _THAI.findall(text)
            for w in word_tokenize(run, engine="newmm")[1:]  # not the run's first word
            if len(w) >= 4 and len(holders(w)) == 1
        ]
        return ("word mid-sentence", thai_keyboard(rng.choice(sorted(set(found)))), None) if found else None
    if lang == "vi":
        syllables = [w for w in words(text) if w.isalpha()]
        pairs = {f"{a} {b}" for a, b in zip(syllables, syllables[1:], strict=False)}
        pairs = {pair for pair in pairs if vi_plainly(pair) != pair}
        found = [p for p in sorted(pairs) if len(p) >= 7 and len(holders(p)) == 1]
        return ("words typed plainly", vi_plainly(rng.choice(found)), None) if found else None
    if lang == "ko":
        found = set()
        for eojeol in words(text):
            for particle in _PARTICLES:
                stem = eojeol[: -len(particle)]
                if eojeol.endswith(particle) and len(stem) >= 2 and _HANGUL.fullmatch(stem):
                    # only this note holds it, and only ever with a particle glued on
                    if len(holders(stem)) == 1 and stem not in words(text):
                        found.add(stem)
                    break
        return ("word without particle", rng.choice(sorted(found)), None) if found else None
    if lang == "de":
        long = [w for w in set(words(text)) if w.isalpha() and len(w) >= 8]
        umlauts = [w for w in long if w.translate(_GERMAN) != w and len(holders(w)) == 1]
        if umlauts:
            return ("word typed ae oe ue ss", rng.choice(sorted(umlauts)).translate(_GERMAN), None)
    return None


def compound_parts(docs: list[InterleavedDoc], rng) -> list[dict]:
    """German compounds' last parts that stand alone elsewhere in the collection (one per note)."""
    texts = note_texts(docs)
    vocabulary = {w for text in texts.values() for w in words(text) if w.isalpha() and len(w) >= 5}
    out = []
    for _, text in sorted(texts.items()):
        found = sorted(
            tail
            for w in set(words(text))
            if w.isalpha() and len(w) >= 12 and any(c in w for c in "äöüß")
            for tail in (w[i:] for i in range(4, len(w) - 4))
            if tail in vocabulary and tail != w
        )
        if found:
            tail = rng.choice(found)
            right = [n for n, t in texts.items() if tail in t]
            out.append({"kind": "compound's part", "query": tail.capitalize(), "right": right})
    return out


def evaluate(searcher: Searcher, queries: list[dict], docs_by_id: dict) -> dict:
    """kind -> {count, top1, top3, quoted (word kinds), ranks: [rank or None]}."""
    results: dict = {}
    for item in queries:
        hits = searcher.search(InterleavedDoc((TextSegment(item["query"]),)), k=K)
        right = set(item["right"])
        rank = next((h.rank for h in hits if h.id in right), None)
        row = results.setdefault(item["kind"], {"count": 0, "top1": 0, "top3": 0, "quoted": 0, "ranks": []})
        row["count"] += 1
        row["top1"] += rank == 1
        row["top3"] += rank is not None and rank <= 3
        row["ranks"].append(rank)
        hit = next((h for h in hits if h.id in right), None)
        if hit and not item["kind"].startswith("title"):
            row["quoted"] += quote(hit.doc, hit.terms) is not None
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    parser.add_argument("index", type=Path)
    parser.add_argument("--lang", choices=("th", "vi", "ko", "de"), required=True)
    parser.add_argument("--queries", type=Path, required=True, help="made here the first time, then read")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    searcher = Searcher.open(args.index, None)
    docs = searcher.index.documents()
    if args.queries.exists():
        queries = json.loads(args.queries.read_text(encoding="utf-8"))
    else:
        queries = make_queries(docs, args.lang)
        if args.lang == "de":
            queries += compound_parts(docs, random.Random(0))
        args.queries.write_text(json.dumps(queries, ensure_ascii=False, indent=1), encoding="utf-8")
    results = evaluate(searcher, queries, {d.id: d for d in docs})
    print(f"| {args.lang} query | count | top-1 | top-3 | quoted |\n|---|---|---|---|---|")
    for kind, row in results.items():
        quoted = "" if kind.startswith("title") else f"{row['quoted']}"
        print(f"| {kind} | {row['count']} | {row['top1']} | {row['top3']} | {quoted} |")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
