"""Training step time with the frozen-feature cache on and off, side by side.

    python bench/train_feature_cache.py [--epochs 2] [--train-triples 24] [--rounds 1]

The demo recipe's from-scratch DeepSeek-VL-family model (real SigLIP-384/16 grid, random weights)
trains for `--epochs` passes over the same triples twice per round: `feature_cache_mb=0` (every
step decodes its images and runs the vision tower) and the default cache (each distinct image once
per run). Both modes of the cache are measured: full fine-tuning (the demo: frozen tower, the
aligner learns, so tower outputs are kept) and LoRA (tower and aligner frozen, pooled grids kept).
Step times come from the loss log's `elapsed_s`; the figure compared is the median step after the
first epoch, when every image has been seen once. Rounds alternate the order of the two sides.
Writes a section of docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.report import write_section  # noqa: E402
from mme_core.training.loop import train  # noqa: E402
from mme_data.build_demo import DemoRecipe, prepare, train_config  # noqa: E402

CACHE_ON_MB = 2048


def step_seconds(log_path: Path, skip: int) -> list[float]:
    elapsed = [json.loads(line)["elapsed_s"] for line in log_path.read_text().splitlines()]
    return [b - a for a, b in zip(elapsed, elapsed[1:], strict=False)][skip:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--train-triples", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--work", help="keep intermediate files here")
    args = parser.parse_args(argv)
    recipe = replace(
        DemoRecipe(), train_triples=args.train_triples, test_docs=60, test_queries=10, warmup_steps=0
    )
    work = Path(args.work or tempfile.mkdtemp(prefix="mme-feature-cache-"))
    bench, init = prepare(work, recipe)
    seconds: dict[tuple[str, int], list[float]] = {}
    steps_per_epoch = 0
    for round_index in range(args.rounds):
        for finetune in ("full", "lora"):
            sides = (0, CACHE_ON_MB) if round_index % 2 == 0 else (CACHE_ON_MB, 0)
            for cache_mb in sides:
                base = train_config(init, bench, work / f"{finetune}-{cache_mb}-{round_index}", recipe)
                config = replace(
                    base, finetune=finetune, feature_cache_mb=cache_mb, max_steps=0, epochs=args.epochs,
                    log_every=1, drop_short=True,
                )  # fmt: skip
                result = train(config, progress=False)
                steps_per_epoch = result.steps // args.epochs
                # step k's elapsed minus step k-1's: skip the first epoch (and its first step's load)
                later = step_seconds(result.log_path, skip=steps_per_epoch - 1)
                seconds.setdefault((finetune, cache_mb), []).extend(later)
                print(
                    f"{finetune} cache {cache_mb} MB: median {statistics.median(later):.3f} s/step",
                    flush=True,
                )
    write_section("Training: frozen-feature cache", _table(seconds, recipe, args, steps_per_epoch))
    return 0


def _table(seconds: dict, recipe: DemoRecipe, args, steps_per_epoch: int) -> str:
    head = "| fine-tuning | s/step, no cache | s/step, cache | speed-up |"
    rows = [head, "|---|---|---|---|"]
    for finetune, kept in (("full", "SigLIP outputs"), ("lora", "pooled grids")):
        off = statistics.median(seconds[finetune, 0])
        on = statistics.median(seconds[finetune, CACHE_ON_MB])
        rows.append(f"| {finetune} ({kept} kept) | {off:.3f} | {on:.3f} | {off / on:.2f}x |")
    note = (
        f"Median optimiser-step time after the first epoch ({args.epochs} epochs of {steps_per_epoch} "
        f"steps over {args.train_triples} synthetic triples, {args.rounds} round(s) of the two sides run "
        f"back to back), batch {recipe.batch_size} + {recipe.num_negatives} hard negative each, `mean` "
        f"over N = {', '.join(map(str, recipe.ns))}. Model: the demo recipe ({recipe.text_hidden}-d x "
        f"{recipe.text_layers} LM layers; random SigLIP-384/16 tower {recipe.vision_hidden}-d x "
        f"{recipe.vision_layers} layers, 576 tokens per picture). This tower is tiny, so most of what the "
        "cache saves here is decoding and resizing pictures; on the real DeepSeek-VL the vision pass is "
        "~1.6 s of a 3.3 s CPU forward (DESIGN.md). Wall clock on a machine shared with other jobs."
    )
    return note + "\n\n" + "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
