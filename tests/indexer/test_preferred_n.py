"""A search starts at the N its model measured best (the demo's training report), else N = 3."""

from __future__ import annotations

import json

from indexer.model_report import preferred_n


def report(folder, mrr: dict) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    trained = {str(n): {"MRR@10": value, "R@1": 0.5} for n, value in mrr.items()}
    (folder / "training_report.json").write_text(json.dumps({"recipe": {}, "trained": trained}))
    return str(folder)


def test_the_stored_n_the_report_measured_best(tmp_path):
    model = report(tmp_path / "m", {1: 0.80, 2: 0.86, 3: 0.83, 6: 0.80})
    assert preferred_n(model, (1, 2, 3, 4, 6)) == 2
    assert preferred_n(model, (1, 3, 6)) == 3  # 2 is not stored: the best of what is
    assert preferred_n(model, (4,)) == 4  # nothing measured among the stored N


def test_without_a_readable_report_three_or_the_first_stored(tmp_path, monkeypatch):
    assert preferred_n(str(tmp_path / "no-such-model"), (1, 2, 3)) == 3
    assert preferred_n("Qwen/Qwen3-VL-Embedding-2B", (1, 2, 3, 4, 6)) == 3  # a hub id
    assert preferred_n(str(tmp_path), (1, 2)) == 1
    report(tmp_path / "cwd", {1: 0.9, 3: 0.1})
    monkeypatch.chdir(tmp_path / "cwd")
    assert preferred_n("", (1, 2, 3)) == 3  # no model (a keyword-only page): not a report lying in the cwd
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "training_report.json").write_text("{not json")
    assert preferred_n(str(broken), (1, 2, 3)) == 3
    (broken / "training_report.json").write_text(json.dumps({"trained": {"2": {"R@1": 1}}}))
    assert preferred_n(str(broken), (1, 2, 3)) == 3
