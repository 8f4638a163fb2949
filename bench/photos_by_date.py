"""Photos by date: does a month typed as people type it find that month's photos?

    python -m bench.photos_by_date --index IDX

For an index of photos (their `taken` property read from EXIF, see `indexer.sources.photo_facts`),
every month that holds a photo is a query, typed in English ("October 2008") and in Chinese
("2008年10月"), searched by keyword alone; reported: how many of the month's photos are among the
first as many hits as the month has photos, how often the first hit is of that month, and whether
the `taken` filter (`--taken 2008-10`) selects exactly that month's photos. Nothing is written.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict

from indexer import Searcher
from indexer.hits import Filters
from mme_core.documents import InterleavedDoc, TextSegment

MONTHS = "January February March April May June July August September October November December".split()


def photos_by_month(searcher: Searcher) -> dict[str, set[str]]:
    rows = searcher.index.table.search().select(["id", "properties"]).limit(1_000_000).to_list()
    months: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        taken = (json.loads(row["properties"] or "{}").get("properties") or {}).get("taken", "")
        if taken:
            months[taken[:7]].add(row["id"])
    return dict(months)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True)
    args = parser.parse_args()
    searcher = Searcher.open(args.index, None, warm=False)
    months = photos_by_month(searcher)
    photos = sum(map(len, months.values()))
    for style in ("English", "Chinese"):
        found = first = 0
        for month, ids in sorted(months.items()):
            year, number = int(month[:4]), int(month[5:])
            query = f"{MONTHS[number - 1]} {year}" if style == "English" else f"{year}年{number}月"
            hits = searcher.search(InterleavedDoc((TextSegment(query),)), k=len(ids), mode="keyword")
            found += len({hit.id for hit in hits} & ids)
            first += bool(hits) and hits[0].id in ids
        print(f"{style}: {len(months)} months, {found}/{photos} photos in their month's top, first {first}")
    exact = 0
    for month, ids in months.items():
        where = Filters(taken=(month,)).sql()
        rows = searcher.index.table.search().where(where).select(["id"]).limit(1_000_000).to_list()
        exact += {row["id"] for row in rows} == ids
    print(f"--taken YYYY-MM selects exactly the month's photos: {exact}/{len(months)}")


if __name__ == "__main__":
    main()
