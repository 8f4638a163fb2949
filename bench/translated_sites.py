"""Translated sites: one result per page, in the query's language (before -> after).

    python -m bench.translated_sites --index IDX [--index IDX2 ...] [--queries 20] [--mode keyword]
        [--model demo/model] [--json out.json]

For each index of a translated site (pages read with their language and translation key, see
`indexer.sources.site_languages`), queries are page titles: `--queries` pages of the site's original
language (English), and as many in its first other language whose titles are written in a
non-Latin script (Chinese, else Japanese), taken evenly from the pages sorted by id, each a page
with at least one other version. Each query is searched as a person gets it (the Searcher's
default, top 10) with every version listed (`translations=False`, before) and with one result per
page (after). Reported per site and query language: mean distinct pages in the top 10, how often
the top hit is a page in another language than the query's (a note of no known language, such as
an untranslated blog post, is not counted), and how often the page the title came from is in the
top 10 in any language (nothing lost by collapsing). Nothing is written to the index.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict

from indexer import Searcher
from indexer.keyword import words as words_of
from indexer.languages import primary, query_languages
from mme_core import InterleavedDoc, TextSegment

K = 10
COLUMNS = ("distinct pages in top 10", "top hit in another language", "page in top 10", "ms per search")


def site_pages(searcher: Searcher) -> list[dict]:
    """Every page with a translation key: id, title, language, key (first parts only)."""
    rows = searcher.index.scan(["id", "title", "properties", "part"], "part = 0").to_pylist()
    pages = []
    for row in rows:
        meta = json.loads(row["properties"] or "{}")
        if meta.get("translation") and meta.get("language"):
            found = {"id": row["id"], "title": row["title"] or "", "language": meta["language"]}
            pages.append(found | {"key": meta["translation"]})
    return sorted(pages, key=lambda page: page["id"])


def pick_queries(pages: list[dict], count: int) -> dict[str, list[dict]]:
    """language -> up to `count` pages whose titles are the queries: English, and the first of
    Chinese / Japanese with titles in their own script; pages with another version, titles unique."""
    versions = defaultdict(set)
    for page in pages:
        versions[page["key"]].add(primary(page["language"]))
    titles = defaultdict(int)
    for page in pages:
        titles[page["title"]] += 1
    chosen: dict[str, list[dict]] = {}
    for language in ("en", "zh", "ja"):
        candidates = [
            p
            for p in pages
            if primary(p["language"]) == language
            and len(versions[p["key"]]) > 1
            and titles[p["title"]] == 1
            and (language == "en" or query_languages(p["title"]))
            and len(p["title"]) > 3
        ]
        if candidates and (language == "en" or not any(lang != "en" for lang in chosen)):
            step = max(1, len(candidates) // count)
            chosen[language] = candidates[::step][:count]
    return chosen


def measure(searcher: Searcher, queries: dict[str, list[dict]], mode: str | None, exact: bool) -> dict:
    """Per query language, before and after; `exact`: the title as typed, the note titled so first
    (as a person gets it); else its words lower-cased, ranked by the search alone."""
    results = {}
    for language, pages in queries.items():
        for label, collapse in (("before", False), ("after", True)):
            distinct, other, found, seconds = [], [], [], 0.0
            for page in pages:
                words = page["title"] if exact else " ".join(words_of(page["title"])).lower()
                query = InterleavedDoc((TextSegment(words),))
                started = time.perf_counter()
                hits = searcher.search(query, k=K, mode=mode, translations=collapse, titles_first=exact)
                seconds += time.perf_counter() - started
                keys = [h.doc.meta.get("translation") or h.id for h in hits]
                distinct.append(len(set(keys)))
                top = primary(hits[0].doc.meta.get("language", "")) if hits else ""
                other.append(bool(top) and top != language)  # a note of no known language is none
                found.append(page["key"] in keys)
            n = len(pages)
            results[f"{language} {label}"] = {
                "queries": n,
                "distinct pages in top 10": round(sum(distinct) / n, 2),
                "top hit in another language": f"{sum(other)}/{n}",
                "page in top 10": f"{sum(found)}/{n}",
                "ms per search": round(1000 * seconds / n),
            }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", action="append", required=True)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--mode", choices=("keyword", "semantic", "hybrid"))
    parser.add_argument("--model", default="demo/model")
    parser.add_argument("--json")
    args = parser.parse_args()
    encoder = None
    if args.mode != "keyword":
        from mme_core import MMEEncoder  # noqa: PLC0415 - only when vectors are searched

        encoder = MMEEncoder.from_pretrained(args.model)
    report = {}
    for index in args.index:
        searcher = Searcher.open(index, encoder, warm=False)
        queries = pick_queries(site_pages(searcher), args.queries)
        for kind, exact in (("title", True), ("title words", False)):
            report[f"{index} {kind}"] = table = measure(searcher, queries, args.mode, exact)
            print(f"\n{index}, queries: {kind} (mode {args.mode or searcher.default_mode})")
            print(f"| queries | {' | '.join(COLUMNS)} |\n|---|---|---|---|---|")
            for label, row in table.items():
                cells = [f"{label} ({row['queries']})", *(str(v) for k, v in row.items() if k != "queries")]
                print("| " + " | ".join(cells) + " |")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(report, out, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
