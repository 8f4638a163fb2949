"""Words in pictures on real collections: what reading them costs, and what it lets a person find.

    python -m bench.picture_words FOLDER [FOLDER ...] --source "owner/repo@commit" [--source ...]
    python -m bench.picture_words FOLDER --no-write         # print only

Each collection is indexed twice with the demo model into fresh indexes, without and with
`--read-pictures`, each build in a process of its own (wall seconds and peak RSS are that
process's). Reported: the pictures its notes show, how many show words, the reader's seconds per
picture (median and 90th percentile, timed around each read), and keyword search for what only a
picture says: for each picture with words (at most --queries, in path order), its longest line
that no note's own text contains is the query; a hit is a note showing that picture. R@1, R@10 and
MRR@10 in both indexes (the index without words finds such a line only by its n-grams elsewhere).

Then screenshots as queries: each picture with 40+ characters of words (at most --queries) is cut
to its middle (10-85 % across, 15-90 % down: another capture of the same screen, not the same
file) and asked alone, on the index with words, in keyword mode (the capture's words) and in
semantic mode (the demo model's vectors at N = 3); a hit is a note showing the picture.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODEL = "demo/model"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def build_once(folder: str, index: str, words: bool) -> dict:
    """In this process: build `index` from `folder`; the figures of this build as a dict."""
    import resource

    from indexer.build import build_index
    from indexer.picture_words import shared_reader
    from mme_core import MMEEncoder

    reader, timings, shown = shared_reader(), [], []
    read = reader.read

    def timed(path, name):
        started = time.perf_counter()
        try:
            words = read(path, name)
            shown.append(bool(words))
            return words
        finally:
            timings.append(time.perf_counter() - started)

    reader.read = timed
    encoder = MMEEncoder.from_pretrained(MODEL, device="cpu", dtype="float32")
    started = time.perf_counter()
    report = build_index(folder, index, encoder, progress=False, read_pictures=words)
    return {
        "seconds": time.perf_counter() - started,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "parts": report.parts,
        "reads": timings,
        "with_words": sum(shown),
        "unread": sum(item.reason == "picture words" for item in report.skipped),
    }


def build(folder: Path, index: Path, words: bool) -> dict:
    command = [sys.executable, "-m", "bench.picture_words", "--one", str(folder), str(index)]
    command += ["--words"] if words else []
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"building {folder} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def query_line(words: str, corpus: str) -> str:
    """The picture's longest line no note's text holds (cut at 60 characters), or ""."""
    from indexer.keyword import fold

    good = []
    for line in words.splitlines():
        line = line.strip()
        cjk = len(_CJK.findall(line))
        latin = len(re.findall(r"[^\W\d_]{2,}", line))
        if (cjk >= 4 or latin >= 2) and fold(line).lower() not in corpus:  # the text column is folded
            good.append(line[:60])
    return max(good, key=len, default="")


def queries(on_index: Path, off_index: Path, limit: int) -> list[tuple[str, set[str]]]:
    """(query, sources of notes showing a picture with that line), from the index with words."""
    from indexer.store import Index

    corpus = "\n".join(Index.open(off_index).scan(["text"])["text"].to_pylist()).lower()
    shown: dict[str, set[str]] = {}  # a picture's words -> notes showing it
    for row in Index.open(on_index).scan(["source", "properties"]).to_pylist():
        for words in json.loads(row["properties"] or "{}").get("picture_words") or ():
            if words:
                shown.setdefault(words, set()).add(row["source"])
    out = []
    for words in sorted(shown, key=lambda w: sorted(shown[w])):
        line = query_line(words, corpus)
        if line:
            out.append((line, shown[words]))
    return out[:limit]


def recall(index: Path, asked: list[tuple[str, set[str]]]) -> dict:
    from mme_core.documents import InterleavedDoc, TextSegment

    pairs = [(InterleavedDoc((TextSegment(line),)), wanted) for line, wanted in asked]
    return ranked(index, pairs, "keyword")


def ranked(index: Path, asked: list, mode: str, encoder=None) -> dict:
    """R@1, R@10 and MRR@10 (percent) of (query, notes that answer it) pairs."""
    from indexer import Searcher

    searcher = Searcher.open(index, encoder, warm=False)
    ranks = []
    for query, wanted in asked:
        hits = searcher.search(query, n=3, k=10, mode=mode, pictures_first=False)
        sources = [hit.doc.source for hit in hits]
        ranks.append(next((rank for rank, source in enumerate(sources, 1) if source in wanted), None))
    count = max(len(ranks), 1)
    return {
        "r1": 100 * sum(rank == 1 for rank in ranks) / count,
        "r10": 100 * sum(rank is not None for rank in ranks) / count,
        "mrr": 100 * sum(1 / rank for rank in ranks if rank) / count,
    }


def captures(index: Path, work: Path, limit: int) -> dict:
    """Screenshots cut to their middle, asked alone: {mode: recall figures} (see the module doc)."""
    from PIL import Image

    from indexer.store import Index
    from mme_core import MMEEncoder
    from mme_core.documents import ImageSegment, InterleavedDoc

    shown: dict[str, set[str]] = {}
    for doc in Index.open(index).documents():
        for image, words in zip(doc.images, doc.meta.get("picture_words") or (), strict=False):
            if len(words) >= 40:
                shown.setdefault(image.path, set()).add(doc.source)
    asked = []
    for number, (path, wanted) in enumerate(sorted(shown.items())[:limit]):
        with Image.open(path) as image:
            width, height = image.size
            middle = (width // 10, height * 15 // 100, width * 85 // 100, height * 9 // 10)
            crop = image.convert("RGB").crop(middle)
        crop.save(work / f"capture{number}.png")
        asked.append((InterleavedDoc((ImageSegment(str(work / f"capture{number}.png")),)), wanted))
    encoder = MMEEncoder.from_pretrained(MODEL, device="cpu", dtype="float32")
    modes = ("keyword", "semantic")
    return {mode: ranked(index, asked, mode, encoder) | {"count": len(asked)} for mode in modes}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folders", nargs="+")
    parser.add_argument("--source", action="append", default=[], help="owner/repo@commit, one per folder")
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # FOLDER INDEX: one build
    parser.add_argument("--words", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(build_once(args.folders[0], args.folders[1], args.words)))
        return 0
    sources = args.source + [Path(f).name for f in args.folders[len(args.source) :]]
    rows, shot_rows, examples = [], [], []
    for folder, source in zip(args.folders, sources, strict=True):
        with tempfile.TemporaryDirectory() as work:
            off = build(Path(folder), Path(work) / "off", False)
            on = build(Path(folder), Path(work) / "on", True)
            asked = queries(Path(work) / "on", Path(work) / "off", args.queries)
            found_off, found_on = recall(Path(work) / "off", asked), recall(Path(work) / "on", asked)
            shots = captures(Path(work) / "on", Path(work), args.queries)
        reads = sorted(on["reads"])
        with_words = on["with_words"]
        p90 = reads[int(0.9 * (len(reads) - 1))] if reads else 0.0
        rows.append(
            f"| {source} | {on['parts']} | {len(reads)} | {with_words} | {len(asked)} | "
            f"{statistics.median(reads) if reads else 0:.2f} / {p90:.2f} | "
            f"{off['seconds']:.0f} / {on['seconds']:.0f} | {off['peak_mb']:.0f} / {on['peak_mb']:.0f} | "
            + " | ".join(f"{found_off[k]:.1f} / {found_on[k]:.1f}" for k in ("r1", "r10", "mrr"))
            + " |"
        )
        words, model = shots["keyword"], shots["semantic"]
        shot_rows.append(
            f"| {source} | {words['count']} | "
            + " | ".join(f"{model[k]:.1f} / {words[k]:.1f}" for k in ("r1", "r10", "mrr"))
            + " |"
        )
        examples += [f"- {source}: “{line}”" for line, _ in asked[:3]]
        print(rows[-1], flush=True)
    body = "\n".join(
        [
            f"Demo model, fresh indexes; each build in its own process. At most {args.queries} queries a "
            "collection: for each picture that shows words, its longest line (2+ words, or 4+ CJK "
            "characters) that no note's own text holds. A hit is a note showing that picture; keyword "
            "search, k = 10. Figures `without / with` the words in pictures.",
            "",
            "| collection | parts | pictures read | with words | queries | s per picture (median / p90) | "
            "build s | peak RSS MB | R@1 | R@10 | MRR@10 |",
            "|---|---:|---:|---:|---:|---|---|---|---|---|---|",
            *rows,
            "",
            "Screenshots as queries: each picture with 40+ characters of words, cut to its middle and "
            "asked alone on the index with words. Figures `the model (semantic, N = 3) / its words "
            "(keyword)`.",
            "",
            "| collection | queries | R@1 | R@10 | MRR@10 |",
            "|---|---:|---|---|---|",
            *shot_rows,
            "",
            "What the figures mean: the queries come from the reader's own output, so they measure "
            "whether what was read can be found, not how well it was read; a read was checked by eye on "
            "one screenshot (redcap-intro's `enable-surveys.png`: the menu items, the two settings "
            "questions and the buttons read right, the bold page title and the browser's address bar "
            "missed, icons read as stray characters, which is why one-character lines are left out). The "
            "reader works at most 1280 px on a picture's longer side and recognises one line at a time "
            "(`indexer.picture_words.ENGINE_PARAMS`): RapidOCR's default on 12 of these screenshots "
            "peaked at 1240 MB against 941 MB and took 53 s against 40 s. Seconds per picture are wall "
            "time around each read; the build's peak RSS includes embedding, after the reader's models "
            "are let go.",
            "",
            "Example queries (the first three of each collection):",
            "",
            *examples,
        ]
    )
    print(body)
    if not args.no_write:
        from bench.report import command_line, write_section

        write_section("Words in pictures", body, command_line("bench.picture_words", argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
