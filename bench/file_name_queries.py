"""Documents found by the name a person gave their file, and titles that do not name their document.

    python -m bench.file_name_queries INDEX [--suffixes .docx,.pdf,.pptx,.odt,.txt] [--json out.json]

For every document of an existing index whose file is one of `--suffixes`, the query is the file's
name without folder and suffix ("第5章 循环" for `选择题库/第5章 循环.docx`): what a person who saved
course material remembers and types. Counted: the share of such queries with that document first,
and in the first 3, in keyword and hybrid mode; and how many titles do not name their document
(a numbered question or section, a line with no letter, a classification mark, a web address, Word's
hidden form mark, private-use glyphs), with examples. Run it on an index built before a change and
after, from the same folder (see docs/BENCHMARKS.md, "Chinese notes of every kind").
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import PurePosixPath

from indexer import Searcher
from indexer.sources.titles import BANNER, ENUMERATED
from indexer.store import Index
from mme_core import InterleavedDoc, MMEEncoder, TextSegment

NOT_A_NAME = re.compile(r"窗体顶端|窗体底端|[\ue000-\uf8ff\U000f0000-\U0010fffd]")


def title_problem(title: str) -> str:
    """Why `title` does not name a document, or ""."""
    if not re.search(r"[^\W\d_]", title):
        return "no letter"
    if NOT_A_NAME.search(title):
        return "hidden mark or private-use glyph"
    if BANNER.search(title):
        return "classification mark or web address"
    if ENUMERATED.match(title):
        return "numbered question or section"
    return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index")
    parser.add_argument("--suffixes", default=".docx,.pdf,.pptx,.odt,.odp,.txt,.epub")
    parser.add_argument("--json")
    args = parser.parse_args()
    suffixes = tuple(args.suffixes.split(","))
    index = Index.open(args.index)
    searcher = Searcher(
        index, encoder=MMEEncoder.from_pretrained(index.meta.model_id, adapter=index.meta.adapter)
    )
    table = searcher.index.table.to_arrow().select(["id", "title", "source", "part"]).to_pylist()
    docs = {row["id"]: row for row in table if row["part"] == 0 and row["source"].lower().endswith(suffixes)}
    problems = Counter()
    examples: dict[str, list[str]] = {}
    found = {mode: [0, 0] for mode in ("keyword", "hybrid")}
    for doc_id, row in sorted(docs.items()):
        if why := title_problem(row["title"]):
            problems[why] += 1
            examples.setdefault(why, []).append(
                f"{row['title'][:30]!r} <- {PurePosixPath(row['source']).name}"
            )
        query = InterleavedDoc((TextSegment(PurePosixPath(row["source"]).stem),))
        for mode, counts in found.items():
            hits = [hit.id for hit in searcher.search(query, k=3, mode=mode)]
            counts[0] += bool(hits) and hits[0] == doc_id
            counts[1] += doc_id in hits
    total = len(docs)
    report = {
        "documents": total,
        "found_by_file_name": {m: {"top1": c[0], "top3": c[1]} for m, c in found.items()},
        "titles_not_naming": dict(problems),
        "examples": {why: ex[:4] for why, ex in examples.items()},
    }
    print(f"{total} documents ({', '.join(suffixes)})")
    for mode, (top1, top3) in found.items():
        print(f"  file name as query, {mode}: first {top1}/{total}, top 3 {top3}/{total}")
    print(f"  titles that do not name their document: {sum(problems.values())}")
    for why, count in problems.most_common():
        print(f"    {count} {why}: {'; '.join(examples[why][:3])}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(report, out, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
