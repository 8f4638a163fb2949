"""`--vectors multi`: MaxSim ranking (numpy) and single-vs-multi runs per budget and N."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mme_core import MMEEncoder
from mme_core.evaluation.cli import main
from mme_core.evaluation.metrics import evaluate_rankings
from mme_core.evaluation.ranking import rank_maxsim
from mme_core.tiir import load_tiir
from mme_data.synthetic import SyntheticConfig, generate
from mme_data.tiny import build_tiny


@pytest.fixture(scope="module")
def split(tmp_path_factory):
    out = tmp_path_factory.mktemp("mv-eval") / "split"
    generate(out, SyntheticConfig(docs=12, queries=3, train=0, dev=0, seed=1))
    return out


@pytest.fixture(scope="module")
def mv_dir(tmp_path_factory):
    return build_tiny("deepseek_vl", tmp_path_factory.mktemp("mv-dsvl"), meta_tokens=(2, 4))


def test_rank_maxsim_matches_a_brute_force_loop():
    rng = np.random.default_rng(1)
    queries = rng.normal(size=(5, 2, 6)).astype(np.float32)
    docs = rng.normal(size=(9, 3, 6)).astype(np.float32)
    doc_ids = [f"d{i}" for i in range(9)]
    rankings = rank_maxsim(queries, docs, [f"q{i}" for i in range(5)], doc_ids, k=4, chunk=2)
    for q in range(5):
        scores = [sum(max(float(v @ w) for w in docs[d]) for v in queries[q]) for d in range(9)]
        expected = [doc_ids[d] for d in sorted(range(9), key=lambda d: -scores[d])[:4]]
        assert rankings[f"q{q}"] == expected


def test_rank_maxsim_refuses_single_vectors():
    with pytest.raises(ValueError, match="multi-vectors must be 3-d"):
        rank_maxsim(np.zeros((2, 4)), np.zeros((3, 1, 4)), ["a", "b"], ["x", "y", "z"])


def test_multi_runs_per_budget_and_n(mv_dir, split, tmp_path, capsys):
    out = tmp_path / "results"
    code = main(
        ["--model", str(mv_dir), "--data", str(split), "--ns", "1,2", "--vectors", "multi", "--budgets",
         "1,4", "--out", str(out), "--device", "cpu", "--dtype", "float32"]
    )  # fmt: skip
    assert code == 0
    results = json.loads((out / "results.json").read_text())
    multi = {(r["n"], r["budget"]): r for r in results["runs"] if r["system"] == "MME multi-vector"}
    assert set(multi) == {(1, 1), (1, 4), (2, 1), (2, 4)}
    assert {r["n"] for r in results["runs"] if r["system"] == "MME"} == {1, 2}
    # The reported figures are those of an independent MaxSim over the model's own vectors.
    data = load_tiir(split)
    encoder = MMEEncoder.from_pretrained(str(mv_dir), device="cpu", dtype="float32")
    docs = encoder.encode_multi(data.docs, n=2)[:, :4]
    queries = encoder.encode_multi(data.queries, n=2, prompt_name="query")[:, :4]
    rankings = rank_maxsim(queries, docs, [q.id for q in data.queries], [d.id for d in data.docs])
    expected = evaluate_rankings(rankings, data.qrels, tuple(results["metrics"]))
    assert multi[2, 4]["metrics"] == pytest.approx(expected)
    report = (out / "results.md").read_text()
    assert "Single vector vs multi-vector" in report and "multi k=4" in report


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--vectors", "many"], "unknown vectors 'many'; valid choices are single, multi"),
        (["--budgets", "1,2"], "--budgets needs --vectors multi"),
        (["--vectors", "multi", "--budgets", "1,x"], "budgets must be comma-separated integers"),
    ],
)
def test_bad_vector_flags(mv_dir, split, tmp_path, capsys, flags, message):
    out = tmp_path / "r"
    assert main(["--model", str(mv_dir), "--data", str(split), "--out", str(out), *flags]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_multi_on_a_single_vector_model_and_budget_too_large(tiny_dsvl_dir, mv_dir, split, tmp_path, capsys):
    common = ["--data", str(split), "--ns", "1", "--device", "cpu", "--dtype", "float32"]
    assert (
        main(["--model", str(tiny_dsvl_dir), "--vectors", "multi", "--out", str(tmp_path / "a"), *common])
        == 2
    )
    assert "needs a model with a multi-vector head" in capsys.readouterr().err
    bad = ["--model", str(mv_dir), "--vectors", "multi", "--budgets", "1,8", "--out", str(tmp_path / "b")]
    assert main([*bad, *common]) == 2
    assert "ascending distinct vector counts from 1 to 4" in capsys.readouterr().err
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
