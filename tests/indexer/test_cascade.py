"""The multi-granularity cascade equals a numpy brute force: the first stage's top K at one N,
re-scored with the fusion over the stored N columns; bad options are refused before any work."""

from __future__ import annotations

import numpy as np
import pytest
from index_helpers import unit_rows

from indexer.ann import AnnConfig, indexed_columns, refresh_ann
from indexer.cascade import Cascade, as_cascade
from indexer.cascade_search import search_cascade
from indexer.meta import IndexMeta
from indexer.multivector import MultiKey
from indexer.schema import docs_to_rows, vector_column
from indexer.search import Searcher
from indexer.store import Index
from mme_core.documents import InterleavedDoc, TextSegment

DIM, NS = 16, (1, 2, 3, 6)


def filled(uri, vectors: dict, meta: IndexMeta | None = None) -> Index:
    index = Index.open_or_create(uri, meta or IndexMeta("synthetic-model", "fp", DIM, NS))
    rows = len(next(iter(vectors.values())))
    docs = [InterleavedDoc((TextSegment(f"doc {i}"),), id=f"d{i}") for i in range(rows)]
    if rows:
        index.upsert(docs_to_rows(docs, ["h"] * rows, vectors, "", index.table.schema))
    return index


def related(rng, base: np.ndarray, noise: float) -> np.ndarray:
    """Vectors near `base` (each N's vectors differ, as an encoder's do), unit rows."""
    moved = base + noise * rng.standard_normal(base.shape)
    return (moved / np.linalg.norm(moved, axis=-1, keepdims=True)).astype(np.float32)


@pytest.fixture
def corpus() -> dict:
    rng = np.random.default_rng(3)
    base = unit_rows(rng, 300, DIM)  # (300, D)
    return {n: related(rng, base, 0.3) for n in NS}


@pytest.fixture
def query() -> dict:
    rng = np.random.default_rng(4)
    base = unit_rows(rng, 1, DIM)[0]
    return {n: related(rng, base, 0.3) for n in NS}


def brute_force(corpus: dict, query: dict, first_n, depth: int, fusion: str, k: int, candidates=None):
    """(ids, scores): numpy top-`depth` at first_n (or the given candidates), re-scored, top k."""
    if candidates is None:
        candidates = np.argsort(-(corpus[first_n] @ query[first_n]), kind="stable")[:depth]
    fused_ns = NS if fusion == "mean" else (max(NS),)
    per_n = np.stack([corpus[n][candidates] @ query[n] for n in fused_ns])  # (len(ns), K)
    fused = per_n.mean(axis=0)
    order = np.argsort(-fused, kind="stable")[:k]
    return [f"d{i}" for i in candidates[order]], fused[order]


@pytest.mark.parametrize("fusion", ["mean", "max-n"])
@pytest.mark.parametrize("depth", [1, 10, 40, 300])
def test_cascade_equals_brute_force_rescore_of_the_first_stage_top_k(tmp_path, corpus, query, fusion, depth):
    searcher = Searcher(filled(tmp_path / "ix", corpus), warm=False)
    hits = search_cascade(searcher, query, k=10, cascade=Cascade(k=depth, fusion=fusion))
    ids, scores = brute_force(corpus, query, 1, max(depth, 10), fusion, 10)
    assert [h.id for h in hits] == ids
    np.testing.assert_allclose([h.score for h in hits], scores, atol=1e-6, rtol=0)
    assert [h.rank for h in hits] == list(range(1, 11)) and {h.stage for h in hits} == {"fused"}


def test_first_stage_n_is_the_cheapest_stored_unless_chosen(tmp_path, corpus, query):
    searcher = Searcher(filled(tmp_path / "ix", corpus), warm=False)
    assert Cascade().for_ns(NS).first_n == 1 and Cascade().for_ns((6, "full", 3)).first_n == 3
    hits = search_cascade(searcher, query, k=5, cascade=Cascade(first_n=6, k=20, fusion="max-n"))
    ids, scores = brute_force(corpus, query, 6, 20, "max-n", 5)
    assert [h.id for h in hits] == ids
    np.testing.assert_allclose([h.score for h in hits], scores, atol=1e-6, rtol=0)
    # a cascade that reads a first stage differing from the fused one changes the answer
    plain = searcher.search_vector(query[1], n=1, k=5)
    assert [h.id for h in plain] != [h.id for h in search_cascade(searcher, query, k=5)]


def test_cascade_rescores_exactly_what_the_ann_first_stage_returned(tmp_path, corpus, query):
    config = AnnConfig(exact_max_floats=0, min_rows=10, min_probed_rows=1, nprobes=1)
    index = filled(tmp_path / "ix", corpus)
    refresh_ann(index.table, [vector_column(1)], DIM, {}, config)
    searcher = Searcher(Index.open(tmp_path / "ix"), ann=config, warm=False)
    assert vector_column(1) in indexed_columns(searcher.index.table)
    first = searcher.search_vector(query[1], n=1, k=30)  # the ANN's candidates
    candidates = np.array([int(h.id[1:]) for h in first])
    hits = search_cascade(searcher, query, k=10, cascade=Cascade(k=30))
    ids, scores = brute_force(corpus, query, 1, 30, "mean", 10, candidates)
    assert [h.id for h in hits] == ids
    np.testing.assert_allclose([h.score for h in hits], scores, atol=1e-6, rtol=0)


