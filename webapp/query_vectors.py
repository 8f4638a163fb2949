"""The query embeddings the last searches computed, kept so the dominance plot that follows a search
reads the query's vector instead of embedding the query a second time (`SearchService.dominance`)."""

from __future__ import annotations

import threading

import numpy as np

from mme_core.documents import InterleavedDoc


class QueryVectors:
    """The last few query embeddings a search computed, by (query, N), so the dominance plot that
    follows the search does not embed the query a second time."""

    def __init__(self, size: int = 32):
        self.size = size
        self._vectors: dict[tuple, np.ndarray] = {}
        self._lock = threading.Lock()

    def get(self, query: InterleavedDoc, n) -> np.ndarray | None:
        with self._lock:
            return self._vectors.get((query, n))

    def put(self, query: InterleavedDoc, n, vector: np.ndarray) -> None:
        with self._lock:
            self._vectors.pop((query, n), None)
            self._vectors[(query, n)] = np.array(vector, dtype=np.float32)
            while len(self._vectors) > self.size:
                self._vectors.pop(next(iter(self._vectors)))  # the oldest
