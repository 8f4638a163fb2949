from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from mme_core.documents import ImageSegment, TextSegment
from mme_core.training.data import load_triples


def write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


@pytest.fixture
def collection(tmp_path, image_factory):
    """A TIIR-style dir: images/, docs.jsonl; image paths relative to the dir."""
    root = tmp_path / "tiir"
    (root / "images").mkdir(parents=True)
    for name, color in (("a", "red"), ("b", "blue"), ("c", "green")):
        Path(image_factory(color)).rename(root / "images" / f"{name}.png")
    write_jsonl(
        root / "docs.jsonl",
        [
            {"id": "d1", "data": ["Step 1. Fold", "images/a.png"]},
            {"id": "d2", "data": ["Step 1. Cut", "images/b.png"]},
            {"id": "d3", "data": ["images/c.png", "Step 2. Glue"]},
        ],
    )
    return root


def test_triples_by_document_id(collection):
    write_jsonl(
        collection / "train.jsonl",
        [
            {"qid": "q1", "query": ["what after", "images/a.png"], "pos": "d1", "neg": ["d2", "d3"]},
            {"qid": "q2", "query": ["images/b.png", "then?"], "pos": "d2", "neg": ["d1"]},
        ],
    )
    triples = load_triples(collection)  # a directory holding train.jsonl
    assert [t.qid for t in triples] == ["q1", "q2"]
    first = triples[0]
    assert first.query.segments == (TextSegment("what after"), ImageSegment(str(collection / "images/a.png")))
    assert first.positive.id == "d1" and [n.id for n in first.negatives] == ["d2", "d3"]
    assert triples[1].query.segments[0] == ImageSegment(str(collection / "images/b.png"))


def test_triples_inline(collection):
    path = write_jsonl(
        collection / "inline.jsonl",
        [
            {
                "qid": "q",
                "query": ["x", "images/a.png"],
                "pos": ["images/a.png", "y"],
                "neg": [["z", "images/c.png"]],
            }
        ],
    )
    (triple,) = load_triples(path)
    assert triple.positive.segments[0] == ImageSegment(str(collection / "images/a.png"))
    assert triple.negatives[0].text == "z"


def test_tiir_qrels_layout_gives_in_batch_only_triples(collection):
    write_jsonl(collection / "queries.jsonl", [{"qid": "q1", "data": ["how", "images/a.png"]}])
    write_jsonl(collection / "qrels.jsonl", [{"qid": "q1", "did": "d3"}])
    (triple,) = load_triples(collection)
    assert triple.positive.id == "d3" and triple.negatives == ()
    with pytest.raises(ValueError, match="0 hard negatives but 1 are needed"):
        load_triples(collection, min_negatives=1)


def test_sample_negatives(collection):
    write_jsonl(
        collection / "train.jsonl", [{"qid": "q", "query": ["a"], "pos": "d1", "neg": ["d1", "d2", "d3"]}]
    )
    (triple,) = load_triples(collection)
    picked = triple.sample_negatives(2, random.Random(0))
    assert len(picked) == 2 and len(set(d.id for d in picked)) == 2
    assert triple.sample_negatives(3, random.Random(0)) == triple.negatives
    with pytest.raises(ValueError, match="3 hard negatives, 4 requested"):
        triple.sample_negatives(4, random.Random(0))


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", r"train.jsonl:1: not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (json.dumps({"qid": "q", "pos": "d1"}), "missing query; a triple has keys qid, query, pos, neg"),
        (json.dumps({"query": ["a"], "pos": "nope"}), "document id 'nope' is not in"),
        (json.dumps({"query": ["a"], "pos": "d1", "neg": "d2"}), "'neg' must be a list"),
        (json.dumps({"query": ["a"], "pos": 7}), "a data list, .* or an id, got int"),
        (json.dumps({"query": ["a", "images/zz.png"], "pos": "d1"}), "image not found: .*zz.png"),
        (json.dumps({"query": [], "pos": "d1"}), "empty document"),
    ],
)
def test_bad_lines_are_reported_with_file_and_line(collection, line, message):
    write_jsonl(collection / "train.jsonl", [line])
    with pytest.raises(ValueError, match=message):
        load_triples(collection)


def test_missing_and_empty_sources(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        load_triples(tmp_path / "nothing.jsonl")
    with pytest.raises(ValueError, match="holds neither train.jsonl"):
        load_triples(tmp_path)
    empty = write_jsonl(tmp_path / "train.jsonl", ["", "  "])
    with pytest.raises(ValueError, match="no training triples"):
        load_triples(empty)
    by_id = write_jsonl(tmp_path / "byid.jsonl", [{"query": ["a"], "pos": "d1"}])
    with pytest.raises(ValueError, match="docs.jsonl does not exist"):
        load_triples(by_id)


def test_duplicate_corpus_ids(collection):
    write_jsonl(collection / "docs.jsonl", [{"id": "d1", "data": ["a"]}, {"id": "d1", "data": ["b"]}])
    write_jsonl(collection / "train.jsonl", [{"query": ["a"], "pos": "d1"}])
    with pytest.raises(ValueError, match="docs.jsonl:2: duplicate id 'd1'"):
        load_triples(collection)


def test_triples_as_data_objects_like_the_synthetic_generator_writes(collection):
    row = {
        "query": {"data": ["x", "images/a.png"]},
        "pos": {"data": ["images/a.png", "y"]},
        "neg": [{"data": ["z", "images/c.png"]}, {"id": "named", "data": ["w"]}],
    }
    write_jsonl(collection / "train.jsonl", [row, {**row, "qid": "mine"}])
    first, second = load_triples(collection)
    assert first.qid == "line1" and second.qid == "mine"
    assert first.query.segments[1] == ImageSegment(str(collection / "images/a.png"))
    assert first.positive.text == "y" and [n.id for n in first.negatives] == ["line1/neg0", "named"]
    write_jsonl(collection / "train.jsonl", [{**row, "pos": {"id": "d1"}}])
    with pytest.raises(ValueError, match="needs a 'data' list"):
        load_triples(collection)


def test_drop_short_leaves_out_triples_without_enough_negatives(collection):
    rows = [
        {"qid": "full", "query": ["a"], "pos": "d1", "neg": ["d2", "d3"]},
        {"qid": "short", "query": ["b"], "pos": "d2", "neg": ["d1"]},
    ]
    write_jsonl(collection / "train.jsonl", rows)
    with pytest.raises(ValueError, match="'short' has 1 hard negatives but 2 are needed"):
        load_triples(collection, min_negatives=2)
    assert [t.qid for t in load_triples(collection, min_negatives=2, drop_short=True)] == ["full"]
    with pytest.raises(ValueError, match="no triple .* has 3 hard negatives"):
        load_triples(collection, min_negatives=3, drop_short=True)
