"""Rebuild the shipped demo: a small DeepSeek-VL-family model trained from scratch, plus a collection.

    python -m mme_data.build_demo                 # writes demo/model and demo/collection (~15 min, 2 cores)
    python -m mme_data.build_demo --pilot         # a few minutes: same path, small sizes, no demo/ write

Needs the word lists of jieba and wordfreq (requirements-dev.txt) for its tokenizer; it says so and
stops before any work when they are missing.

Steps: generate the synthetic benchmark (train triples + a test split); build a random-weight
DeepSeek-VL backbone (real SigLIP-384/16 tower, so the grid is 24x24 and every N in 1,2,3,4,6 applies;
tokenizer trained on the generator's phrases, the common Chinese characters and common Chinese and
English words); pre-train its vision tower and projector on pictures alone (`mme_data.demo_vision`);
measure it; train it with the `mean` strategy; measure it again; write the model, a demo collection
and `training_report.json`.

Training is *full* (every language-model weight), not LoRA: the language model starts from random
weights, and a low-rank update of random attention matrices would leave the rest random. The
pre-trained tower and projector stay frozen while it trains, as a real model's pre-trained tower
would be, so every picture's grids are computed once per run and a step costs only the language
model. Without the picture stage the same training reached MRR@10 41-50 (a tower trained only
through the retrieval loss still confused a third of the step pictures at N = 1-2); with it, 80-87
(docs/BENCHMARKS.md, "Demo model").
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, replace
from pathlib import Path

from mme_core.encoder import MMEEncoder
from mme_core.training.config import TrainConfig
from mme_core.training.loop import train
from mme_core.training.retrieval_check import retrieval_metrics
from mme_data.cjk_vocabulary import common_cjk_characters
from mme_data.demo_recipe import (
    PILOT,
    RECIPE_OVERRIDES,
    DemoRecipe,
    granularity_list,
    yes_no,
)
from mme_data.demo_vision import REPORT as VISION_REPORT
from mme_data.demo_vision import pretrain_vision
from mme_data.synthetic import SyntheticConfig, corpus_lines, generate
from mme_data.tiny import build_tiny
from mme_data.word_vocabulary import word_lines

MAX_MODEL_BYTES = 20_000_000


def prepare(work: Path, recipe: DemoRecipe) -> tuple[Path, Path]:
    """Generate the benchmark (train triples + test split) and the random-weight model; -> (data, model)."""
    corpus = tokenizer_corpus(recipe.chinese_words, recipe.english_words)  # first: needs jieba, wordfreq
    bench = work / "bench"
    generate(
        bench, _synthetic(recipe, recipe.test_docs, recipe.test_queries, recipe.train_triples), overwrite=True
    )
    init = build_tiny(
        "deepseek_vl", work / "init", corpus=corpus, vocab_size=recipe.vocab_size,
        seed=recipe.seed,
        text_hidden=recipe.text_hidden, text_layers=recipe.text_layers,
        vision_hidden=recipe.vision_hidden, vision_layers=recipe.vision_layers,
    )  # fmt: skip
    if recipe.title_negatives:
        add_title_negatives(bench / "train.jsonl", recipe.title_negatives, recipe.seed)
    if recipe.vision_steps:
        pretrain_vision(init, work / "init-vision", steps=recipe.vision_steps, seed=recipe.seed)
        init = work / "init-vision"
    return bench, init


def tokenizer_corpus(chinese_words: int = 0, english_words: int = 0) -> list[str]:
    """The generator's phrases, each common Chinese character on a line of its own, and common words.

    The model never trains on Chinese, but people index Chinese notes with it: whole-character
    tokens halve their length (1.1 instead of 2.3 tokens per character on HowToCook's recipes), and
    the language model's cost grows faster than the length. One character per line teaches BPE the
    character's bytes as one token and nothing across characters. The common Chinese and English
    words (`mme_data.word_vocabulary`: jieba's and wordfreq's lists, so the build needs those
    packages) shorten real notes by another ~18 % (Chinese) and ~27 % (English).
    """
    words = word_lines(chinese_words, english_words) if chinese_words or english_words else []
    return [*corpus_lines(), *common_cjk_characters(), *words]


def add_title_negatives(path: Path, count: int, seed: int) -> None:
    """Give every triple `count` more negatives: tutorials with its answer's title from other clusters.

    The generator's negatives all come from the answer's own cluster (text twins, picture twin), and
    in-batch negatives almost never share a title (72 titles), so nothing in training shows the model
    what a test split is full of: the same title over other pictures (on the seed-7 split 39-47 % of
    the old demo's first hits landed in another cluster). Another cluster shares no picture with the
    answer, so such a tutorial cannot answer the query.
    """
    import random

    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_title: dict[str, list[list[str]]] = {}
    for row in rows:
        by_title.setdefault(row["pos"]["data"][0], []).append(row["pos"]["data"])
    rng = random.Random(f"{seed}:title-negatives")
    for row in rows:
        positive = row["pos"]["data"]
        pictures = set(positive[2::2])
        others = [doc for doc in by_title[positive[0]] if not pictures & set(doc[2::2])]
        row["neg"] += [{"data": doc} for doc in rng.sample(others, min(count, len(others)))]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def train_config(
    init: Path, bench: Path, out: Path, recipe: DemoRecipe, strategy: str = "mean"
) -> TrainConfig:
    return TrainConfig(
        model=str(init), data=str(bench), out=str(out), strategy=strategy, ns=recipe.ns,
        finetune="full", freeze_vision=not recipe.train_vision, freeze_projector=recipe.freeze_projector,
        batch_size=recipe.batch_size, num_negatives=recipe.num_negatives, group_batches=recipe.group_batches,
        drop_short=True,  # a cluster cut short at the end of the split has fewer siblings
        learning_rate=recipe.learning_rate, warmup_steps=recipe.warmup_steps, max_steps=recipe.max_steps,
        temperature=recipe.temperature, seed=recipe.seed, log_every=5,
        vision_learning_rate=recipe.vision_learning_rate,
        curriculum_ns=recipe.curriculum_ns, curriculum_steps=recipe.curriculum_steps,
    )  # fmt: skip


def vision_tune_config(model: Path, bench: Path, out: Path, recipe: DemoRecipe) -> TrainConfig:
    """The second stage: from the trained model, the tower and projector learn too, each part at its rate.

    Their features then change every step, so nothing visual is cached: a step costs ~3x a frozen one.
    """
    tuned = replace(
        recipe, train_vision=True, freeze_projector=False, learning_rate=recipe.vision_tune_lm_rate,
        warmup_steps=min(10, recipe.vision_tune_steps), max_steps=recipe.vision_tune_steps,
        curriculum_ns=(), curriculum_steps=0,
    )  # fmt: skip
    return train_config(model, bench, out, tuned)


def build_demo(out: str | Path = "demo", recipe: DemoRecipe = DemoRecipe(), work: str | Path | None = None,  # noqa: B008 (frozen)
               write: bool = True, progress: bool = True) -> dict:  # fmt: skip
    """Run every step; returns the report (also written to <out>/model/training_report.json)."""
    started = time.perf_counter()
    work = Path(work or tempfile.mkdtemp(prefix="mme-demo-"))
    work.mkdir(parents=True, exist_ok=True)
    say = print if progress else (lambda *a, **k: None)
    bench, init = prepare(work, recipe)
    say(f"[{_clock(started)}] generated data and the random-weight model in {work}")
    untrained = retrieval_metrics(load_encoder(init), bench, recipe.ns)
    say(f"[{_clock(started)}] untrained: {summary(untrained)}")
    config = train_config(init, bench, work / "run", recipe)
    training_started = time.perf_counter()
    result = train(config, progress=progress)
    losses = list(result.losses)
    if recipe.vision_tune_steps:
        say(f"[{_clock(started)}] tuning the visual path too for {recipe.vision_tune_steps} steps")
        tune = vision_tune_config(result.final_dir, bench, work / "run-vision", recipe)
        result = train(tune, progress=progress)
        losses += result.losses
    training_seconds = time.perf_counter() - training_started
    trained = retrieval_metrics(load_encoder(result.final_dir), bench, recipe.ns)
    say(f"[{_clock(started)}] trained:   {summary(trained)}")
    report = {
        "recipe": {**asdict(recipe), "ns": list(recipe.ns), "curriculum_ns": list(recipe.curriculum_ns)},
        "train_config": config.to_dict(),
        "test_split": {"docs": recipe.test_docs, "queries": recipe.test_queries, "seed": recipe.seed},
        "untrained": {str(n): v for n, v in untrained.items()},
        "trained": {str(n): v for n, v in trained.items()},
        "losses": {"first": losses[:5], "last": losses[-5:]},
        "loss_curve": loss_curve(losses),
        "vision_pretraining": vision_record(init),
        "training_seconds": round(training_seconds, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(time.process_time(), 1),  # this process, all threads
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }
    if write:
        _install(Path(out), result.final_dir, recipe, report)
        say(f"[{_clock(started)}] wrote {Path(out) / 'model'} and {Path(out) / 'collection'}")
    return report


def vision_record(init: Path) -> dict | None:
    """The picture pre-training's settings and loss curve, when the recipe ran it."""
    path = Path(init) / VISION_REPORT
    if not path.is_file():
        return None
    record = json.loads(path.read_text(encoding="utf-8"))
    return {**{k: v for k, v in record.items() if k != "losses"}, "loss_curve": loss_curve(record["losses"])}


def loss_curve(losses, points: int = 16) -> list[list]:
    """[[last step, mean loss]] over `points` equal windows of the run: the curve without the noise."""
    width = max(1, len(losses) // points)
    return [
        [min(start + width, len(losses)), round(sum(chunk) / len(chunk), 4)]
        for start in range(0, len(losses), width)
        if (chunk := losses[start : start + width])
    ]


def _synthetic(recipe: DemoRecipe, docs: int, queries: int, train_triples: int) -> SyntheticConfig:
    return SyntheticConfig(docs=docs, queries=queries, train=train_triples, dev=0, seed=recipe.seed)


def load_encoder(path) -> MMEEncoder:
    return MMEEncoder.from_pretrained(str(path), device="cpu", dtype="float32")


def _install(out: Path, model_dir: Path, recipe: DemoRecipe, report: dict) -> None:
    """Swap demo/model and demo/collection in whole, only after both are complete."""
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".demo-partial-", dir=out))
    try:
        shutil.copytree(model_dir, staging / "model")
        size = sum(p.stat().st_size for p in (staging / "model").rglob("*") if p.is_file())
        if size > MAX_MODEL_BYTES:
            raise ValueError(
                f"demo model is {size / 1e6:.1f} MB, over the {MAX_MODEL_BYTES / 1e6:.0f} MB limit"
            )
        report = {**report, "model_bytes": size}
        (staging / "model" / "training_report.json").write_text(json.dumps(report, indent=2) + "\n")
        # A collection disjoint from the training tutorials: another seed's test split.
        collection = replace(recipe, seed=recipe.seed + 1)
        generate(
            staging / "collection",
            _synthetic(collection, recipe.collection_docs, recipe.collection_queries, 0),
        )
        for name in ("model", "collection"):
            target = out / name
            if target.exists():
                shutil.rmtree(target)
            (staging / name).rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def summary(metrics: dict) -> str:
    return "  ".join(
        f"N={n}: MRR@10 {m['MRR@10'] * 100:.1f} R@5 {m['R@5'] * 100:.1f}" for n, m in metrics.items()
    )


def _clock(started: float) -> str:
    return f"{time.perf_counter() - started:6.0f}s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mme_data.build_demo", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", default="demo", help="demo directory to (re)write (default: demo)")
    parser.add_argument("--work", help="keep intermediate files here (default: a temporary directory)")
    parser.add_argument("--pilot", action="store_true", help="small sizes, report only, demo/ untouched")
    parser.add_argument("--max-steps", type=int, help="override the recipe's training steps")
    parser.add_argument("--train-triples", type=int, help="override the recipe's training triples")
    for name, kind in RECIPE_OVERRIDES.items():
        kind = {"yes_no": yes_no, "ns": granularity_list}.get(kind, kind)
        parser.add_argument(f"--{name.replace('_', '-')}", type=kind, help=f"override the recipe's {name}")
    args = parser.parse_args(argv)
    recipe = PILOT if args.pilot else DemoRecipe()
    names = ("max_steps", "train_triples", *RECIPE_OVERRIDES)
    overrides = {k: getattr(args, k) for k in names if getattr(args, k) is not None}
    try:
        report = build_demo(args.out, replace(recipe, **overrides), work=args.work, write=not args.pilot)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(
        json.dumps(
            {k: report[k] for k in ("untrained", "trained", "training_seconds", "total_seconds")}, indent=1
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
