"""bench/tiir_eval.py end to end, offline: a small folder in the dataset's layout and a tiny checkpoint."""

from __future__ import annotations

import json
import zipfile

import pytest

from bench.tiir_eval import main

COLORS = ("red", "blue", "green", "orange", "purple", "black")


def _jsonl(path, records):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


@pytest.fixture
def dataset(tmp_path, image_factory):
    """docs/queries/qrels under test/, document images in a zip, query images in a loose folder."""
    root = tmp_path / "wikiHow-TIIR"
    root.mkdir()
    with zipfile.ZipFile(root / "doc_images.zip", "w") as bundle:
        for color in COLORS:
            bundle.write(image_factory(color, "square"), f"doc_images/{color}.png")
    (root / "query_images").mkdir()
    for color in COLORS[:2]:
        (root / "query_images" / f"q_{color}.png").write_bytes(open(image_factory(color), "rb").read())
    docs = [
        {"id": f"d{i}", "data": [f"How to paint it {color}.", f"doc_images/{color}.png", "Let it dry."]}
        for i, color in enumerate(COLORS)
    ]
    queries = [
        {"qid": f"q{i}", "data": [f"q_{color}.png", f"My wall is {color}, what next?"]}
        for i, color in enumerate(COLORS[:2])
    ]
    _jsonl(root / "test" / "docs.jsonl", docs)
    _jsonl(root / "test" / "queries.jsonl", queries)
    _jsonl(root / "test" / "qrels.jsonl", [{"qid": "q0", "did": "d0"}, {"qid": "q1", "did": "d1"}])
    return root


def test_end_to_end_writes_results_and_a_benchmarks_section(dataset, tiny_qwen3vl_dir, tmp_path, capsys):
    bench = tmp_path / "BENCHMARKS.md"
    bench.write_text("# Benchmarks\n\n## Other section\n\nkept\n")
    args = ["--data", str(dataset), "--model", str(tiny_qwen3vl_dir), "--dim", "64", "--ns", "1,2,full"]
    args += [
        "--out",
        str(tmp_path / "out"),
        "--benchmarks",
        str(bench),
        "--device",
        "cpu",
        "--dtype",
        "float32",
    ]
    assert main(args) == 0
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert results["data"] == {"dir": str(tmp_path / "out" / "split"), "docs": 6, "queries": 2}
    assert results["model"]["dim"] == 64
    assert [run["n"] for run in results["runs"]] == [1, 2, "full"]
    assert all(0 <= run["metrics"]["MRR@10"] <= 1 for run in results["runs"])
    text = bench.read_text()
    title = f"## wikiHow-TIIR test: {tiny_qwen3vl_dir} at 64-d"
    assert "## Other section\n\nkept" in text and text.count(title) == 1
    assert "2 queries x 6 documents" in text and "| full |" in text
    assert main(args) == 0  # a re-run replaces its section
    assert bench.read_text().count(title) == 1
    assert (dataset / "doc_images_unpacked" / ".complete").exists()  # unpacked once, beside the archive


def test_missing_image_and_missing_split_are_named(dataset, tiny_qwen3vl_dir, tmp_path, capsys):
    docs = dataset / "test" / "docs.jsonl"
    docs.write_text(docs.read_text().replace("doc_images/red.png", "doc_images/lost.png"))
    args = [
        "--model",
        str(tiny_qwen3vl_dir),
        "--out",
        str(tmp_path / "out"),
        "--benchmarks",
        str(tmp_path / "b"),
    ]
    assert main(["--data", str(dataset), *args]) == 2
    assert "docs.jsonl:1: image 'doc_images/lost.png' not found" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["--data", str(empty), *args]) == 2
    assert "holds no wikiHow-TIIR test split: expected docs.jsonl" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()  # nothing written on failure


def test_no_hub_and_no_data_fails_at_once(tiny_qwen3vl_dir, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    args = ["--model", str(tiny_qwen3vl_dir), "--repo", "someone/no-such-dataset", "--out", str(tmp_path)]
    assert main(args) == 2
    assert "cannot download dataset 'someone/no-such-dataset'" in capsys.readouterr().err
