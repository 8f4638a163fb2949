"""Loading a TIIR split, and every way a split can be broken."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from mme_core.tiir import load_tiir


def write_split(root: Path, docs=None, queries=None, qrels=None, image: str | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    picture = image or "pic.png"
    docs = (
        docs
        if docs is not None
        else [{"id": "d1", "data": ["How to", picture]}, {"id": "d2", "data": ["Other"]}]
    )
    queries = queries if queries is not None else [{"qid": "q1", "data": ["find", picture]}]
    qrels = qrels if qrels is not None else [{"qid": "q1", "did": "d1"}]
    for name, records in (("docs", docs), ("queries", queries), ("qrels", qrels)):
        lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
        # surrogateescape lets a test write bytes that are not UTF-8
        (root / f"{name}.jsonl").write_bytes(("\n".join(lines) + "\n").encode("utf-8", "surrogateescape"))
    Image.new("RGB", (8, 8), "red").save(root / picture)
    return root


def test_loads_docs_queries_and_qrels_with_paths_under_the_split(tmp_path):
    split = load_tiir(write_split(tmp_path / "s"))
    assert [d.id for d in split.docs] == ["d1", "d2"]
    assert [q.id for q in split.queries] == ["q1"]
    assert split.qrels == {"q1": {"d1"}}
    assert split.docs[0].images[0].path == str(tmp_path / "s" / "pic.png")


def test_several_relevant_documents_per_query(tmp_path):
    qrels = [{"qid": "q1", "did": "d1"}, {"qid": "q1", "did": "d2"}]
    assert load_tiir(write_split(tmp_path / "s", qrels=qrels)).qrels == {"q1": {"d1", "d2"}}


def test_integer_ids_become_strings(tmp_path):
    docs = [{"id": 7, "data": ["text"]}]
    split = load_tiir(write_split(tmp_path / "s", docs=docs, qrels=[{"qid": "q1", "did": 7}]))
    assert split.docs[0].id == "7" and split.qrels == {"q1": {"7"}}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"docs": ['{"id": "d1", "data": ["x"]}', "{not json"]}, r"docs.jsonl:2: not valid JSON"),
        ({"docs": ['["a list"]']}, r"docs.jsonl:1: expected a JSON object"),
        ({"docs": [{"data": ["x"]}]}, r"docs.jsonl:1: missing key 'id'"),
        ({"docs": [{"id": "d1", "data": ["x", "gone.png"]}]}, r"docs.jsonl:1: image not found: .*gone.png"),
        ({"docs": ['{"id": "d1", "data": ["caf\udce9"]}']}, r"docs.jsonl:1: not UTF-8 text"),
        ({"docs": [{"id": "d1", "data": "text"}]}, r"docs.jsonl:1: 'data' must be a list"),
        (
            {"docs": [{"id": "d1", "data": [1, 2]}]},
            r"docs.jsonl:1: 'data' must be a list of strings; item 0 is a int",
        ),
        ({"docs": [{"id": "d1", "data": []}]}, r"docs.jsonl:1: empty document"),
        ({"docs": [{"id": "d1", "data": ["a"]}, {"id": "d1", "data": ["b"]}]}, "duplicate id 'd1'"),
        ({"docs": []}, "docs.jsonl has no records"),
        ({"qrels": [{"qid": "q9", "did": "d1"}, {"qid": "q1", "did": "d1"}]}, "query 'q9', which"),
        ({"qrels": [{"qid": "q1", "did": "d9"}]}, r"not in docs.jsonl: \['d9'\]"),
        ({"qrels": [{"qid": "q1"}]}, "missing key 'did'"),
        (
            {"queries": [{"qid": "q1", "data": ["a"]}, {"qid": "q2", "data": ["b"]}]},
            "1 queries have no qrels",
        ),
    ],
)
def test_broken_splits_raise_value_errors_naming_the_problem(tmp_path, change, message):
    with pytest.raises(ValueError, match=message):
        load_tiir(write_split(tmp_path / "s", **change))


def test_missing_directory_and_missing_file(tmp_path):
    with pytest.raises(ValueError, match="not a directory"):
        load_tiir(tmp_path / "absent")
    root = write_split(tmp_path / "s")
    (root / "qrels.jsonl").unlink()
    with pytest.raises(ValueError, match="missing file: .*qrels.jsonl"):
        load_tiir(root)
