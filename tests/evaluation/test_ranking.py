"""Exact ranking by inner product."""

from __future__ import annotations

import numpy as np
import pytest

from mme_core.evaluation.ranking import rank_exact

DOCS = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8], [0.6, 0.8]], dtype=np.float32)
DOC_IDS = ["x", "y", "tie1", "tie2"]


def test_ranks_by_inner_product_and_keeps_corpus_order_on_ties():
    queries = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    rankings = rank_exact(queries, DOCS, ["q1", "q2"], DOC_IDS, k=4, chunk=1)
    assert rankings == {"q1": ["x", "tie1", "tie2", "y"], "q2": ["y", "tie1", "tie2", "x"]}


def test_k_is_capped_at_the_corpus_size():
    rankings = rank_exact(np.array([[0.0, 1.0]]), DOCS, ["q"], DOC_IDS, k=100)
    assert rankings["q"][:1] == ["y"] and len(rankings["q"]) == 4
    assert rank_exact(np.array([[0.0, 1.0]]), DOCS, ["q"], DOC_IDS, k=1) == {"q": ["y"]}


@pytest.mark.parametrize(
    ("queries", "query_ids", "k", "message"),
    [
        (np.zeros(2), ["q"], 5, "must be 2-d"),
        (np.zeros((1, 3)), ["q"], 5, "dimension mismatch"),
        (np.zeros((2, 2)), ["q"], 5, "1 query ids for 2 vectors"),
        (np.zeros((1, 2)), ["q"], 0, "k must be >= 1"),
    ],
)
def test_bad_inputs(queries, query_ids, k, message):
    with pytest.raises(ValueError, match=message):
        rank_exact(queries, DOCS, query_ids, DOC_IDS, k=k)
