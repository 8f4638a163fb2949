"""Single vector vs multi-vector (meta tokens, MaxSim) on a held-out synthetic split, and what the
meta tokens cost to encode.

    nice -n 10 python -m bench.multivector_quality --model demo/model            # writes its section
    python -m bench.multivector_quality --model DIR --docs 100 --queries 20 --rounds 1 --no-write

Quality: `mme_core.evaluation` on a split the model never saw (default seed 11, 500 documents, 100
queries): the single vector and MaxSim at every budget, at each N. Cost: per document (and per
query), one `encode_all` at N (the single vector) against one `encode_all_multi` at N (the same
forward with the meta tokens appended, which gives both embeddings), the two alternated in each
round so load drifts hit both; medians over the rounds, ms per document.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.report import write_section
from mme_core.encoder import MMEEncoder
from mme_core.evaluation.cli import EvalConfig, evaluate
from mme_core.evaluation.multi_vector import comparison_table
from mme_core.tiir import load_tiir
from mme_data.synthetic import SyntheticConfig, generate

HEAD_REPORT = "meta_tokens_report.json"  # written by mme_data.build_demo_multivector


def held_out_split(work: Path, docs: int, queries: int, seed: int) -> Path:
    data = work / f"synthetic-seed{seed}-{docs}x{queries}"
    if not (data / "qrels.jsonl").is_file():
        generate(data, SyntheticConfig(docs=docs, queries=queries, train=0, dev=0, seed=seed), overwrite=True)
    return data


def encode_costs(encoder: MMEEncoder, data: Path, ns, rounds: int, count: int) -> list[dict]:
    """Per (side, N): median ms per item of encode_all vs encode_all_multi, alternated per round."""
    split = load_tiir(data)
    sides = {"document": split.docs[:count], "query": split.queries[:count]}
    rows = []
    for side, items in sides.items():
        for n in ns:
            times = {"single": [], "multi": []}
            for round_index in range(rounds):
                order = ("single", "multi") if round_index % 2 == 0 else ("multi", "single")
                for kind in order:
                    encode = encoder.encode_all if kind == "single" else encoder.encode_all_multi
                    start = time.perf_counter()
                    encode(items, [n], batch_size=8, prompt_name=side)
                    times[kind].append((time.perf_counter() - start) * 1000 / len(items))
            single, multi = statistics.median(times["single"]), statistics.median(times["multi"])
            rows.append(
                {"side": side, "n": n, "single_ms": single, "multi_ms": multi, "ratio": multi / single}
            )
    return rows


def cost_table(rows: list[dict], encoder: MMEEncoder) -> str:
    query_count, doc_count = encoder.meta_tokens
    lines = [
        "| side | N | single vector (ms/item) | with meta tokens (ms/item) | ratio |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        tokens = doc_count if row["side"] == "document" else query_count
        lines.append(
            f"| {row['side']} (+{tokens} meta tokens) | {row['n']} | {row['single_ms']:.1f} | "
            f"{row['multi_ms']:.1f} | {row['ratio']:.2f}x |"
        )
    return "\n".join(lines)


def training_note(model: Path) -> str:
    report_path = model / HEAD_REPORT
    if not report_path.is_file():
        return ""
    report = json.loads(report_path.read_text(encoding="utf-8"))
    config = report["train_config"]
    queries, documents = config["meta_tokens"]
    budgets, ns = ",".join(map(str, config["budgets"])), ",".join(map(str, config["ns"]))
    minutes = report["training_seconds"] / 60
    return (
        f"Head: {queries} query / {documents} document meta tokens, budgets {budgets}, trained alone on "
        "the frozen model (`finetune=head`, `python -m mme_data.build_demo_multivector`): "
        f"{config['max_steps']} steps of {config['batch_size']} triples (+{config['num_negatives']} hard "
        f"negative), strategy `{config['strategy']}` over N={ns}, lr {config['learning_rate']}, on the "
        f"demo's own training triples (seed {config['seed']}); {minutes:.1f} min of training."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.multivector_quality", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--model", default="demo/model", help="a checkpoint with a multi-vector head")
    parser.add_argument("--docs", type=int, default=500)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--seed", type=int, default=11, help="seed of the held-out split")
    parser.add_argument("--ns", default="1,3,6")
    parser.add_argument("--budgets", default="1,2,4,8,16")
    parser.add_argument("--rounds", type=int, default=5, help="timing rounds (each: single and multi)")
    parser.add_argument("--timing-items", type=int, default=48, help="documents (and queries) timed per call")
    parser.add_argument("--work", help="where the split and results go (default: a temporary directory)")
    parser.add_argument("--no-write", action="store_true", help="print, do not write docs/BENCHMARKS.md")
    args = parser.parse_args(argv)
    work = Path(args.work or tempfile.mkdtemp(prefix="mme-mvq-"))
    ns = tuple(int(n) for n in args.ns.split(","))
    budgets = tuple(int(b) for b in args.budgets.split(","))
    load_before = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    data = held_out_split(work, args.docs, args.queries, args.seed)
    config = EvalConfig(data=data, out=work / "eval", model=args.model, ns=ns, vectors="multi",
                        budgets=budgets, device="cpu", dtype="float32", batch_size=16)  # fmt: skip
    started = time.perf_counter()
    results = evaluate(config)
    quality = comparison_table(results["runs"])
    eval_seconds = time.perf_counter() - started
    encoder = MMEEncoder.from_pretrained(args.model, device="cpu", dtype="float32")
    costs = encode_costs(encoder, data, ns, args.rounds, args.timing_items)
    load_after = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    body = "\n\n".join(
        part
        for part in (
            f"Model `{args.model}` ({encoder.describe()}). Held-out synthetic split: seed {args.seed}, "
            f"{args.docs} documents, {args.queries} queries (the model trained on seed-0 triples). MRR@10 in "
            "percent; `single` is the model's single vector (cosine), `multi k` MaxSim over the first "
            "min(k, Q) query and min(k, D) document vectors; exact ranking; evaluation took "
            f"{eval_seconds:.0f} s.",
            training_note(Path(args.model)),
            quality,
            f"Encode cost, float32 on CPU, batch 8, {args.timing_items} documents (and queries) per call, "
            f"medians of {args.rounds} rounds, single and multi alternated within each round. `with meta "
            "tokens` is one forward that gives both the single vector and the meta vectors.",
            cost_table(costs, encoder),
            f"Load average (1, 5, 15 min) before: {load_before}; after: {load_after} (2 cores shared).",
        )
        if part
    )
    print(body)
    (work / "multivector_quality.json").write_text(
        json.dumps({"runs": results["runs"], "costs": costs}, indent=1)
    )
    if not args.no_write:
        write_section(
            "Multi-vector head on the demo model: MRR@10 per budget and N, encode cost of the meta tokens",
            body,
            command="nice -n 10 python -m bench.multivector_quality " + " ".join(argv or sys.argv[1:]),
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
