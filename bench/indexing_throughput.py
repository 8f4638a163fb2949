"""Indexing throughput (docs/s) with the tiny random-weight DeepSeek-VL, through `build_index`.

    nice -n 10 python -m bench.indexing_throughput            # 300 notes, ~5 min on 2 busy cores
    python -m bench.indexing_throughput --quick               # 40 notes, nothing written

A generated Markdown collection (each note ~100 words and two 320x240 pictures) is indexed at
N = 1, 2, 3, 4, 6 from scratch, then re-run unchanged (hash check only), then re-run after editing
10 % of the notes. Beside it, `encode_all` alone on the same documents shows what the store adds.
The tiny model makes the encoder cheap, so these figures bound the indexing machinery itself
(reading, hashing, splitting, LanceDB writes, index upkeep), not a real model's speed.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw

from bench.report import write_section
from indexer.build import DEFAULT_NS, build_index
from mme_core import MMEEncoder
from mme_data.tiny import build_tiny

WORDS = "sand paint fold cut water knead bake screw bolt valve pipe sink dough paper glue rinse dry".split()


class TimedEncoder:
    """Forwards to the encoder and adds up the time spent in `encode_all`."""

    def __init__(self, inner) -> None:
        self.inner, self.seconds = inner, 0.0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def encode_all(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return self.inner.encode_all(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started


def make_collection(folder: Path, count: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    (folder / "img").mkdir(parents=True, exist_ok=True)
    for i in range(count):
        pictures = []
        for j in range(2):
            image = Image.new("RGB", (320, 240), "white")
            color = tuple(rng.randrange(256) for _ in range(3))
            box = [
                rng.randrange(20, 140),
                rng.randrange(20, 100),
                rng.randrange(180, 300),
                rng.randrange(140, 220),
            ]
            (ImageDraw.Draw(image).ellipse if j else ImageDraw.Draw(image).rectangle)(box, fill=color)
            image.save(folder / "img" / f"{i}-{j}.png")
            pictures.append(f"img/{i}-{j}.png")
        steps = [" ".join(rng.choice(WORDS) for _ in range(50)) for _ in range(2)]
        text = f"# Note {i}\n\n1. {steps[0]}\n\n![a]({pictures[0]})\n\n2. {steps[1]}\n\n![b]({pictures[1]})\n"
        (folder / f"note{i:05d}.md").write_text(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--batch-size", type=int, help="encoder batch (default: the encoder's choice)")
    parser.add_argument("--quick", action="store_true", help="40 notes, nothing written")
    args = parser.parse_args(argv)
    count = 40 if args.quick else args.docs
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        encoder = MMEEncoder.from_pretrained(
            str(build_tiny("deepseek_vl", tmp / "tiny")), device="cpu", dtype="float32"
        )
        make_collection(tmp / "notes", count)

        timed = TimedEncoder(encoder)
        uri = tmp / "index"
        runs = []
        for name in ("first build", "unchanged re-run", "10 % edited"):
            if name == "10 % edited":
                for i in range(0, count, 10):
                    note = tmp / "notes" / f"note{i:05d}.md"
                    note.write_text(note.read_text() + "\n3. Let it dry overnight.\n")
            timed.seconds = 0.0
            report = build_index(
                tmp / "notes", uri, timed, batch_size=args.batch_size, progress=name != "unchanged re-run"
            )
            runs.append((name, report, timed.seconds))

    lines = [
        f"Tiny random-weight DeepSeek-VL (hidden 64, 24x24 visual grid), float32 on CPU; {count} Markdown "
        f"notes of ~100 words and two 320x240 PNGs; N = {', '.join(map(str, DEFAULT_NS))} from one "
        f"`encode_all` pass; encoder batch {args.batch_size or 'automatic (8 on CPU)'}, "
        "64 documents per LanceDB commit. "
        "The 2 cores were shared with other jobs.",
        "",
        "| run | embedded | unchanged | wall s | in `encode_all` s | docs/s (all) | docs/s (embedded) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, report, encode_s in runs:
        embedded = f"{report.embedded / report.seconds:.1f}" if report.embedded else "–"
        lines.append(
            f"| {name} | {report.embedded} | {report.unchanged} | {report.seconds:.2f} | {encode_s:.2f} | "
            f"{report.parts / report.seconds:.1f} | {embedded} |"
        )
    name, first, encode_s = runs[0]
    lines += [
        "",
        f"Of the first build, {100 * encode_s / first.seconds:.0f} % of the wall time is the encoder; the "
        f"rest ({first.seconds - encode_s:.1f} s) is reading, hashing, splitting, LanceDB writes and upkeep.",
    ]
    body = "\n".join(lines)
    print(body)
    if not args.quick:
        write_section(
            "Indexing throughput",
            body,
            "nice -n 10 python -m bench.indexing_throughput "
            + " ".join(argv if argv is not None else sys.argv[1:]),
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
