"""Give a built demo model a multi-vector head: train only its meta tokens, on the demo's own data.

    python -m mme_data.build_demo_multivector             # train, report, write demo/model/meta_tokens.*
    python -m mme_data.build_demo_multivector --pilot     # a few minutes: 20 steps, demo/ untouched

A step after `python -m mme_data.build_demo`, not part of it: the model's weights stay frozen and only
the meta tokens learn (`finetune="head"`), so every single vector the model gives is what it was
(the meta tokens come after the token whose state is the single vector, and the LM is causal). The
data are the synthetic triples the model was trained on (seed, triple count, N list, batch and hard
negatives from the model's `training_report.json`), the loss the Matryoshka MaxSim InfoNCE of
`mme_core.training.multivector_loss` beside the (here constant) single-vector one. Before anything
is written the head is measured on the model's test split, single vector beside every budget, and
the report lands next to the head as `meta_tokens_report.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from mme_core.evaluation.cli import EvalConfig, evaluate
from mme_core.evaluation.multi_vector import MULTI_SYSTEM
from mme_core.multivector import META_TOKENS_FILE, parse_budgets, parse_meta_tokens
from mme_core.training.config import TrainConfig
from mme_core.training.loop import train
from mme_data.synthetic import SyntheticConfig, generate

MODEL_REPORT = "training_report.json"  # written by mme_data.build_demo
HEAD_REPORT = "meta_tokens_report.json"


@dataclass(frozen=True)
class HeadRecipe:
    """How the head is trained; the data come from the model's own recipe."""

    meta_tokens: tuple = (8, 16)  # queries are short: 8 vectors; documents 16
    budgets: tuple = (1, 2, 4, 8, 16)
    # One N per step (both sides): a fifth of `mean`'s forwards. With the model frozen the forwards are
    # the whole cost, and `mean` ran ~40 s a step on the shared 2 cores (150 steps: ~1.5 h).
    strategy: str = "random"
    max_steps: int = 90  # 1.7 min of training for the shipped head (one thread, two other jobs beside it)
    learning_rate: float = 5e-3  # only (8 + 16) x 128 numbers learn: a larger step than full training
    warmup_steps: int = 10

    def __post_init__(self) -> None:
        counts = parse_meta_tokens(self.meta_tokens)
        object.__setattr__(self, "meta_tokens", counts)
        object.__setattr__(self, "budgets", parse_budgets(self.budgets, counts))
        if not isinstance(self.max_steps, int) or self.max_steps < 1:
            raise ValueError(f"max_steps must be an int >= 1, got {self.max_steps!r}")


PILOT = HeadRecipe(max_steps=20)


def model_recipe(model: Path) -> dict:
    """The demo build's recipe (data seed and sizes, N list, batch) from the model's report."""
    report = model / MODEL_REPORT
    if not (model / "config.json").is_file():
        raise ValueError(
            f"{model} is not a model folder (no config.json); build it with python -m mme_data.build_demo"
        )
    if not report.is_file():
        raise ValueError(
            f"{model} has no {MODEL_REPORT}: the head needs the data recipe its model was trained on"
        )
    try:
        recipe = json.loads(report.read_text(encoding="utf-8"))["recipe"]
        keys = ("seed", "train_triples", "test_docs", "test_queries", "ns", "batch_size", "num_negatives")
        return {key: recipe[key] for key in keys}
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise ValueError(f"{report} does not hold a demo recipe ({err!r})") from err


def head_config(model: Path, data: Path, out: Path, recipe: HeadRecipe, data_recipe: dict) -> TrainConfig:
    return TrainConfig(
        model=str(model), data=str(data), out=str(out), strategy=recipe.strategy, ns=tuple(data_recipe["ns"]),
        finetune="head", meta_tokens=recipe.meta_tokens, budgets=recipe.budgets,
        batch_size=data_recipe["batch_size"], num_negatives=data_recipe["num_negatives"], drop_short=True,
        learning_rate=recipe.learning_rate, warmup_steps=recipe.warmup_steps, max_steps=recipe.max_steps,
        seed=data_recipe["seed"], log_every=5,
    )  # fmt: skip


def head_metrics(model_dir: Path, data: Path, out: Path, ns: tuple) -> dict:
    """{"single": {n: MRR@10}, "multi": {n: {budget: MRR@10}}} on the test split in `data`."""
    config = EvalConfig(data=data, out=out, model=str(model_dir), ns=ns, device="cpu", dtype="float32",
                        vectors="multi", batch_size=16)  # fmt: skip
    runs = evaluate(config)["runs"]
    single = {str(r["n"]): r["metrics"]["MRR@10"] for r in runs if r["system"] == "MME"}
    multi: dict = {}
    for run in (r for r in runs if r["system"] == MULTI_SYSTEM):
        multi.setdefault(str(run["n"]), {})[str(run["budget"])] = run["metrics"]["MRR@10"]
    return {"single": single, "multi": multi}


