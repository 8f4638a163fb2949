"""The generated files: format, sizes, determinism, and safe writing."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import mme_data.synthetic.writing as writing
from mme_core.documents import InterleavedDoc
from mme_data.synthetic import SyntheticConfig, generate
from mme_data.synthetic.__main__ import main as cli_main


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def test_files_sizes_and_tiir_format(small_benchmark, small_config):
    config = small_config
    docs = read_jsonl(small_benchmark / "docs.jsonl")
    queries = read_jsonl(small_benchmark / "queries.jsonl")
    qrels = read_jsonl(small_benchmark / "qrels.jsonl")
    assert len(docs) == config.docs and len({d["id"] for d in docs}) == config.docs
    assert len(queries) == config.queries and len({q["qid"] for q in queries}) == config.queries
    assert [r["qid"] for r in qrels] == [q["qid"] for q in queries]
    doc_ids = {d["id"] for d in docs}
    assert all(r["did"] in doc_ids for r in qrels)
    assert len({r["did"] for r in qrels}) == config.queries  # every query has its own target
    assert len(read_jsonl(small_benchmark / "train.jsonl")) == config.train
    assert len(read_jsonl(small_benchmark / "dev.jsonl")) == config.dev
    assert json.loads((small_benchmark / "synthetic.json").read_text())["config"]["seed"] == config.seed


def test_every_document_and_query_loads_with_all_images(small_benchmark):
    for record in read_jsonl(small_benchmark / "docs.jsonl"):
        doc = InterleavedDoc.from_data(record["data"], root=small_benchmark, id=record["id"])
        doc.validate()
        assert doc.segments[0].text.startswith("How to ")
        assert 4 <= len(doc.images) <= 6
    for record in read_jsonl(small_benchmark / "queries.jsonl"):
        query = InterleavedDoc.from_data(record["data"], root=small_benchmark)
        query.validate()
        assert 2 <= len(query.images) <= 4  # wikiHow-TIIR style: 2-4 images interleaved with text
        assert query.segments[0].text and query.segments[-1].text  # text opens and closes the query


def test_train_triples_format(small_benchmark):
    for record in read_jsonl(small_benchmark / "train.jsonl") + read_jsonl(small_benchmark / "dev.jsonl"):
        assert set(record) == {"query", "pos", "neg"}
        assert 1 <= len(record["neg"]) <= 3
        for part in [record["query"], record["pos"], *record["neg"]]:
            InterleavedDoc.from_data(part["data"], root=small_benchmark).validate()


def test_query_pictures_are_fresh_renderings_not_document_files(small_benchmark):
    doc_hashes = {p.read_bytes() for p in (small_benchmark / "images" / "doc").iterdir()}
    query_files = list((small_benchmark / "images" / "query").iterdir())
    assert query_files and not any(p.read_bytes() in doc_hashes for p in query_files)


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    config = SyntheticConfig(docs=30, queries=10, train=6, dev=6, seed=11)
    generate(tmp_path / "a", config)
    generate(tmp_path / "b", config)
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")
    generate(tmp_path / "c", SyntheticConfig(docs=30, queries=10, train=6, dev=6, seed=12))
    assert (tmp_path / "a" / "docs.jsonl").read_bytes() != (tmp_path / "c" / "docs.jsonl").read_bytes()


def test_empty_train_and_dev_splits_still_write_empty_files(tmp_path):
    generate(tmp_path / "t", SyntheticConfig(docs=12, queries=4, train=0, dev=0))
    assert (tmp_path / "t" / "train.jsonl").read_text() == ""
    assert (tmp_path / "t" / "dev.jsonl").read_text() == ""


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"docs": 0}, "docs must be at least 1"),
        ({"docs": 10, "queries": 11}, "cannot exceed docs"),
        ({"train": -1}, "non-negative integer"),
        ({"seed": 1.5}, "non-negative integer"),
        ({"image_size": 16}, "between 32 and 512"),
        ({"min_steps": 5, "max_steps": 4}, "min_steps <= max_steps"),
        ({"max_steps": 9}, "a topic has 8 steps"),
    ],
)
def test_bad_config_raises(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SyntheticConfig(**kwargs)


def test_refuses_non_empty_directory_and_foreign_overwrite(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("mine")
    with pytest.raises(ValueError, match="not empty"):
        generate(tmp_path / "notes", SyntheticConfig(docs=6, queries=2, train=0, dev=0))
    with pytest.raises(ValueError, match="not a synthetic benchmark"):
        generate(tmp_path / "notes", SyntheticConfig(docs=6, queries=2, train=0, dev=0), overwrite=True)
    assert (tmp_path / "notes" / "keep.txt").read_text() == "mine"
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="not a directory"):
        generate(tmp_path / "file", SyntheticConfig(docs=6, queries=2, train=0, dev=0))


def test_overwrite_replaces_a_generated_benchmark(tmp_path):
    generate(tmp_path / "b", SyntheticConfig(docs=12, queries=3, train=0, dev=0, seed=1))
    generate(tmp_path / "b", SyntheticConfig(docs=6, queries=2, train=0, dev=0, seed=2), overwrite=True)
    assert len(read_jsonl(tmp_path / "b" / "docs.jsonl")) == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b"]  # no staging or retired directory left


def test_failure_midway_leaves_nothing_behind(tmp_path, monkeypatch):
    calls = {"n": 0}
    original = writing.render

    def failing_render(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 20:
            raise OSError("disk full")
        return original(*args, **kwargs)

    monkeypatch.setattr(writing, "render", failing_render)
    with pytest.raises(OSError, match="disk full"):
        generate(tmp_path / "out", SyntheticConfig(docs=30, queries=5, train=0, dev=0))
    assert list(tmp_path.iterdir()) == []


def test_cli_writes_and_reports_bad_arguments(tmp_path, capsys):
    args = ["--docs", "12", "--queries", "3", "--train", "6", "--dev", "0", "--seed", "5"]
    assert cli_main([str(tmp_path / "cli"), *args]) == 0
    assert "wrote 12 docs, 3 queries, 6 train and 0 dev triples" in capsys.readouterr().out
    assert cli_main([str(tmp_path / "bad"), "--docs", "3", "--queries", "9"]) == 2
    assert "cannot exceed docs" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()
    assert (
        cli_main([str(tmp_path / "cli"), "--docs", "6", "--queries", "1", "--train", "0", "--dev", "0"]) == 2
    )  # exists, no --overwrite
    assert "not empty" in capsys.readouterr().err
    assert (
        cli_main(
            [
                str(tmp_path / "cli"),
                "--docs",
                "6",
                "--queries",
                "1",
                "--train",
                "0",
                "--dev",
                "0",
                "--overwrite",
            ]
        )
        == 0
    )
