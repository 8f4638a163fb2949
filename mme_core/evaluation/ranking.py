"""Exact nearest-neighbour ranking by inner product (cosine for unit vectors), as a numpy matmul.

This is what the official wikiHow-TIIR evaluation does with faiss IndexFlatIP; no index, no
approximation. Equal scores keep corpus order (stable sort), so ties never favour a document by id.
Multi-vector models rank the same way by late interaction (MaxSim) instead of one inner product.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from mme_core.multivector import maxsim_numpy


def rank_exact(
    query_vectors: np.ndarray,
    doc_vectors: np.ndarray,
    query_ids: Sequence[str],
    doc_ids: Sequence[str],
    k: int = 100,
    chunk: int = 256,
) -> dict[str, list[str]]:
    """qid -> the k best document ids, best first."""
    _check(query_vectors, doc_vectors, query_ids, doc_ids, k, ndim=2, what="vectors must be 2-d (rows, dim)")
    docs_t = np.ascontiguousarray(doc_vectors.T, dtype=np.float32)  # (dim, D)
    return _rank(lambda queries: queries @ docs_t, query_vectors, query_ids, doc_ids, k, chunk)


def rank_maxsim(
    query_vectors: np.ndarray,
    doc_vectors: np.ndarray,
    query_ids: Sequence[str],
    doc_ids: Sequence[str],
    k: int = 100,
    chunk: int = 64,
) -> dict[str, list[str]]:
    """qid -> the k best document ids by late interaction (MaxSim, `mme_core.multivector`), exact.

    query_vectors (Q, m, dim), doc_vectors (D, n, dim): the vectors of one budget. Ties keep corpus order.
    """
    what = "multi-vectors must be 3-d (rows, vectors, dim)"
    _check(query_vectors, doc_vectors, query_ids, doc_ids, k, ndim=3, what=what)
    docs = np.asarray(doc_vectors, dtype=np.float32)
    return _rank(lambda queries: maxsim_numpy(queries, docs), query_vectors, query_ids, doc_ids, k, chunk)


def _check(query_vectors, doc_vectors, query_ids, doc_ids, k: int, ndim: int, what: str) -> None:
    if query_vectors.ndim != ndim or doc_vectors.ndim != ndim:
        raise ValueError(f"{what}; got queries {query_vectors.shape} and docs {doc_vectors.shape}")
    if query_vectors.shape[-1] != doc_vectors.shape[-1]:
        raise ValueError(
            f"dimension mismatch: queries {query_vectors.shape[-1]}-d, docs {doc_vectors.shape[-1]}-d"
        )
    if len(query_ids) != len(query_vectors) or len(doc_ids) != len(doc_vectors):
        raise ValueError(
            f"{len(query_ids)} query ids for {len(query_vectors)} vectors, "
            f"{len(doc_ids)} doc ids for {len(doc_vectors)} vectors"
        )
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")


def _rank(
    score: Callable[[np.ndarray], np.ndarray],
    query_vectors: np.ndarray,
    query_ids: Sequence[str],
    doc_ids: Sequence[str],
    k: int,
    chunk: int,
) -> dict[str, list[str]]:
    """Top k of `score(query chunk) -> (b, D)`, chunk by chunk of queries (bounded memory)."""
    k = min(k, len(doc_ids))
    ids = np.asarray(doc_ids, dtype=object)
    rankings: dict[str, list[str]] = {}
    for start in range(0, len(query_ids), chunk):
        scores = score(np.asarray(query_vectors[start : start + chunk], dtype=np.float32))  # (b, D)
        top = np.argsort(-scores, axis=1, kind="stable")[:, :k]  # (b, k)
        for row, qid in enumerate(query_ids[start : start + chunk]):
            rankings[qid] = ids[top[row]].tolist()
    return rankings
