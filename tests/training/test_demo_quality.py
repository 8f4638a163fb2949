"""Issue 13's bar for the shipped demo model, on a synthetic split drawn from a seed its training never saw.

The demo is trained on seed 0 (train triples and the report's test split) and ships a seed-1
collection; seed 11 is used by neither, so this is a held-out measurement, recomputed here from the
model files at the demo's best N on its own report (never read from the report's scores).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DEMO_MODEL = Path(__file__).resolve().parents[2] / "demo" / "model"
HELD_OUT_SEED = 11
TARGET_MRR10 = 0.80
MIN_SHUFFLE_COST = 0.10  # the image-order shuffle must cost this much: the order is read

pytestmark = pytest.mark.skipif(not (DEMO_MODEL / "config.json").is_file(), reason="demo model not built")


@pytest.mark.slow  # encodes 500 documents and 100 queries twice: ~1-3 min on 2 cores
def test_demo_model_reaches_the_issue_13_bar_on_an_unseen_seed(tmp_path):
    from mme_core.evaluation.cli import EvalConfig, evaluate
    from mme_data.synthetic import SyntheticConfig, generate

    report = json.loads((DEMO_MODEL / "training_report.json").read_text())
    best_n = int(max(report["trained"], key=lambda n: report["trained"][n]["MRR@10"]))
    data = tmp_path / "split"
    generate(data, SyntheticConfig(docs=500, queries=100, train=0, dev=0, seed=HELD_OUT_SEED))
    config = EvalConfig(
        data=data, out=tmp_path / "results", model=str(DEMO_MODEL), ns=(best_n,),
        shuffles=("none", "images"), baselines=("bm25", "histogram", "rrf"), device="cpu", dtype="float32",
    )  # fmt: skip
    mrr = {(r["system"], r["shuffle"]): r["metrics"]["MRR@10"] for r in evaluate(config)["runs"]}
    model = mrr[("MME", "none")]
    assert model >= TARGET_MRR10, mrr
    for baseline in ("BM25 (bm25s)", "colour-histogram MaxSim", "RRF(BM25, histogram)"):
        assert model > mrr[(baseline, "none")], mrr
    assert model - mrr[("MME", "images")] >= MIN_SHUFFLE_COST, mrr
