"""Write the demo model's before/after table into docs/BENCHMARKS.md from its training report.

python -m mme_data.build_demo && python -m bench.demo_model_report [demo/model/training_report.json]
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


def main(argv: list[str] | None = None) -> int:
    path = Path((argv or sys.argv[1:] or ["demo/model/training_report.json"])[0])
    report = json.loads(path.read_text())
    recipe, split = report["recipe"], report["test_split"]
    note = (
        f"From-scratch DeepSeek-VL-family model ({recipe['text_hidden']}-d x {recipe['text_layers']} "
        f"language layers, frozen random SigLIP-384/16 tower {recipe['vision_hidden']}-d x "
        f"{recipe['vision_layers']}, "
        f"{report.get('model_bytes', 0) / 1e6:.1f} MB), full fine-tuning with the `mean` strategy over "
        f"N={','.join(map(str, recipe['ns']))}: {recipe['max_steps']} steps of {recipe['batch_size']} "
        f"triples (+{recipe['num_negatives']} hard negative each) from {recipe['train_triples']} "
        "synthetic triples. "
        f"Test split: {split['docs']} documents, {split['queries']} queries (seed {split['seed']}), exact "
        f"ranking, official wikiHow-TIIR metric definitions, percent. Training took "
        f"{report['training_seconds'] / 60:.1f} min, the whole build {report['total_seconds'] / 60:.1f} min "
        "wall clock on 2 cores shared with other jobs"
    )
    if "cpu_seconds" in report:
        load = ", ".join(map(str, report["load_average_at_end"]))
        note += f" ({report['cpu_seconds'] / 60:.1f} CPU-minutes; load average {load} at the end)"
    note += "."
    write_section("Demo model: untrained vs trained at each N", note + "\n\n" + table(report),
                  command="python -m mme_data.build_demo && python -m bench.demo_model_report")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
