"""What the frozen-feature cache saves per training micro-batch, side by side.

    python -m bench.train_feature_cache [--batches 4] [--repeats 3] [--steps 2]

On the demo recipe's from-scratch DeepSeek-VL-family model (real SigLIP-384/16 grid: 576 tokens per
picture, random weights) and its synthetic triples, for the first `--batches` micro-batches of a run:

- visual features of a micro-batch (decode, resize, tower, projector, pool to every N) with the
  cache off, against the same batch with the cache warm - full fine-tuning (tower outputs kept, the
  aligner re-run with autograd) and LoRA (pooled grids kept);
- for scale, a whole optimiser step (forward at every N, InfoNCE, backward) with the cache off.

Each feature measurement alternates off/on `--repeats` times; medians are reported. (A whole step
cold vs warm is not compared: on a shared 2-core machine its noise exceeds the saving.) Writes a section of
docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench.report import write_section
from mme_core.training.data import load_triples
from mme_core.training.loop import batch_loss, micro_batch
from mme_core.training.model_setup import make_trainable
from mme_core.training.strategies import make_strategy
from mme_core.training.visual_cache import VisualFeatureCache
from mme_data.build_demo import DemoRecipe, load_encoder, prepare, train_config

BUDGET = 2048 * 2**20


def batch_paths(triples, recipe: DemoRecipe, index: int) -> tuple[list, list[str]]:
    """The loop's `index`-th micro-batch and its distinct picture paths (same negatives as the loop)."""
    batch = micro_batch(triples, recipe.batch_size, recipe.seed, index)
    rng = negatives_rng(recipe, index)
    negatives = [doc for t in batch for doc in t.sample_negatives(recipe.num_negatives, rng)]
    docs = [t.query for t in batch] + [t.positive for t in batch] + negatives
    return batch, list(dict.fromkeys(s.path for d in docs for s in d.images))


def negatives_rng(recipe: DemoRecipe, index: int) -> random.Random:
    return random.Random(f"{recipe.seed}:negatives:{index}")


def timed(action, *args) -> float:
    started = time.perf_counter()
    action(*args)
    return time.perf_counter() - started


def features(trainable, cache, paths, ns) -> None:
    (cache or VisualFeatureCache(trainable, ns, 0)).pooled_grids(paths, ns)


def step(trainable, cache, batch, plan, recipe: DemoRecipe, index: int) -> None:
    rng = negatives_rng(recipe, index)
    batch_loss(trainable, batch, plan, recipe.num_negatives, 0.05, rng, cache).loss.backward()
    trainable.module.zero_grad(set_to_none=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--steps", type=int, default=2, help="whole steps timed for scale (0 skips)")
    parser.add_argument("--work", help="keep intermediate files here")
    args = parser.parse_args(argv)
    recipe = replace(DemoRecipe(), train_triples=64, test_docs=60, test_queries=10)
    work = Path(args.work or tempfile.mkdtemp(prefix="mme-feature-cache-"))
    bench, init = prepare(work, recipe)
    triples = load_triples(bench, min_negatives=recipe.num_negatives, drop_short=True)
    ns = recipe.ns
    rows, images, whole_steps = [], [], []
    for finetune in ("full", "lora"):
        config = replace(train_config(init, bench, work / "unused", recipe), finetune=finetune)
        trainable = make_trainable(load_encoder(init), config)
        trainable.module.train()
        warm = VisualFeatureCache(trainable, ns, BUDGET)
        cold, hot = [], []
        for index in range(args.batches):
            _, paths = batch_paths(triples, recipe, index)
            images.append(len(paths))
            warm.pooled_grids(paths, ns)  # fill
            for _ in range(args.repeats):
                cold.append(timed(features, trainable, None, paths, ns))
                hot.append(timed(features, trainable, warm, paths, ns))
        name = f"visual features of a micro-batch, {finetune} ({warm.mode} kept)"
        rows.append((name, statistics.median(cold), statistics.median(hot)))
        if finetune == "full" and args.steps:  # the scale: what a whole step costs here
            plan = make_strategy("mean", ns).plan(0)
            for index in range(args.steps):
                batch, _ = batch_paths(triples, recipe, index)
                whole_steps.append(
                    timed(step, trainable, VisualFeatureCache(trainable, ns, 0), batch, plan, recipe, index)
                )
    step_median = statistics.median(whole_steps) if whole_steps else float("nan")
    table = _table(rows, recipe, args, statistics.mean(images), step_median)
    write_section("Training: frozen-feature cache", table)
    for name, off, on in rows:
        print(f"{name}: {off:.3f} s -> {seconds(on)} s ({ratio(off, on)})")
    return 0


def seconds(value: float) -> str:
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def ratio(off: float, on: float) -> str:
    return "> 1000x" if on < off / 1000 else f"{off / on:.1f}x"


def _table(rows, recipe: DemoRecipe, args, images: float, step_median: float) -> str:
    lines = ["| what | cache off (s) | cache warm (s) | ratio |", "|---|---|---|---|"]
    lines += [f"| {name} | {off:.3f} | {seconds(on)} | {ratio(off, on)} |" for name, off, on in rows]
    note = (
        f"Medians over the first {args.batches} micro-batches x {args.repeats} alternating repeats "
        f"({images:.0f} distinct pictures per micro-batch on average: batch "
        f"{recipe.batch_size} queries + positives + {recipe.num_negatives} hard negative each). For scale, "
        f"a whole optimiser step (forward at every N, InfoNCE, backward; full fine-tuning, cache off) took "
        f"a median {step_median:.1f} s here ({args.steps} steps). Model: the demo recipe "
        f"({recipe.text_hidden}-d x "
        f"{recipe.text_layers} LM layers; random SigLIP-384/16 tower {recipe.vision_hidden}-d x "
        f"{recipe.vision_layers} layers), fp32, N = {', '.join(map(str, recipe.ns))}. This tower is "
        "tiny, so most of what the cache saves here is decoding and resizing pictures; on the real "
        "DeepSeek-VL the vision pass is ~1.6 s of a 3.3 s CPU forward (DESIGN.md). A warm cache is "
        "what every step after an image's first appearance sees. Wall clock on a shared machine."
    )
    return note + "\n\n" + "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
