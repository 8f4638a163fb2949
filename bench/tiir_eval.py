"""wikiHow-TIIR test split, one command: download, evaluate a model at every N, write BENCHMARKS.

    python -m bench.tiir_eval --model Qwen/Qwen3-VL-Embedding-2B               # needs the hub and a GPU
    python -m bench.tiir_eval --model Alibaba-NLP/gme-Qwen2-VL-2B-Instruct --dim 1536
    python -m bench.tiir_eval --model M --data ./wikiHow-TIIR --max-queries 500  # a local copy

The dataset (vec-ai/wikiHow-TIIR; 7,654 test queries, 155,262 documents) is fetched with
huggingface_hub into the hub cache unless --data names a local folder. Either way the folder holds
docs.jsonl, queries.jsonl and qrels.jsonl (at the top or in a `test/` folder) and the images, loose
or in .zip / .tar(.gz) archives; archives are unpacked once beside themselves. Image references are
resolved against the split folder, the snapshot root and every unpacked or `*images*` folder, by
relative path first, then by file name; a reference found nowhere stops the run, naming it.

The model is scored by `mme_core.evaluation` (exact ranking, the official metric definitions) at
N in {1,2,3,4,6,8,full}; results.json/.md and nsweep.png go to --out and the table becomes the
section "wikiHow-TIIR test: MODEL" of docs/BENCHMARKS.md. Memory: every N's document vectors are
held at once, 155k x dim x 4 bytes per N (8.9 GB for 7 N at 2048-d; --dim 1024 halves it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.report import write_section
from mme_core.loading import ModelNotAvailableError
from mme_data.tiir_hub import DATASET, download, prepare

NS = "1,2,3,4,6,8,full"


def benchmark_section(results: dict) -> str:
    """The evaluation report with its headings moved under the BENCHMARKS section."""
    from mme_core.evaluation.report import markdown_report

    lines = []
    for line in markdown_report(results).splitlines():
        if line.startswith("# "):
            lines.append(line[2:] + ".")
        else:
            lines.append("#" + line if line.startswith("## ") else line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tiir_eval", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="hub id or local directory")
    parser.add_argument("--adapter", help="LoRA adapter directory or hub id")
    parser.add_argument("--dim", type=int, help="Matryoshka output dim (models trained for it)")
    parser.add_argument("--data", type=Path, help=f"local copy of the dataset (default: download {DATASET})")
    parser.add_argument("--repo", default=DATASET, help="dataset repo id on the hub")
    parser.add_argument("--ns", default=NS, help="granularities to evaluate")
    parser.add_argument(
        "--out", type=Path, default=Path("results/tiir"), help="reports and the prepared split"
    )
    parser.add_argument("--max-queries", type=int, help="only the first N test queries (a quick look)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--dtype", default="auto")
    parser.add_argument(
        "--benchmarks", type=Path, help="file to write the section to (default docs/BENCHMARKS.md)"
    )
    args = parser.parse_args(argv)
    from mme_core.evaluation.cli import EvalConfig, evaluate

    try:
        root = args.data if args.data is not None else download(args.repo)
        if not root.is_dir():
            raise ValueError(f"--data {args.data} is not a folder")
        config = EvalConfig(
            data=prepare(root, args.out / "split"),
            out=args.out,
            model=args.model,
            adapter=args.adapter,
            dim=args.dim,
            ns=args.ns,
            batch_size=args.batch_size,
            device=args.device,
            dtype=args.dtype,
            max_queries=args.max_queries,
            progress=True,
        )
        results = evaluate(config)
    except (ValueError, ModelNotAvailableError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    data = results["data"]
    title = f"wikiHow-TIIR test: {args.model}" + (f" at {args.dim}-d" if args.dim else "")
    note = (
        f"{data['queries']} queries x {data['docs']} documents"
        + (" (a --max-queries subset, not the official test)" if args.max_queries else "")
        + f"; source {args.data or args.repo}."
    )
    write_section(title, note + "\n\n" + benchmark_section(results), path=args.benchmarks)
    print(f"wrote {args.out}/results.md and the section {title!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
