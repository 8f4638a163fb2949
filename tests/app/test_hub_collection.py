"""A Space's default collection from a hub dataset in wikiHow-TIIR layout, tested on a local copy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mme_data.tiir_hub import prepare
from webapp import startup
from webapp.startup import parse_config

DEMO = Path(__file__).resolve().parents[2] / "demo" / "collection"


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_prepare_keeps_the_first_documents_their_queries_and_resolves_images(tmp_path):
    split = prepare(DEMO, tmp_path / "subset", max_docs=24)
    docs, queries, qrels = (lines(split / f"{n}.jsonl") for n in ("docs", "queries", "qrels"))
    assert [d["id"] for d in docs] == [d["id"] for d in lines(DEMO / "docs.jsonl")[:24]]
    kept = {d["id"] for d in docs}
    assert queries and {q["did"] for q in qrels} <= kept  # only queries whose answers were kept
    assert {q["qid"] for q in queries} == {q["qid"] for q in qrels}
    images = [item for d in docs for item in d["data"] if item.endswith(".png")]
    assert images and all(Path(item).is_absolute() and Path(item).is_file() for item in images)
    with pytest.raises(ValueError, match="max_docs must be a positive number"):
        prepare(DEMO, tmp_path / "none", max_docs=0)
    with pytest.raises(ValueError, match="holds no wikiHow-TIIR test split"):
        prepare(tmp_path, tmp_path / "empty")


def test_the_app_downloads_a_hub_collection_once_and_names_it(tmp_path, monkeypatch):
    downloads = []
    monkeypatch.setattr(startup, "download_tiir", lambda repo: downloads.append(repo) or DEMO)
    config = parse_config(["--data-dir", str(tmp_path), "--collection", "hf:vec-ai/wikiHow-TIIR:30"], env={})
    first = startup._collection(config)
    assert startup._collection(config) == first and downloads == ["vec-ai/wikiHow-TIIR"]
    assert len(lines(first / "docs.jsonl")) == 30
    for bad in ("hf:no-owner", "hf:a/b:many", "hf:a/b:0"):
        with pytest.raises(ValueError, match="expected hf:OWNER/NAME"):
            startup._collection(parse_config(["--data-dir", str(tmp_path), "--collection", bad], env={}))
