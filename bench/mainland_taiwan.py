"""Mainland and Taiwan words: a book's headings searched in its translation for the other community.

    python -m bench.mainland_taiwan --queries CN_SRC --index TW_INDEX [--queries TW_SRC --index CN_INDEX]
        [--mode keyword] [--model demo/model] [--json out.json]

Two translations of one book whose chapters share file names (the Rust book: KaiserY/trpl-zh-cn
and JoeHsiao/trpl-zh-tw, src/ch01-01-installation.md ...). Each chapter of the `--queries` folder
gives queries: its title (first heading) and each of its headings, as written (markdown marks and
links taken off); the answer is the note of the same file name in `--index`. Each query is searched
before (the query's words only: `indexer.vocabulary` switched off, as on main) and after (the other
community's words added), side by side in one run; top-1 and top-3, and how many queries changed
at all (held a word OpenCC converts to another word). Nothing is written to the index.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from indexer import Searcher, exact_first
from indexer import search as search_module
from indexer.keyword import keyword_text
from indexer.vocabulary import variants, with_variants
from mme_core import InterleavedDoc, TextSegment

_HEADING = re.compile(r"^(#{1,4})\s+(.+?)\s*#*$")
_MARKS = re.compile(r"\[([^\]]*)\]\([^)]*\)|[`*_]|<[^>]+>")


def chapter_queries(folder: Path) -> dict[str, list[tuple[str, str]]]:
    """kind ("title", "headings") -> [(file name, query)], headings outside code fences."""
    found: dict[str, list[tuple[str, str]]] = {"title": [], "headings": []}
    for path in sorted(folder.glob("*.md")):
        if path.name in ("SUMMARY.md", "README.md"):
            continue
        fenced, first = False, True
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.lstrip().startswith("```"):
                fenced = not fenced
            match = None if fenced else _HEADING.match(line)
            text = _MARKS.sub(lambda m: m.group(1) or "", match.group(2)).strip() if match else ""
            if text:
                found["title" if first else "headings"].append((path.name, text))
                first = False
    found["headings"] = found["title"] + found["headings"]
    return found


def measure(searcher: Searcher, queries: list[tuple[str, str]], mode: str | None) -> dict:
    rows = {}
    for label, expand in (("before", lambda text: text), ("after", with_variants)):
        search_module.with_variants = exact_first.with_variants = expand  # main's behaviour when off
        top1 = top3 = 0
        for name, text in queries:
            hits = searcher.search(InterleavedDoc((TextSegment(text),)), k=3, mode=mode)
            names = [Path(hit.doc.source or hit.id).name for hit in hits]
            top1 += names[:1] == [name]
            top3 += name in names
        rows[label] = {"top-1": top1, "top-3": top3}
    search_module.with_variants = exact_first.with_variants = with_variants
    changed = sum(bool(variants(keyword_text([text]))) for _, text in queries)
    return {"queries": len(queries), "changed": changed, **rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", action="append", required=True, type=Path)
    parser.add_argument("--index", action="append", required=True)
    parser.add_argument("--mode", choices=("keyword", "semantic", "hybrid"))
    parser.add_argument("--model", default="demo/model")
    parser.add_argument("--json")
    args = parser.parse_args()
    if len(args.queries) != len(args.index):
        parser.error("give one --queries folder for each --index")
    encoder = None
    if args.mode != "keyword":
        from mme_core import MMEEncoder  # noqa: PLC0415 - only when vectors are searched

        encoder = MMEEncoder.from_pretrained(args.model)
    report = {}
    print("| queries -> index | mode | kind | queries | changed | top-1 before -> after | top-3 |")
    print("|---|---|---|---|---|---|---|")
    for folder, index in zip(args.queries, args.index, strict=True):
        searcher = Searcher.open(index, encoder, warm=False)
        for kind, queries in chapter_queries(folder).items():
            row = measure(searcher, queries, args.mode)
            report[f"{folder} -> {index} {kind}"] = row
            b, a = row["before"], row["after"]
            print(
                f"| {folder} -> {index} | {args.mode or searcher.default_mode} | {kind} | {row['queries']} "
                f"| {row['changed']} | {b['top-1']} -> {a['top-1']} | {b['top-3']} -> {a['top-3']} |"
            )
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
