"""Rebuilding with another encoder: staged, switched in one commit, resumable, never unusable."""

from __future__ import annotations

import shutil

import pytest
from index_helpers import NOTES, CountingEncoder, FailingEncoder

from indexer import Index, IndexMismatchError, Searcher, build_index
from indexer.meta import table_names
from indexer.rebuild import rebuild_index
from mme_core.documents import InterleavedDoc, TextSegment

FAST = {"progress": False, "write_batch": 2}


def found_first(searcher: Searcher, n=3) -> int:
    """Documents whose own (document-side) embedding finds them first: checks the stored vectors.

    Document-side, because the tiny Qwen2-VL puts a different instruction before queries and its
    random weights make query-to-document similarity meaningless."""
    docs = searcher.index.documents()
    vectors = searcher.encoder.encode(docs, n=n)  # (len(docs), dim)
    return sum(searcher.search_vector(v, n=n, k=1)[0].id == d.id for v, d in zip(vectors, docs, strict=True))


def test_rebuild_switches_encoder_and_n_set(tiny_dsvl, tiny_qwen2vl, notes, tmp_path):
    uri = tmp_path / "idx"
    build_index(notes, uri, tiny_dsvl, **FAST)
    direct = InterleavedDoc((TextSegment("Oil the hinge of the squeaky door."),), id="hinge", title="Hinge")
    build_index([direct], uri, tiny_dsvl, **FAST)
    old_table = Index.open(uri).meta.table

    reports = rebuild_index(uri, tiny_qwen2vl, ns=(2, 3), **FAST)
    assert [(r.collection, r.added) for r in reports] == [("", 1), ("notes", 5)]
    index = Index.open(uri)
    assert (index.meta.fingerprint, index.meta.dim, index.meta.ns) == (
        tiny_qwen2vl.fingerprint,
        tiny_qwen2vl.dim,
        (2, 3),
    )
    assert index.pending is None and index.count() == 6
    assert old_table not in table_names(index.db) and index.meta.table in table_names(index.db)
    with pytest.raises(IndexMismatchError):
        Searcher.open(uri, tiny_dsvl)
    searcher = Searcher.open(uri, tiny_qwen2vl)
    assert found_first(searcher, n=2) == 6 and found_first(searcher, n=3) == 6


def test_an_interrupted_rebuild_leaves_the_old_index_searchable_and_resumes(
    tiny_dsvl, tiny_qwen2vl, notes, tmp_path
):
    uri = tmp_path / "idx"
    build_index(notes, uri, tiny_dsvl, **FAST)
    with pytest.raises(RuntimeError, match="simulated crash"):
        rebuild_index(uri, FailingEncoder(tiny_qwen2vl, fail_after=1), **FAST)
    index = Index.open(uri)
    assert index.meta.fingerprint == tiny_dsvl.fingerprint and index.pending is not None
    assert found_first(Searcher.open(uri, tiny_dsvl)) == len(NOTES)  # still fully usable
    with pytest.raises(
        IndexMismatchError, match="still being rebuilt"
    ):  # the half-built table is never searched
        Searcher.open(uri, tiny_qwen2vl)

    counting = CountingEncoder(tiny_qwen2vl)
    [report] = rebuild_index(uri, counting, **FAST)
    assert (report.unchanged, len(counting.embedded)) == (2, 3)  # the first batch was kept
    assert found_first(Searcher.open(uri, tiny_qwen2vl)) == len(NOTES)
    assert Index.open(uri).pending is None


def test_rebuild_refuses_when_a_collection_folder_is_gone(tiny_dsvl, tiny_qwen2vl, notes, tmp_path):
    uri = tmp_path / "idx"
    build_index(notes, uri, tiny_dsvl, **FAST)
    moved = tmp_path / "elsewhere"
    shutil.move(notes, moved)
    with pytest.raises(ValueError, match=f"collection\\(s\\) not found: notes \\({notes.resolve()}\\)"):
        rebuild_index(uri, tiny_qwen2vl, **FAST)
    index = Index.open(uri)
    assert index.pending is None and index.count() == len(NOTES)
    assert index.meta.fingerprint == tiny_dsvl.fingerprint
