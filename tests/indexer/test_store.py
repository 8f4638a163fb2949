"""The LanceDB store and ANN policy with hand-made vectors (no encoder): schema, metadata, upserts,
removal, the encoder check, exact vs ANN search and filters."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import numpy as np
import pyarrow as pa
import pytest
from index_helpers import unit_rows

from indexer import AnnConfig, Index, IndexMeta, IndexMismatchError, IndexNotFoundError, Searcher
from indexer.ann import indexed_columns, refresh_ann
from indexer.schema import docs_to_rows, vector_column
from mme_core.documents import InterleavedDoc, TextSegment

DIM = 16


def meta(**changes) -> IndexMeta:
    return IndexMeta(**({"model_id": "m", "fingerprint": "fp-a", "dim": DIM, "ns": (1, 3, "full")} | changes))


def fill(index: Index, vectors: np.ndarray, collection: str = "c", start: int = 0, **doc_fields) -> list:
    docs = [
        InterleavedDoc(
            (TextSegment(f"text {start + i}"),),
            id=doc_fields.get("id", f"{collection}/doc{start + i}"),
            title=doc_fields.get("title", f"Title {start + i}"),
            source=doc_fields.get("source", f"folder{(start + i) % 3}/doc{start + i}.md"),
        )
        for i in range(len(vectors))
    ]
    vecs = {n: vectors for n in index.meta.ns}
    hashes = [f"h{i}" for i in range(len(docs))]
    index.upsert(docs_to_rows(docs, hashes, vecs, collection, index.table.schema))
    return docs


def test_schema_is_declared_once_with_one_fixed_size_vector_column_per_n(tmp_path):
    index = Index.open_or_create(tmp_path / "idx", meta())
    schema = index.table.schema
    for n in (1, 3, "full"):
        assert schema.field(vector_column(n)).type == pa.list_(pa.float32(), DIM)
    assert {"key", "id", "title", "source", "part", "segments", "content_hash"} <= set(schema.names)
    assert vector_column("full") == "vec_full" and vector_column(3) == "vec_n3"


def test_metadata_survives_reopening_and_open_never_creates(tmp_path):
    missing = tmp_path / "nothing-here"
    with pytest.raises(IndexNotFoundError, match="no index at .*nothing-here"):
        Index.open(missing)
    assert not missing.exists()
    created = Index.open_or_create(
        tmp_path / "idx", meta(adapter="lora-dir", collections={"c": {"root": "/c"}})
    )
    reopened = Index.open(tmp_path / "idx")
    assert reopened.meta == created.meta
    assert reopened.meta.ns == (1, 3, "full") and reopened.meta.adapter == "lora-dir"


def test_upsert_by_key_never_duplicates(tmp_path):
    index = Index.open_or_create(tmp_path / "idx", meta())
    rng = np.random.default_rng(0)
    fill(index, unit_rows(rng, 10, DIM))
    second = unit_rows(rng, 10, DIM)
    fill(index, second)  # the same ten keys again, e.g. a resumed run writing a batch twice
    assert index.count() == 10
    stored = index.vectors(3)
    assert np.array_equal(stored["c/doc4#0"], second[4])


def test_a_different_encoder_or_n_set_is_refused_with_both_named(tmp_path):
    Index.open_or_create(tmp_path / "idx", meta())
    with pytest.raises(IndexMismatchError) as err:
        Index.open_or_create(tmp_path / "idx", meta(model_id="other", fingerprint="fp-b"))
    message = str(err.value)
    assert "fp-a" in message and "fp-b" in message and "python -m indexer rebuild" in message
    with pytest.raises(IndexMismatchError, match="dim 32"):
        Index.open_or_create(tmp_path / "idx", meta(dim=32))
    with pytest.raises(IndexMismatchError, match="stores N = 1, 3, full.*--ns 1,2"):
        Index.open_or_create(tmp_path / "idx", meta(ns=(1, 2)))


def test_a_mismatch_says_what_differs_not_only_the_model_paths(tmp_path):
    built = meta(model_id="/demo/model", dtype="float32")
    Index.open_or_create(tmp_path / "idx", built)
    cases = {
        "dtype": (
            {"dtype": "bfloat16"},
            "embedded with float32 weights, the loaded encoder runs bfloat16",
            "(--model /demo/model --dtype float32)",
            "--model /demo/model --dtype bfloat16$",
        ),
        "model": (
            {"model_id": "/other/model"},
            "embedded by model /demo/model, the loaded encoder is /other/model",
            "(--model /demo/model)",
            "--model /other/model$",
        ),
        "dim": (
            {"dim": 8},
            "the index holds 16-d vectors, the loaded encoder gives 8-d",
            "(--model /demo/model --dim 16)",
            "--model /demo/model --dim 8$",
        ),
    }
    for name, (changes, reason, load_index_encoder, rebuild) in cases.items():
        with pytest.raises(IndexMismatchError) as err:
            Index.open_or_create(tmp_path / "idx", replace(built, fingerprint="fp-b", **changes))
        message = str(err.value)
        assert reason in message and load_index_encoder in message
        uri = re.escape(str(tmp_path / "idx"))
        assert re.search(f"python -m indexer rebuild --index {uri} {rebuild}", message)
        assert not any(
            other[1] in message for key, other in cases.items() if key != name
        )  # only what differs


def test_same_recorded_settings_blame_the_weights_and_an_older_index_its_unrecorded_dtype(tmp_path):
    Index.open_or_create(tmp_path / "new", meta(dtype="float32"))
    with pytest.raises(
        IndexMismatchError, match="same model, adapter, dim and dtype as recorded, yet other weights"
    ):
        Index.open_or_create(tmp_path / "new", meta(dtype="float32", fingerprint="fp-b"))
    Index.open_or_create(tmp_path / "old", meta())  # built before dtypes were recorded
    with pytest.raises(IndexMismatchError, match="dtype is not recorded: the loaded encoder runs bfloat16"):
        Index.open_or_create(tmp_path / "old", meta(dtype="bfloat16", fingerprint="fp-b"))


def test_metadata_without_the_descriptive_fields_still_reads():
    old = meta(vectors="multi", budgets=(1, 2)).to_dict()
    del old["dtype"], old["meta_tokens"]  # an index written before they were recorded
    assert IndexMeta.from_dict(old) == meta(vectors="multi", budgets=(1, 2))
    recorded = meta(dtype="bfloat16", vectors="multi", budgets=(1, 2), meta_tokens=(4, 8))
    assert IndexMeta.from_dict(json.loads(json.dumps(recorded.to_dict()))) == recorded


def test_remove_by_id_file_folder_and_collection(tmp_path):
    collection = tmp_path / "notes"
    index = Index.open_or_create(tmp_path / "idx", meta(collections={"notes": {"root": str(collection)}}))
    fill(index, unit_rows(np.random.default_rng(1), 9, DIM), collection="notes")
    fill(index, unit_rows(np.random.default_rng(2), 1, DIM), collection="notes", start=9, id="notes/it's")
    fill(index, unit_rows(np.random.default_rng(3), 2, DIM), collection="other")  # same sources elsewhere
    assert index.remove("notes/it's") == 1  # quotes survive the SQL filter
    assert index.remove("notes/doc0") == 1
    assert index.remove(str(collection / "folder1" / "doc1.md")) == 1  # a path on disk
    assert index.remove(str(collection / "folder2")) == 3  # doc2, doc5, doc8
    assert index.remove("notes/folder0") == 2  # a folder inside a collection, by name: doc3, doc6
    assert index.remove("no-such-thing") == 0
    assert sorted(index.scan(["id"], "collection = 'notes'")["id"].to_pylist()) == [
        "notes/doc4",
        "notes/doc7",
    ]
    assert index.remove("notes") == 2  # the collection by name
    assert Index.open(tmp_path / "idx").meta.collections == {}
    assert sorted(index.scan(["id"])["id"].to_pylist()) == ["other/doc0", "other/doc1"]


def test_small_tables_are_searched_exactly(tmp_path):
    index = Index.open_or_create(tmp_path / "idx", meta())
    vectors = unit_rows(np.random.default_rng(3), 200, DIM)
    fill(index, vectors)
    refresh_ann(index.table, [vector_column(3)], DIM, {}, AnnConfig())
    assert indexed_columns(index.table) == {}
    searcher = Searcher(index)
    truth = np.argsort(-(vectors @ vectors[7]))[:5]
    hits = searcher.search_vector(vectors[7], n=3, k=5)
    assert [h.id for h in hits] == [f"c/doc{i}" for i in truth]
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
    assert hits[0].score == pytest.approx(1.0, abs=1e-5)
    assert hits[0].doc.text == "text 7" and hits[0].doc.source == "folder1/doc7.md"
    assert searcher.stats()["search"] == {"1": "exact", "3": "exact", "full": "exact"}


def test_large_tables_get_an_ann_index_kept_fresh_and_retrained_as_they_grow(tmp_path):
    config = AnnConfig(exact_max_floats=0, min_rows=300)
    index = Index.open_or_create(tmp_path / "idx", meta(ns=(3,)))
    rng = np.random.default_rng(4)
    first = unit_rows(rng, 400, DIM)
    fill(index, first)
    indices = refresh_ann(index.table, ["vec_n3"], DIM, {}, config)
    assert indices == {"vec_n3": {"trained_rows": 400, "partitions": 5}}
    index.update_meta(ann_indices=indices)
    searcher = Searcher(Index.open(tmp_path / "idx"), ann=config)
    assert searcher.stats()["search"]["3"].startswith("ann")
    found = sum(searcher.search_vector(v, n=3, k=1)[0].id == f"c/doc{i}" for i, v in enumerate(first[:50]))
    assert found >= 48

    more = unit_rows(rng, 100, DIM)
    fill(index, more, start=400)
    assert refresh_ann(index.table, ["vec_n3"], DIM, indices, config) == indices  # extended, not retrained
    assert index.table.index_stats("vec_n3_idx").num_unindexed_rows == 0
    searcher.refresh()
    assert searcher.search_vector(more[5], n=3, k=1)[0].id == "c/doc405"

    fill(index, unit_rows(rng, 1200, DIM), start=500)
    retrained = refresh_ann(index.table, ["vec_n3"], DIM, indices, config)
    assert retrained["vec_n3"] == {"trained_rows": 1700, "partitions": 10}


@pytest.mark.parametrize("ann", [False, True])
def test_filters_by_source_prefix_and_title(tmp_path, ann):
    config = AnnConfig(exact_max_floats=0, min_rows=100) if ann else AnnConfig()
    index = Index.open_or_create(tmp_path / "idx", meta(ns=(3,)))
    vectors = unit_rows(np.random.default_rng(5), 300, DIM)
    fill(index, vectors)
    index.update_meta(ann_indices=refresh_ann(index.table, ["vec_n3"], DIM, {}, config))
    searcher = Searcher(Index.open(tmp_path / "idx"), ann=config)
    hits = searcher.search_vector(vectors[0], n=3, k=20, source_prefix="folder2/")
    assert len(hits) == 20 and all(h.doc.source.startswith("folder2/") for h in hits)
    hits = searcher.search_vector(vectors[0], n=3, k=20, title_contains="TITLE 12")
    assert sorted(h.id for h in hits) == sorted(["c/doc12"] + [f"c/doc{i}" for i in range(120, 130)])
    assert searcher.search_vector(vectors[0], n=3, k=5, title_contains="it's '%") == []


def test_search_vector_bad_input(tmp_path):
    index = Index.open_or_create(tmp_path / "idx", meta())
    fill(index, unit_rows(np.random.default_rng(6), 5, DIM))
    searcher = Searcher(index)
    with pytest.raises(ValueError, match="N=2 is not stored in this index; stored N: 1, 3, full"):
        searcher.search_vector(np.ones(DIM), n=2)
    with pytest.raises(ValueError, match="unsupported granularity N='big'"):
        searcher.search_vector(np.ones(DIM), n="big")
    with pytest.raises(ValueError, match="k must be a positive integer"):
        searcher.search_vector(np.ones(DIM), n=3, k=0)
    with pytest.raises(ValueError, match=r"shape \(8,\), index dim is 16"):
        searcher.search_vector(np.ones(8), n=3)
    with pytest.raises(ValueError, match="query must be an InterleavedDoc, got str"):
        searcher.search("how to fix a sink", n=3)
    with pytest.raises(ValueError, match="opened without an encoder"):
        searcher.search(InterleavedDoc((TextSegment("q"),)), n=3)


def test_any_lancedb_uri_is_accepted(tmp_path):
    uri = f"file://{tmp_path / 'via-uri'}"
    assert not Index.exists(uri)
    fill(Index.open_or_create(uri, meta()), unit_rows(np.random.default_rng(7), 3, DIM))
    assert Index.open(uri).count() == 3 and (tmp_path / "via-uri").is_dir()