def build_head(
    model: str | Path = "demo/model",
    recipe: HeadRecipe = HeadRecipe(),
    work: str | Path | None = None,
    write: bool = True,
    progress: bool = True,
) -> dict:
    """Train and measure the head; with `write`, put it (and its report) into the model folder."""
    started = time.perf_counter()
    model = Path(model)
    data_recipe = model_recipe(model)
    if (model / META_TOKENS_FILE).exists():  # training would continue that head, not start a new one
        raise ValueError(f"{model} already has {META_TOKENS_FILE}; delete it to train a new head")
    work = Path(work or tempfile.mkdtemp(prefix="mme-demo-head-"))
    work.mkdir(parents=True, exist_ok=True)
    say = print if progress else (lambda *a, **k: None)
    data = work / "bench"
    # The very files the model's build generated (test split first, then the triples, one seed).
    sizes = {"docs": "test_docs", "queries": "test_queries", "train": "train_triples", "seed": "seed"}
    synthetic = SyntheticConfig(dev=0, **{field: data_recipe[key] for field, key in sizes.items()})
    generate(data, synthetic, overwrite=True)
    config = head_config(model, data, work / "run", recipe, data_recipe)
    training_started = time.perf_counter()
    result = train(config, progress=progress)
    training_seconds = time.perf_counter() - training_started
    say(f"trained the head in {training_seconds:.0f}s; measuring it on the test split")
    metrics = head_metrics(result.final_dir, data, work / "eval", config.ns)
    report = {
        "head_recipe": {
            **asdict(recipe),
            "meta_tokens": list(recipe.meta_tokens),
            "budgets": list(recipe.budgets),
        },
        "data_recipe": data_recipe,
        "train_config": config.to_dict(),
        "test_split": {key: data_recipe[key] for key in ("test_docs", "test_queries", "seed")},
        "MRR@10": metrics,
        "losses": {"first": result.losses[:5], "last": result.losses[-5:]},
        "training_seconds": round(training_seconds, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }
    if write:
        install_head(result.final_dir, model, report)
        say(f"wrote {model / META_TOKENS_FILE} and {model / HEAD_REPORT}")
    return report


def install_head(trained: Path, model: Path, report: dict) -> None:
    """Copy the trained head and its report into the model folder (each through a temporary name)."""
    for source, name in ((trained / META_TOKENS_FILE, META_TOKENS_FILE), (None, HEAD_REPORT)):
        partial = model / (name + ".partial")
        if source is None:
            partial.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        else:
            shutil.copyfile(source, partial)
        partial.replace(model / name)


def summary(metrics: dict) -> str:
    lines = []
    for n, single in metrics["single"].items():
        budgets = "  ".join(f"k={k} {v * 100:.1f}" for k, v in metrics["multi"].get(n, {}).items())
        lines.append(f"N={n}: single {single * 100:.1f}  multi {budgets}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mme_data.build_demo_multivector", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--model", default="demo/model", help="a model built by mme_data.build_demo")
    parser.add_argument("--work", help="keep intermediate files here (default: a temporary directory)")
    parser.add_argument("--pilot", action="store_true", help="small sizes, report only, the model untouched")
    parser.add_argument("--no-write", action="store_true", help="train and report, leave the model untouched")
    parser.add_argument("--meta-tokens", help="Q,D meta tokens (default 8,16)")
    parser.add_argument("--budgets", help="nested budgets (default 1,2,4,8,16)")
    parser.add_argument("--max-steps", type=int, help="override the head recipe's training steps")
    parser.add_argument("--lr", type=float, help="override the head recipe's learning rate")
    parser.add_argument("--strategy", help="override the head recipe's granularity strategy (random)")
    args = parser.parse_args(argv)
    overrides = {
        key: value
        for key, value in (
            ("meta_tokens", args.meta_tokens),
            ("budgets", args.budgets),
            ("max_steps", args.max_steps),
            ("learning_rate", args.lr),
            ("strategy", args.strategy),
        )
        if value is not None
    }
    try:
        recipe = replace(PILOT if args.pilot else HeadRecipe(), **overrides)
        report = build_head(args.model, recipe, work=args.work, write=not (args.pilot or args.no_write))
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(summary(report["MRR@10"]))
    print(json.dumps({k: report[k] for k in ("training_seconds", "total_seconds")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
