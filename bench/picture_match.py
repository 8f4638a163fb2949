"""What exact names first cost a search: the title scan and the `segments LIKE '%sha%'` scan.

    python -m bench.picture_match --rows 100000,1000000 --workdir /tmp/pm

A table of R rows shaped like an index's (id, title, source, properties JSON with an alias, segments
JSON with a paragraph and two pictures' SHA-256 each). Timed, median of 7 runs: the scan
`indexer.exact_first.titles_first` runs for every text query (its longest word in titles and
properties), for a word no title holds and for one a title holds; the scan
`indexer.exact_first.pictures_first` runs for a query picture, one no note shows (the common case:
a new photo) and one a note shows.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from pathlib import Path

import lancedb
import pyarrow as pa

from bench.report import write_section
from indexer.exact_first import picture_where, title_where


def sha(i: int) -> str:
    return hashlib.sha256(str(i).encode()).hexdigest()


def table_of(db, rows: int):
    name = f"rows_v2_{rows}"
    try:
        return db.open_table(name)  # built by an earlier run
    except ValueError:
        pass
    chunk = 50_000
    table = None
    for start in range(0, rows, chunk):
        ids = range(start, min(start + chunk, rows))
        segments = [
            json.dumps(
                [
                    {"text": f"Step {i}: knead the dough for ten minutes, then let it rise twice."},
                    {"image": f"img/{i}-a.jpg", "sha256": sha(2 * i)},
                    {"text": "Shape the loaf."},
                    {"image": f"img/{i}-b.jpg", "sha256": sha(2 * i + 1)},
                ]
            )
            for i in ids
        ]
        batch = pa.table(
            {
                "id": [f"notes/{i}.md" for i in ids],
                "title": [f"Note {i}" for i in ids],
                "source": [f"{i}.md" for i in ids],
                "properties": [json.dumps({"aliases": [f"Loaf {i}"]}) for i in ids],
                "segments": segments,
            }
        )
        if table is None:
            table = db.create_table(name, batch)
        else:
            table.add(batch)
    return table


def scan_ms(table, where: str, repeats: int = 7) -> tuple[float, int]:
    times, found = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        found = (
            table.search()
            .select(["id", "title", "source", "properties", "segments"])
            .where(where)
            .limit(None)
            .to_arrow()
        )
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), found.num_rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.picture_match", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--rows", default="100000,1000000")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    db = lancedb.connect(str(Path(args.workdir)))
    lines = [
        "| rows | title: word no title holds, ms | title: a title's word, ms (rows) "
        "| picture no note shows, ms | picture one note shows, ms (rows) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for rows in (int(r) for r in args.rows.split(",")):
        table = table_of(db, rows)
        title_absent, _ = scan_ms(table, title_where("sourdough"))
        title_present, titled = scan_ms(table, title_where(str(rows // 2 + 7)))
        absent, _ = scan_ms(table, picture_where([sha(-1)]))
        present, found = scan_ms(table, picture_where([sha(rows)]))  # the first picture of note rows // 2
        lines.append(
            f"| {rows:,} | {title_absent:.0f} | {title_present:.0f} ({titled}) | {absent:.0f} "
            f"| {present:.0f} ({found}) |"
        )
        print(lines[-1], flush=True)
    if not args.no_write:
        write_section(
            "Exact names first: cost of the title and picture scans",
            "A search with text scans titles and properties for its longest word "
            "(`indexer.exact_first.titles_first`); one with a picture scans the `segments` column for "
            "the picture's SHA-256 (`pictures_first`). Rows shaped like an index's, an alias and two "
            "pictures per note.\n\n" + "\n".join(lines),
            command="python -m bench.picture_match " + " ".join(argv if argv is not None else sys.argv[1:]),
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
