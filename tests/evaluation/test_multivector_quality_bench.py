"""bench.multivector_quality end to end on a tiny multi-vector model: quality table per budget and N,
and one cost row per side and N (no timing asserted, only that the figures are there)."""

from __future__ import annotations

import json

import pytest

from bench.multivector_quality import main


@pytest.mark.slow  # ~1 min: a model load, a split, an evaluation and the timing rounds
def test_bench_reports_every_budget_and_both_encode_costs(tiny_multi_dir, tmp_path, capsys):
    sizes = ["--docs", "8", "--queries", "2", "--ns", "1,2", "--budgets", "1,4", "--rounds", "1"]
    argv = ["--model", str(tiny_multi_dir), *sizes, "--timing-items", "2", "--work", str(tmp_path / "work")]
    argv.append("--no-write")
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "| shuffle | N | single MRR@10 | multi k=1 | multi k=4 |" in out
    assert "| document (+16 meta tokens) | 2 |" in out and "| query (+16 meta tokens) | 1 |" in out
    saved = json.loads((tmp_path / "work" / "multivector_quality.json").read_text())
    assert {(c["side"], c["n"]) for c in saved["costs"]} == {
        (s, n) for s in ("document", "query") for n in (1, 2)
    }
    assert all(c["single_ms"] > 0 and c["multi_ms"] > 0 for c in saved["costs"])
