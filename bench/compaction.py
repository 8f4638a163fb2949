"""Index size over incremental runs, with and without compaction (demo model).

    python -m bench.compaction --notes 30    # 4 runs editing 10 % each; ~12 min on 2 very busy cores
    python -m bench.compaction --notes 40 --no-write   # quick look, nothing written

A generated Markdown collection (bench/indexing_throughput.make_collection: ~100 words and two
320x240 pictures per note) is indexed, then re-indexed four times after editing the text of 10 % of
the notes. Sizes are bytes on disk of the whole index directory after each run, for:
- no compaction (`compaction=None`): what every build did before, LanceDB's `optimize()` with its
  default 7-day version retention;
- the default policy with the runs back to back: every version was the latest within the 10-minute
  window, so none may go yet; `python -m indexer compact --keep-for 0` afterwards, by hand;
- latest only (`--keep-for 0`): what the default policy does when the runs are more than 10 minutes
  apart (each run removes the versions of the previous one).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

from bench.indexing_throughput import make_collection
from bench.report import write_section
from indexer.build import build_index
from indexer.maintenance import CompactionPolicy, compact_index
from indexer.store import Index
from mme_core import MMEEncoder

DEMO_MODEL = Path(__file__).resolve().parent.parent / "demo" / "model"
POLICIES = {
    "no compaction (before)": None,
    "default policy, runs back to back": CompactionPolicy(),
    "latest only (`--keep-for 0`)": CompactionPolicy(keep_for=timedelta(0)),
}


def megabytes(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def edit(notes: Path, run: int, share: float) -> None:
    files = sorted(notes.glob("*.md"))
    for note in files[run :: max(1, round(1 / share))]:
        note.write_text(note.read_text() + f"\n3. Edited in run {run}.\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=300)
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--no-write", action="store_true", help="print, do not update docs/BENCHMARKS.md")
    args = parser.parse_args(argv)
    encoder = MMEEncoder.from_pretrained(str(DEMO_MODEL), device="cpu", dtype="float32")
    rows = []
    with tempfile.TemporaryDirectory(prefix="compaction-") as tmp:
        tmp = Path(tmp)
        make_collection(tmp / "original", args.notes, seed=3)
        for name, policy in POLICIES.items():
            notes, uri = tmp / "notes", tmp / "index"
            shutil.rmtree(notes, ignore_errors=True)
            shutil.rmtree(uri, ignore_errors=True)
            shutil.copytree(tmp / "original", notes)
            build_index(notes, uri, encoder, progress=False, compaction=policy)
            sizes = [megabytes(uri)]
            for run in range(args.runs):
                edit(notes, run, 0.10)
                build_index(notes, uri, encoder, progress=False, compaction=policy)
                sizes.append(megabytes(uri))
            versions = len(Index.open(uri).table.list_versions())
            by_hand = ""
            if policy is not None and policy.keep_for > timedelta(0):
                compact_index(Index.open(uri), CompactionPolicy(keep_for=timedelta(0)))
                by_hand = f"{megabytes(uri):.2f}"
            rows.append((name, sizes, versions, by_hand))
            print(name, [f"{s:.2f}" for s in sizes], versions, by_hand, flush=True)

    header = " | ".join(["first run", *[f"after run {i + 1}" for i in range(args.runs)]])
    table = [
        f"| policy | {header} | table versions | then `compact --keep-for 0` |",
        "|---|" + "---|" * (args.runs + 3),
    ]
    for name, sizes, versions, by_hand in rows:
        cells = " | ".join(f"{s:.2f}" for s in sizes)
        table.append(f"| {name} | {cells} | {versions} | {by_hand or '-'} |")
    body = (
        f"{args.notes} generated notes (two 320x240 pictures each), demo model, N = 1, 2, 3, 4, 6; "
        f"{args.runs} incremental runs each editing the text of 10 % of the notes. Index size in MB "
        f"on disk (whole directory) after each run.\n\n" + "\n".join(table) + "\n\n"
        "Without compaction the index keeps the files of every version (LanceDB's default retention "
        "is 7 days). The default policy keeps every version that was the latest within the last 10 "
        "minutes (readers re-check for new versions every 5 s, see `indexer.maintenance`), so runs "
        "back to back keep their history until a later run or `compact`; runs further apart than "
        "the window behave like the last row, whose size stays that of the content."
    )
    if args.no_write:
        print(body)
    else:
        write_section("Index size over incremental runs (compaction)", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
