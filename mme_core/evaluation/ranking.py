"""Exact nearest-neighbour ranking by inner product (cosine for unit vectors), as a numpy matmul.

This is what the official wikiHow-TIIR evaluation does with faiss IndexFlatIP; no index, no
approximation. Equal scores keep corpus order (stable sort), so ties never favour a document by id.
"""

from __future__ import annotations

from collections.abc import Sequence

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
    if query_vectors.ndim != 2 or doc_vectors.ndim != 2:
        raise ValueError(
            f"vectors must be 2-d (rows, dim); got queries {query_vectors.shape} and docs {doc_vectors.shape}"
        )
    if query_vectors.shape[1] != doc_vectors.shape[1]:
        raise ValueError(
            f"dimension mismatch: queries {query_vectors.shape[1]}-d, docs {doc_vectors.shape[1]}-d"
        )
    if len(query_ids) != len(query_vectors) or len(doc_ids) != len(doc_vectors):
        raise ValueError(
            f"{len(query_ids)} query ids for {len(query_vectors)} vectors, "
            f"{len(doc_ids)} doc ids for {len(doc_vectors)} vectors"
        )
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    k = min(k, len(doc_ids))
    ids = np.asarray(doc_ids, dtype=object)
    rankings: dict[str, list[str]] = {}
    docs_t = np.ascontiguousarray(doc_vectors.T, dtype=np.float32)  # (dim, D)
    for start in range(0, len(query_ids), chunk):
        scores = np.asarray(query_vectors[start : start + chunk], dtype=np.float32) @ docs_t  # (b, D)
        top = np.argsort(-scores, axis=1, kind="stable")[:, :k]  # (b, k)
        for row, qid in enumerate(query_ids[start : start + chunk]):
            rankings[qid] = ids[top[row]].tolist()
    return rankings


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
    if query_vectors.ndim != 3 or doc_vectors.ndim != 3:
        raise ValueError(
            f"multi-vectors must be 3-d (rows, vectors, dim); got queries {query_vectors.shape} and docs "
            f"{doc_vectors.shape}"
        )
    if query_vectors.shape[2] != doc_vectors.shape[2]:
        raise ValueError(
            f"dimension mismatch: queries {query_vectors.shape[2]}-d, docs {doc_vectors.shape[2]}-d"
        )
    if len(query_ids) != len(query_vectors) or len(doc_ids) != len(doc_vectors):
        raise ValueError(
            f"{len(query_ids)} query ids for {len(query_vectors)} rows, "
            f"{len(doc_ids)} doc ids for {len(doc_vectors)} rows"
        )
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    k = min(k, len(doc_ids))
    ids = np.asarray(doc_ids, dtype=object)
    docs = np.asarray(doc_vectors, dtype=np.float32)
    rankings: dict[str, list[str]] = {}
    for start in range(0, len(query_ids), chunk):
        scores = maxsim_numpy(np.asarray(query_vectors[start : start + chunk], dtype=np.float32), docs)
        top = np.argsort(-scores, axis=1, kind="stable")[:, :k]  # (b, k)
        for row, qid in enumerate(query_ids[start : start + chunk]):
            rankings[qid] = ids[top[row]].tolist()
    return rankings
