"""The shipped demo model and collection: present, small, loadable, and better than untrained."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mme_core.training.data import load_corpus

DEMO = Path(__file__).resolve().parents[2] / "demo"
MODEL, COLLECTION = DEMO / "model", DEMO / "collection"

pytestmark = pytest.mark.skipif(not (MODEL / "config.json").is_file(), reason="demo model not built")


def test_demo_model_is_small_and_loads_with_the_real_grid():
    from mme_core import MMEEncoder

    size = sum(p.stat().st_size for p in MODEL.rglob("*") if p.is_file())
    assert size <= 20_000_000, f"demo model is {size / 1e6:.1f} MB"
    encoder = MMEEncoder.from_pretrained(str(MODEL), device="cpu", dtype="float32")
    assert encoder.family == "deepseek_vl"
    assert encoder.backbone.grid_shape((64, 64)) == (24, 24)
    assert encoder.tokens_per_image(3) == 9


def test_demo_collection_is_a_tiir_directory_with_its_images():
    corpus = load_corpus(COLLECTION / "docs.jsonl")  # checks every image file exists
    assert len(corpus) >= 200
    assert sum(len(doc.images) for doc in corpus.values()) >= len(corpus)
    assert (COLLECTION / "queries.jsonl").read_text().strip()


def test_shipped_report_shows_training_helped_at_every_n():
    report = json.loads((MODEL / "training_report.json").read_text())
    assert report["train_config"]["strategy"] == "mean"
    for n, trained in report["trained"].items():
        assert trained["MRR@10"] > report["untrained"][n]["MRR@10"], n


@pytest.mark.slow
def test_demo_model_beats_its_untrained_twin_on_the_demo_collection(tmp_path):
    """Recomputed here, on the collection (another seed than the training data), at N=3."""
    from mme_core import MMEEncoder
    from mme_core.training.retrieval_check import retrieval_metrics
    from mme_data.build_demo import DemoRecipe, prepare

    report = json.loads((MODEL / "training_report.json").read_text())
    # The same random-weight starting point, before any training (picture pre-training included);
    # a report from before the word lists (no such keys) was built without them.
    built = {"chinese_words": 0, "english_words": 0, **report["recipe"]}
    recipe = DemoRecipe(**{**built, "ns": tuple(built["ns"]), "train_triples": 1,
                           "test_docs": 6, "test_queries": 1, "vision_steps": 0})  # fmt: skip
    _, init = prepare(tmp_path, recipe)
    untrained = retrieval_metrics(
        MMEEncoder.from_pretrained(str(init), device="cpu", dtype="float32"), COLLECTION, (3,)
    )
    trained = retrieval_metrics(
        MMEEncoder.from_pretrained(str(MODEL), device="cpu", dtype="float32"), COLLECTION, (3,)
    )
    assert trained[3]["MRR@10"] > untrained[3]["MRR@10"] + 0.05, (untrained, trained)
