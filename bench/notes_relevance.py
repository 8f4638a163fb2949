"""Relevance on real notes: known-item queries built from any Markdown folder, per search mode.

    python -m bench.notes_relevance FOLDER [--model demo/model] [--index DIR] [--ns 1,2,3,4,6]
        [--tokenizers ngram,icu] [--json out.json]

For every note the folder's own reader yields, three kinds of query, each with that note as the one
right answer:
  (i)   title          the note's title, as a person would type it;
  (i')  title, typed plainly   a title holding accents or points, typed without them (Crème -> Creme,
                       ёлка -> елка, μουσακά -> μουσακα, الكُنافة -> الكنافة, أحمد -> احمد,
                       می‌خواهم -> می خواهم), as people often type;
  (i*)  title, Arabic keyboard   a Persian title typed with the Arabic yeh and kaf (ي ك for ی ک),
                       as an Arabic keyboard layout types them;
  (i'') rare word, typed plainly   the longest word with accents or points that only this note holds
                       (6+ letters), typed without them: a word a person remembers from a note;
  (ii)  step + picture one sentence of the text next to a picture, then that picture;
  (iii) picture        the picture alone.
Each is searched in every mode (keyword, semantic at every stored N, hybrid at --hybrid-n: the
rankings alone; and the Searcher's default with the notes showing the query's picture first, as a
person gets it), and top-1 / top-3 hit rates are printed as a Markdown table. A picture that
appears in several notes is counted as found when any note holding the identical picture (same
bytes) is returned. Nothing is written to the folder; the index goes to --index (default: a temp dir).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

from indexer import Searcher, build_index
from indexer.keyword import KeywordConfig, ensure_keyword_index, words
from mme_core import ImageSegment, InterleavedDoc, MMEEncoder, TextSegment

_SENTENCE = re.compile(r"[^。！？!?\n.]+[。！？!?.]?")


def sentences(text: str) -> list[str]:
    plain = re.sub(r"[#*`>|_\[\]]|^\s*(?:[-+]|\d+[.)])\s+", " ", text, flags=re.MULTILINE)
    return [" ".join(s.split())[:200] for s in _SENTENCE.findall(plain)]


_PLAIN_ARABIC = str.maketrans({"\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u200c": " "})
_ARABIC_KEYBOARD = str.maketrans({"\u06cc": "\u064a", "\u06a9": "\u0643"})


def typed_plainly(text: str) -> str:
    """`text` without the accents, diaeresis or vowel points of the alphabets that have them (Latin,
    Greek, Hebrew, Arabic), ё as е, an alef's hamza or madda left off (أ إ آ as ا) and a Persian
    word's zero-width non-joiner typed as a space: as typed in a hurry. Cyrillic й, ї, ў and kana's
    voicing marks are letters of their own, typed as such."""
    out = []
    for char in text.replace("ё", "е").replace("Ё", "Е").translate(_PLAIN_ARABIC):
        if (ord(char) < 0x0700 and not 0x0400 <= ord(char) <= 0x04FF) or 0x1E00 <= ord(char) <= 0x1FFF:
            char = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


def known_item_queries(docs: list[InterleavedDoc]) -> dict[str, list[tuple[InterleavedDoc, str]]]:
    """kind -> [(query, answer doc id)], one per note (and per kind) where the note allows it.

    The step sentence is the longest sentence beside the picture that no other note also has: a
    collection's boilerplate (a footer every recipe ends with) names no note, so it makes no
    known-item query.
    """
    queries: dict[str, list] = defaultdict(list)
    notes_with: dict[str, set[str]] = defaultdict(set)
    notes_with_word: dict[str, set[str]] = defaultdict(set)
    for doc in docs:
        for word in words(doc.text.lower()):
            notes_with_word[word].add(doc.id)
    for doc in docs:
        for segment in doc.segments:
            if isinstance(segment, TextSegment):
                for sentence in sentences(segment.text):
                    notes_with[sentence].add(doc.id)
    for doc in docs:
        if doc.part:  # one query per note: its first part carries the title and the first pictures
            continue
        if doc.title.strip():
            queries["title"].append((InterleavedDoc((TextSegment(doc.title),)), doc.id))
            if typed_plainly(doc.title) != doc.title:
                plain = InterleavedDoc((TextSegment(typed_plainly(doc.title)),))
                queries["title, typed plainly"].append((plain, doc.id))
            if doc.title.translate(_ARABIC_KEYBOARD) != doc.title:  # Persian typed on an Arabic layout
                other = InterleavedDoc((TextSegment(doc.title.translate(_ARABIC_KEYBOARD)),))
                queries["title, Arabic keyboard"].append((other, doc.id))
        rare = [
            word
            for word in set(words(doc.text.lower()))
            if len(word) >= 6 and notes_with_word[word] == {doc.id} and typed_plainly(word) != word
        ]
        if rare:
            word = max(sorted(rare), key=len)
            plain = InterleavedDoc((TextSegment(typed_plainly(word)),))
            queries["rare word, typed plainly"].append((plain, doc.id))
        segments = list(doc.segments)
        for position, segment in enumerate(segments):
            if not isinstance(segment, ImageSegment):
                continue
            around = [segments[i] for i in (position - 1, position + 1) if 0 <= i < len(segments)]
            candidates = [
                sentence
                for text in around
                if isinstance(text, TextSegment)
                for sentence in sentences(text.text)
                if len(sentence) >= 8 and len(notes_with[sentence]) == 1
            ]
            sentence = max(candidates, key=len, default="")
            if sentence:
                queries["step + picture"].append((InterleavedDoc((TextSegment(sentence), segment)), doc.id))
            queries["picture"].append((InterleavedDoc((segment,)), doc.id))
            break  # the first picture with text beside it (or the first picture) per note
    return queries


def answers_by_picture(docs: list[InterleavedDoc]) -> dict[str, set[str]]:
    """picture content hash -> ids of every note holding that exact picture."""
    holders: dict[str, set[str]] = defaultdict(set)
    for doc in docs:
        for image in doc.images:
            holders[image.content_hash()].add(doc.id)
    return holders


class QueryVectors:
    """The encoder with every query embedded once per N, in batches, up front: the same query is
    searched in many modes (and again per tokenizer), and one batched pass is far cheaper."""

    def __init__(self, encoder, queries: list[InterleavedDoc], ns) -> None:
        self.encoder = encoder
        vectors = encoder.encode_all(queries, ns=ns, prompt_name="query", progress=True)
        self.cache = {(id(q), n): vectors[n][i] for n in ns for i, q in enumerate(queries)}

    def __getattr__(self, name):
        return getattr(self.encoder, name)

    def encode(self, docs, n=3, **options):
        if len(docs) == 1 and (id(docs[0]), n) in self.cache:
            return self.cache[id(docs[0]), n][None, :]
        return self.encoder.encode(docs, n=n, **options)


def evaluate(searcher: Searcher, queries, holders, modes) -> dict:
    """{kind: {mode label: (top1 %, top3 %, count)}}."""
    results: dict = {}
    for kind, items in queries.items():
        results[kind] = {}
        for label, mode, n in modes:
            top1 = top3 = 0
            for query, answer in items:
                right = {answer}
                if query.images:
                    right |= holders.get(query.images[0].content_hash(), set())
                # the modes measure the ranking itself; the default column is what a person gets,
                # notes titled as the query or showing its very picture first included
                hits = searcher.search(
                    query,
                    n=n,
                    k=3,
                    mode=mode,
                    pictures_first=label.startswith("default"),
                    titles_first=label.startswith("default"),
                )
                hits = [h.id for h in hits]
                top1 += bool(hits[:1] and hits[0] in right)
                top3 += bool(right & set(hits))
            results[kind][label] = (100 * top1 / len(items), 100 * top3 / len(items), len(items))
    return results


def report_ns(index_dir) -> tuple:
    return Searcher.open(index_dir, None, warm=False).ns


def table(results: dict, title: str) -> str:
    labels = list(next(iter(results.values())))
    lines = [f"**{title}** (top-1 / top-3, %)", "", "| query | " + " | ".join(labels) + " |"]
    lines.append("|---|" + "---|" * len(labels))
    for kind, by_mode in results.items():
        count = next(iter(by_mode.values()))[2]
        cells = [f"{t1:.0f} / {t3:.0f}" for t1, t3, _ in by_mode.values()]
        lines.append(f"| {kind} ({count}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--model", default="demo/model")
    parser.add_argument("--index", type=Path, help="index directory (default: a temporary one)")
    parser.add_argument("--ns", default="1,2,3,4,6")
    parser.add_argument("--hybrid-n", default="3")
    parser.add_argument("--tokenizers", default="ngram,icu", help="full-text tokenizers to compare")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        parser.error(f"not a folder: {args.folder}")

    encoder = MMEEncoder.from_pretrained(args.model, device="cpu")
    index_dir = args.index or Path(tempfile.mkdtemp(prefix="notes-relevance-"))
    started = time.perf_counter()
    report = build_index(args.folder, index_dir, encoder, ns=args.ns, progress=True)
    print(f"indexed: {report.summary()} [{time.perf_counter() - started:.0f} s]", file=sys.stderr)
    docs = Searcher.open(index_dir, None, warm=False).index.documents()
    queries = known_item_queries(docs)
    holders = answers_by_picture(docs)
    every_query = [query for items in queries.values() for query, _ in items]
    searcher = Searcher.open(index_dir, QueryVectors(encoder, every_query, report_ns(index_dir)))
    hybrid_n = int(args.hybrid_n) if args.hybrid_n.isdigit() else args.hybrid_n
    modes = [("keyword", "keyword", hybrid_n)]
    modes += [(f"semantic N={n}", "semantic", n) for n in searcher.ns]
    modes += [
        (f"hybrid N={args.hybrid_n}", "hybrid", hybrid_n),
        (f"default ({searcher.default_mode})", None, hybrid_n),
    ]

    figures = {"folder": str(args.folder), "model": args.model, "notes": len({d.id for d in docs})}
    for tokenizer in args.tokenizers.split(","):
        ensure_keyword_index(searcher.index.table, KeywordConfig(tokenizer=tokenizer), replace=True)
        searcher.refresh()
        started = time.perf_counter()
        results = evaluate(searcher, queries, holders, modes)
        seconds = time.perf_counter() - started
        figures[tokenizer] = results
        print(table(results, f"{args.folder.name}, full-text tokenizer {tokenizer} ({seconds:.0f} s)"))
        print()
    ensure_keyword_index(searcher.index.table, KeywordConfig(), replace=True)  # leave the shipped one
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
