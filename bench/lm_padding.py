"""One padded language-model forward vs the same rows alone, demo model on CPU (`pads_well`).

    python -m bench.lm_padding --notes /tmp/howtocook/dishes     # a Markdown folder (text only is used)

Groups of 8 notes of similar length (the longest-first order `encode_all` batches in), at several
lengths, and the longest notes cut short (short rows); CPU seconds (process time) of the group as
one left-padded forward, then one forward per row; median of 3 repeats, torch threads 1.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch

from bench.report import write_section
from mme_core import MMEEncoder

DEMO_MODEL = Path(__file__).resolve().parent.parent / "demo" / "model"


def cpu_seconds(backbone, groups: list[list[list[str]]], repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        started = time.process_time()
        with torch.inference_mode():
            for group in groups:
                backbone.hidden_states(backbone.tokenize(group))
        times.append(time.process_time() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=Path, required=True, help="a folder of Markdown notes")
    parser.add_argument("--no-write", action="store_true", help="print, do not update docs/BENCHMARKS.md")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    backbone = MMEEncoder.from_pretrained(str(DEMO_MODEL), device="cpu", dtype="float32").backbone
    texts = sorted((p.read_text(encoding="utf-8") for p in args.notes.rglob("*.md")), key=len, reverse=True)
    if len(texts) < 8:
        raise SystemExit(f"--notes {args.notes}: needs at least 8 Markdown notes, found {len(texts)}")
    lines = [
        "| rows' tokens (min-max) | padded forward CPU s | rows alone CPU s | ratio |",
        "|---|---:|---:|---:|",
    ]
    groups = [texts[start : start + 8] for start in (len(texts) // 10, len(texts) // 3, len(texts) - 8)]
    groups += [[text[: cut + 10 * k] for k, text in enumerate(texts[:8])] for cut in (60, 250)]  # short rows
    for group in groups:
        rows = [[text] for text in group]
        sizes = [len(backbone.text_ids(row[0])) for row in rows]
        padded, alone = cpu_seconds(backbone, [rows]), cpu_seconds(backbone, [[row] for row in rows])
        lines.append(f"| {min(sizes)}-{max(sizes)} | {padded:.2f} | {alone:.2f} | {padded / alone:.1f}x |")
    body = "\n".join(
        [
            f"8 notes of similar length from `{args.notes}` (the last two groups: cut short), demo model, "
            "float32, torch threads 1.",
            "",
            *lines,
        ]
    )
    print(body)
    if not args.no_write:
        write_section("Language-model forwards: padded batch vs rows alone (CPU)", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