def test_k_larger_than_the_index_returns_every_row_rescored(tmp_path, corpus, query):
    small = {n: v[:5] for n, v in corpus.items()}
    searcher = Searcher(filled(tmp_path / "ix", small), warm=False)
    hits = search_cascade(searcher, query, k=10, cascade=Cascade(k=50))
    ids, scores = brute_force(small, query, 1, 5, "mean", 10)
    assert len(hits) == 5 and [h.id for h in hits] == ids
    np.testing.assert_allclose([h.score for h in hits], scores, atol=1e-6, rtol=0)
    empty = Searcher(filled(tmp_path / "empty", {n: np.zeros((0, DIM), np.float32) for n in NS}), warm=False)
    assert search_cascade(empty, query, k=10) == []


def test_cascade_respects_filters(tmp_path, corpus, query):
    searcher = Searcher(filled(tmp_path / "ix", corpus), warm=False)
    hits = search_cascade(searcher, query, k=5, cascade=Cascade(k=300), filters=None)
    assert hits  # unfiltered sanity
    assert search_cascade(searcher, query, k=5, cascade=Cascade(k=300), filters=_filters(["elsewhere"])) == []


def _filters(collections):
    from indexer.search import Filters

    return Filters(collections=tuple(collections))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"k": 0}, "cascade K (candidates re-scored) must be a positive integer, got 0"),
        ({"k": 2.5}, "cascade K"),
        ({"fusion": "median"}, "unknown cascade fusion 'median'; fusions are mean, max-n"),
        ({"full_top": -1}, "cascade full_top must be a whole number >= 0, got -1"),
        ({"first_n": 0}, "granularit"),
    ],
)
def test_bad_cascade_options_are_refused_when_built(options, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Cascade(**options)
    with pytest.raises(ValueError, match="cascade|granularit|N"):
        as_cascade(options)


def test_unknown_option_and_wrong_type_are_refused():
    with pytest.raises(
        ValueError, match="unknown cascade option 'depth'; options are first_n, k, fusion, full_top"
    ):
        as_cascade({"depth": 5})
    with pytest.raises(ValueError, match="cascade must be true, a Cascade or a dict"):
        as_cascade("yes")
    assert as_cascade(None) is None and as_cascade(False) is None and as_cascade(True) == Cascade()


class NoEncodeEncoder:
    """Stands for a model: any encode call fails the test (refusals come before any work)."""

    dim = DIM

    def __getattr__(self, name):
        raise AssertionError(f"encoder.{name} used before the refusal")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"cascade": Cascade(first_n=4)},
            "cascade first-stage N=4 is not stored in this index; stored N: 1, 2, 3, 6",
        ),
        (
            {"cascade": True, "mode": "keyword"},
            "the cascade re-ranks semantic search; use mode 'semantic', not 'keyword'",
        ),
        ({"cascade": True, "mode": "hybrid"}, "not 'hybrid'"),
        ({"cascade": True, "vectors": "multi"}, "the cascade re-scores single vectors, not multi-vector"),
        ({"cascade": {"fusion": "max"}}, "unknown cascade fusion 'max'"),
    ],
)
def test_search_refuses_a_bad_cascade_before_encoding(tmp_path, corpus, kwargs, message):
    searcher = Searcher(filled(tmp_path / "ix", corpus), encoder=NoEncodeEncoder(), warm=False)
    query = InterleavedDoc((TextSegment("fix the sink"),))
    with pytest.raises(ValueError, match=message):
        searcher.search(query, k=5, **kwargs)


def test_full_stage_without_a_model_is_refused(tmp_path, corpus, query):
    searcher = Searcher(filled(tmp_path / "ix", corpus), warm=False)
    with pytest.raises(ValueError, match="full-token stage re-encodes documents and needs a model loaded"):
        search_cascade(searcher, query, k=5, cascade=Cascade(full_top=2))


def test_cascade_on_a_multi_vector_index_asks_for_single_vectors(tmp_path):
    rng = np.random.default_rng(5)
    matrices = np.stack([unit_rows(rng, 20, DIM) for _ in range(4)], axis=1)  # (20, M=4, D)
    meta = IndexMeta("synthetic-model", "fp", DIM, (3,), vectors="multi", budgets=(1, 2, 4))
    index = filled(tmp_path / "mv", {3: matrices[:, 0], MultiKey(3): matrices}, meta)
    searcher = Searcher(index, encoder=NoEncodeEncoder(), warm=False)
    with pytest.raises(ValueError, match="search with vectors='single'"):
        searcher.search(InterleavedDoc((TextSegment("sink"),)), cascade=True)
    hits = search_cascade(searcher, {3: matrices[0, 0]}, k=3)  # the single vectors beside
    assert hits[0].id == "d0" and hits[0].score == pytest.approx(1.0, abs=1e-6)
