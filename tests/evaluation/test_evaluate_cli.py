"""`python -m mme_core.evaluation` end to end on a tiny synthetic split (tiny DeepSeek-VL checkpoint)."""

from __future__ import annotations

import json

import pytest

from mme_core.evaluation.cli import main
from mme_core.evaluation.metrics import DEFAULT_METRICS, evaluate_rankings
from mme_core.evaluation.ranking import rank_exact
from mme_core.tiir import load_tiir
from mme_data.synthetic import SyntheticConfig, generate


@pytest.fixture(scope="module")
def tiny_split(tmp_path_factory):
    out = tmp_path_factory.mktemp("eval") / "split"
    generate(out, SyntheticConfig(docs=12, queries=3, train=0, dev=0, seed=1))
    return out


def test_writes_every_metric_for_every_condition(tiny_dsvl_dir, tiny_dsvl, tiny_split, tmp_path, capsys):
    out = tmp_path / "results"
    code = main(
        ["--model", str(tiny_dsvl_dir), "--data", str(tiny_split), "--ns", "1,2", "--shuffle",
         "none,images,positions", "--views", "interleaved,text,images", "--baselines", "bm25,histogram,rrf",
         "--out", str(out), "--device", "cpu", "--dtype", "float32"]
    )  # fmt: skip
    assert code == 0
    results = json.loads((out / "results.json").read_text())
    conditions = {(r["system"], r["view"], r["shuffle"], r["n"]) for r in results["runs"]}
    expected = {("MME", "interleaved", s, n) for s in ("none", "images", "positions") for n in (1, 2)}
    expected |= {("MME", v, "none", n) for v in ("text", "images") for n in (1, 2)}
    assert {c for c in conditions if c[0] == "MME"} == expected
    assert {(c[0], c[1]) for c in conditions if c[0] != "MME"} == {
        ("BM25 (bm25s)", "text"),
        ("colour-histogram MaxSim", "images"),
        ("RRF(BM25, histogram)", "text+images"),
    }
    for run in results["runs"]:
        assert list(run["metrics"]) == list(DEFAULT_METRICS)
        assert all(0.0 <= value <= 1.0 for value in run["metrics"].values())
        assert sum(run["top1"].values()) == pytest.approx(1.0)  # a generated split: first-hit analysis
        assert run["top1"]["answer"] == run["metrics"]["R@1"]
    assert results["model"]["fingerprint"] == tiny_dsvl.fingerprint
    assert {r["tokens_per_image"] for r in results["runs"] if r["n"] == 1} == {1}
    markdown = (out / "results.md").read_text()
    for metric in DEFAULT_METRICS:
        assert f"| {metric} " in markdown
    assert "image positions shuffled" in markdown and "## Baselines" in markdown
    assert "## Where the first hit lands" in markdown
    assert (out / "nsweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "R@1" in capsys.readouterr().out

    # N=full is the same code path with 576 tokens per image: too slow for the default suite here.
    # The reported numbers are what the encoder, exact ranking and the metrics give directly.
    split = load_tiir(tiny_split)
    docs = tiny_dsvl.encode(split.docs, n=2)
    queries = tiny_dsvl.encode(split.queries, n=2, prompt_name="query")
    rankings = rank_exact(queries, docs, [q.id for q in split.queries], [d.id for d in split.docs])
    direct = evaluate_rankings(rankings, split.qrels)
    reported = next(
        r for r in results["runs"] if (r["view"], r["shuffle"], r["n"]) == ("interleaved", "none", 2)
    )
    assert reported["metrics"] == pytest.approx(direct)


def test_baselines_alone_need_no_model_and_draw_no_sweep(tiny_split, tmp_path):
    out = tmp_path / "base"
    assert main(["--data", str(tiny_split), "--baselines", "bm25", "--out", str(out)]) == 0
    results = json.loads((out / "results.json").read_text())
    assert results["model"] is None and len(results["runs"]) == 1
    assert results["files"] == ["results.json", "results.md"] and not (out / "nsweep.png").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "nothing to evaluate"),
        (["--baselines", "bm25", "--adapter", "lora"], "--adapter needs --model"),
        (["--baselines", "bm25,dense"], "unknown baseline 'dense'; valid choices are bm25, histogram, rrf"),
        (["--model", "m", "--shuffle", "words"], "valid choices are none, images, positions"),
        (["--model", "m", "--views", "audio"], "valid choices are interleaved, text, images"),
        (["--model", "m", "--ns", "1,5"], "unsupported granularity"),
        (["--baselines", "bm25", "--batch-size", "0"], "batch size must be >= 1"),
        (["--model", "/no/such/model/dir"], "/no/such/model/dir"),
    ],
)
def test_bad_arguments_exit_2_with_a_message_and_write_nothing(tiny_split, tmp_path, capsys, args, message):
    out = tmp_path / "never"
    assert main(["--data", str(tiny_split), "--out", str(out), *args]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_missing_data_directory(tmp_path, capsys):
    assert (
        main(["--data", str(tmp_path / "absent"), "--baselines", "bm25", "--out", str(tmp_path / "o")]) == 2
    )
    assert "not a directory" in capsys.readouterr().err
