"""The shipped demo model's multi-vector head: it loads, it leaves the single vectors exactly as the
model gives them without it, and its report was measured on the model's own test split."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from mme_core.multivector import META_TOKENS_FILE
from mme_core.training.data import load_corpus
from mme_data.build_demo_multivector import HEAD_REPORT

DEMO = Path(__file__).resolve().parents[2] / "demo"
MODEL, COLLECTION = DEMO / "model", DEMO / "collection"

pytestmark = pytest.mark.skipif(not (MODEL / META_TOKENS_FILE).is_file(), reason="demo model has no head")


def load(path: Path):
    from mme_core import MMEEncoder

    return MMEEncoder.from_pretrained(str(path), device="cpu", dtype="float32")


def test_demo_head_loads_with_its_budgets_and_gives_nested_vectors():
    report = json.loads((MODEL / HEAD_REPORT).read_text())
    encoder = load(MODEL)
    assert encoder.multi_vector
    assert list(encoder.meta_tokens) == report["train_config"]["meta_tokens"]
    assert list(encoder.budgets) == report["train_config"]["budgets"]
    docs = list(load_corpus(COLLECTION / "docs.jsonl").values())[:2]
    vectors = encoder.encode_multi(docs, n=3)
    assert vectors.shape == (2, encoder.meta_tokens[1], encoder.dim)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=-1), 1.0, atol=1e-5)


def test_demo_head_leaves_the_single_vectors_unchanged(tmp_path):
    without = tmp_path / "model"
    shutil.copytree(MODEL, without, ignore=shutil.ignore_patterns(META_TOKENS_FILE))
    docs = list(load_corpus(COLLECTION / "docs.jsonl").values())[:4]
    plain, headed = load(without), load(MODEL)
    assert not plain.multi_vector
    for n in (1, 3):
        np.testing.assert_array_equal(headed.encode(docs, n=n), plain.encode(docs, n=n))


def test_demo_head_report_is_the_model_s_own_split_and_single_scores():
    head = json.loads((MODEL / HEAD_REPORT).read_text())
    model = json.loads((MODEL / "training_report.json").read_text())
    assert head["train_config"]["finetune"] == "head"
    assert head["test_split"]["seed"] == model["recipe"]["seed"]
    for n, single in head["MRR@10"]["single"].items():  # the same frozen model on the same split
        assert single == pytest.approx(model["trained"][n]["MRR@10"], abs=0.01), n
        assert set(head["MRR@10"]["multi"][n]) == {str(b) for b in head["train_config"]["budgets"]}
