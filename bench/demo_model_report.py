"""Write the demo model's before/after table into docs/BENCHMARKS.md from its training report.

python -m mme_data.build_demo && python -m bench.demo_model_report [demo/model/training_report.json]
    [--loss-log WORK/run/loss_log.jsonl]   # the curve, for a report written before it carried one
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench.report import write_section


def table(report: dict) -> str:
    ns = list(report["trained"])
    rows = ["| model | " + " | ".join(f"N={n}" for n in ns) + " |", "|---|" + "---|" * len(ns)]
    for metric in ("MRR@10", "R@5", "R@1", "nDCG@10"):
        for name in ("untrained", "trained"):
            cells = [f"{report[name][n][metric] * 100:.1f}" for n in ns]
            rows.append(f"| {metric} {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def curve_from_log(path: Path, points: int = 16) -> list[list]:
    """[[step, mean loss]] over equal windows of a training loss log (one row per `log_every` steps)."""
    from mme_data.build_demo import loss_curve

    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    every = rows[1]["step"] - rows[0]["step"] if len(rows) > 1 else 1
    return [[step * every, loss] for step, loss in loss_curve([r["loss"] for r in rows], points)]


def curve_table(curve: list[list]) -> str:
    """The training curve as a two-row table: optimiser step, mean InfoNCE loss of the window ending there."""
    return "\n".join(
        [
            "| step | " + " | ".join(str(step) for step, _ in curve) + " |",
            "|---|" + "---|" * len(curve),
            "| loss | " + " | ".join(f"{loss:.3f}" for _, loss in curve) + " |",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.demo_model_report")
    parser.add_argument("report", nargs="?", default="demo/model/training_report.json", type=Path)
    parser.add_argument("--loss-log", type=Path, help="loss_log.jsonl of the run (else the report's curve)")
    args = parser.parse_args(argv)
    path = args.report
    report = json.loads(path.read_text())
    recipe, split = report["recipe"], report["test_split"]
    vision = report.get("vision_pretraining")
    tower = (
        f"SigLIP-384/16 tower {recipe['vision_hidden']}-d x {recipe['vision_layers']} pre-trained on "
        f"pictures alone ({vision['steps']} steps, `mme_data.demo_vision`) then frozen with its projector"
        if vision
        else f"frozen random SigLIP-384/16 tower {recipe['vision_hidden']}-d x {recipe['vision_layers']}"
    )
    title_negatives = recipe.get("title_negatives", 0)
    pool = "the answer's cluster (text twins, picture twin)" + (
        f" + {title_negatives} same-title tutorial(s) from another cluster" if title_negatives else ""
    )
    note = (
        f"From-scratch DeepSeek-VL-family model ({recipe['text_hidden']}-d x {recipe['text_layers']} "
        f"language layers, {tower}, {report.get('model_bytes', 0) / 1e6:.1f} MB), full fine-tuning of the "
        f"language model with the `mean` strategy over N={','.join(map(str, recipe['ns']))}: "
        f"{recipe['max_steps']} steps of {recipe['batch_size']} triples (+{recipe['num_negatives']} hard "
        f"negative(s) each, drawn from {pool}; lr {recipe['learning_rate']}, temperature "
        f"{recipe.get('temperature', 0.05)}) from {recipe['train_triples']} synthetic triples. "
        f"Test split: {split['docs']} documents, {split['queries']} queries (seed {split['seed']}), exact "
        f"ranking, official wikiHow-TIIR metric definitions, percent; `untrained` is the start of the "
        f"retrieval training{' (after the picture stage)' if vision else ''}. Training took "
        f"{report['training_seconds'] / 60:.1f} min, the whole build {report['total_seconds'] / 60:.1f} min "
        "wall clock on 2 cores shared with other jobs"
    )
    if "cpu_seconds" in report:
        load = ", ".join(map(str, report["load_average_at_end"]))
        note += f" ({report['cpu_seconds'] / 60:.1f} CPU-minutes; load average {load} at the end)"
    note += "."
    curve = curve_from_log(args.loss_log) if args.loss_log else report.get("loss_curve")
    body = note + "\n\n" + table(report)
    if curve:
        body += "\n\nTraining curve (mean loss per window of steps):\n\n" + curve_table(curve)
    if vision and vision.get("loss_curve"):
        body += "\n\nPicture pre-training curve (symmetric InfoNCE, mean over N):\n\n" + curve_table(
            vision["loss_curve"]
        )
    write_section("Demo model: untrained vs trained at each N", body,
                  command="python -m mme_data.build_demo && python -m bench.demo_model_report")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
