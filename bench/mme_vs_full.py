"""MME vs full visual tokens on the demo world: the paper's Table 2 (MME vs the DPR baseline) in small.

    nice -n 10 python -m bench.mme_vs_full [--steps 60] [--work /tmp/mme_vs_full] [--no-write]

One data set, one random-weight model (with the demo's picture pre-training when the recipe has it),
then two training runs that differ only in the granularities they see: MME (`mean` over N = 1, 2, 3,
4, 6) and full tokens (every picture at its whole 24 x 24 grid, N = "full", as a plain DPR-style
embedder reads it). Each model is evaluated at its own granularities on the same held-out test
split, and the cost of encoding one test document is timed side by side (medians, alternated).
The demo recipe's step count at full tokens would take hours on two CPU cores (576 tokens per
picture, 4-6 pictures per document), so both runs take `--steps` steps of the same batches.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

from bench.report import write_section

TITLE = "MME vs full visual tokens on the demo world (paper Table 2 in small)"


def train_pair(work: Path, recipe) -> dict[str, Path]:
    from mme_core.training.loop import train
    from mme_data.build_demo import prepare, train_config

    bench, init = work / "bench", work / ("init-vision" if recipe.vision_steps else "init")
    if not ((bench / "train.jsonl").is_file() and (init / "config.json").is_file()):
        bench, init = prepare(work, recipe)  # else: a build_demo --work folder of this recipe, reused
    runs = {}
    for name, ns in (("MME", recipe.ns), ("full", ("full",))):
        config = replace(train_config(init, bench, work / f"run-{name}", recipe), ns=ns)
        started = time.perf_counter()
        result = train(config, progress=False)
        runs[name] = {"dir": result.final_dir, "seconds": time.perf_counter() - started, "ns": ns,
                      "loss": sum(result.losses[-10:]) / len(result.losses[-10:])}  # fmt: skip
        print(
            f"trained {name} in {runs[name]['seconds']:.0f}s, last-10 loss {runs[name]['loss']:.3f}",
            flush=True,
        )
    return {"bench": bench, **runs}


def encode_seconds(encoders: dict, docs, n_of: dict, rounds: int) -> dict[str, float]:
    """Median seconds to encode one document, each system at its largest granularity, alternated."""
    times: dict[str, list[float]] = {name: [] for name in encoders}
    for _ in range(rounds):
        for doc in docs:
            for name, encoder in encoders.items():
                started = time.perf_counter()
                encoder.encode_all([doc], [n_of[name]], 1)
                times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mme_vs_full", description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--train-triples", type=int, default=4000)
    parser.add_argument("--negatives", type=int, default=1, help="hard negatives per query and step")
    parser.add_argument("--test-docs", type=int, default=300)
    parser.add_argument("--test-queries", type=int, default=100)
    parser.add_argument("--timing-docs", type=int, default=8)
    parser.add_argument(
        "--work", default="/tmp/mme_vs_full", help="reuses a build_demo --work folder's data and start"
    )
    parser.add_argument("--no-write", action="store_true", help="print the section instead of writing it")
    args = parser.parse_args(argv)

    import torch

    from mme_core.encoder import MMEEncoder
    from mme_core.training.data import load_tiir
    from mme_core.training.retrieval_check import retrieval_metrics
    from mme_data.build_demo import DemoRecipe

    recipe = replace(DemoRecipe(), max_steps=args.steps, train_triples=args.train_triples,
                     test_docs=args.test_docs, test_queries=args.test_queries,
                     num_negatives=args.negatives, warmup_steps=max(1, args.steps // 10))  # fmt: skip
    runs = train_pair(Path(args.work), recipe)
    encoders = {name: MMEEncoder.from_pretrained(str(runs[name]["dir"]), device="cpu", dtype="float32")
                for name in ("MME", "full")}  # fmt: skip
    scores = {name: retrieval_metrics(encoders[name], runs["bench"], runs[name]["ns"]) for name in encoders}
    docs = load_tiir(runs["bench"]).docs[: args.timing_docs]
    n_of = {"MME": max(recipe.ns), "full": "full"}
    with torch.no_grad():
        seconds = encode_seconds(encoders, docs, n_of, rounds=3)
    rows = ["| model | trained at | evaluated at | MRR@10 | R@1 | R@5 | train s | encode s/doc (median) |",
            "|---|---|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    for name in ("MME", "full"):
        for n, metrics in scores[name].items():
            cost = f"{seconds[name]:.3f}" if n == n_of[name] else ""
            scores_cells = " | ".join(f"{metrics[m] * 100:.1f}" for m in ("MRR@10", "R@1", "R@5"))
            trained_at = ",".join(map(str, runs[name]["ns"]))
            rows.append(
                f"| {name} | {trained_at} | N={n} | {scores_cells} | {runs[name]['seconds']:.0f} | {cost} |"
            )
    ratio = seconds["full"] / seconds["MME"]
    body = (
        f"Same data (synthetic, seed {recipe.seed}: {recipe.train_triples} training triples; test split "
        f"{recipe.test_docs} documents / {recipe.test_queries} queries), same random-weight start (picture "
        f"pre-training steps: {recipe.vision_steps}), same {args.steps} optimiser steps of batch "
        f"{recipe.batch_size} (+{recipe.num_negatives} hard negative(s)); only the granularities differ. "
        f"Encode time: one test document at the model's largest granularity (MME N={n_of['MME']}, full = "
        f"24 x 24 per picture), median over {len(docs)} documents x 3 alternated rounds, fp32, CPU: full "
        f"tokens cost {ratio:.1f}x MME's.\n\n" + "\n".join(rows) + "\n"
    )
    if args.no_write:
        print(body)
    else:
        write_section(TITLE, body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
