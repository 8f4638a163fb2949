"""Ranked search over an index with the encoder that built it.

    searcher = Searcher.open("./mme-index", encoder)     # refuses another encoder's index
    hits = searcher.search(InterleavedDoc((TextSegment("fix a sink"), ImageSegment("a.jpg"))), n=3)

Queries are embedded with `is_query=True` at the requested stored N and matched by cosine
similarity (`Hit.score`, higher is better); a query over the token budget is refused, never
truncated (`indexer.query`). Exact below the ANN threshold, IVF_HNSW_SQ above it
(see `indexer.ann`). The index is warmed on open because the first ANN queries after opening
otherwise pay for loading partitions from disk.

A Searcher reads the index as it was when opened: after `build_index` or a rebuild (in this
process or another), call `refresh()` to see the new rows (a rebuild drops the old table).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from indexer.ann import AnnConfig, indexed_columns, vector_query
from indexer.query import check_query_tokens
from indexer.schema import granularity_label, row_to_doc, sql_string, vector_column
from indexer.store import Index
from mme_core.documents import InterleavedDoc
from mme_core.pooling import check_granularity

_RESULT_COLUMNS = ["id", "title", "source", "part", "collection", "segments", "_distance"]


@dataclass(frozen=True)
class Hit:
    id: str
    score: float  # cosine similarity in [-1, 1]
    doc: InterleavedDoc
    rank: int  # 1-based


def filter_sql(source_prefix: str | None = None, title_contains: str | None = None) -> str | None:
    clauses = []
    if source_prefix:
        clauses.append(f"starts_with(source, {sql_string(source_prefix)})")
    if title_contains:
        clauses.append(f"strpos(lower(title), lower({sql_string(title_contains)})) > 0")
    return " AND ".join(clauses) or None


class Searcher:
    def __init__(self, index: Index, encoder=None, ann: AnnConfig | None = None, warm: bool = True) -> None:
        self.index = index
        self.encoder = encoder
        self.ann = ann or AnnConfig()
        self._plan_queries()
        if warm:
            self.warm()

    @classmethod
    def open(cls, index_uri, encoder, ann: AnnConfig | None = None, warm: bool = True) -> Searcher:
        """Open for searching; `encoder=None` allows only `search_vector` (benchmarks, tools)."""
        index = Index.open(index_uri)
        if encoder is not None:
            index.check_encoder(encoder)
        return cls(index, encoder, ann, warm)

    @property
    def ns(self) -> tuple:
        return self.index.meta.ns

    def stats(self) -> dict:
        stats = self.index.stats()
        stats["search"] = {
            granularity_label(n): f"ann (nprobes {probes})"
            if (probes := self._nprobes[vector_column(n)])
            else "exact"
            for n in self.ns
        }
        return stats

    def refresh(self) -> None:
        """See writes made since opening (e.g. by `build_index` in the same process)."""
        self.index = Index.open(self.index.uri)
        if self.encoder is not None:
            self.index.check_encoder(self.encoder)
        self._plan_queries()

    def _plan_queries(self) -> None:
        """Which columns have an ANN index, and how many partitions to probe in each."""
        self._indexed = indexed_columns(self.index.table)
        rows = self.index.count()
        self._nprobes: dict[str, int | None] = {}
        for n in self.ns:
            column = vector_column(n)
            info = self.index.meta.ann_indices.get(column)
            if column not in self._indexed:
                self._nprobes[column] = None
            elif info:
                self._nprobes[column] = self.ann.nprobes_for(rows, info["partitions"])
            else:
                self._nprobes[column] = self.ann.nprobes

    def warm(self) -> None:
        table = self.index.table
        for name in self._indexed.values():
            table.prewarm_index(name)
        probe = np.random.default_rng(0).standard_normal(self.index.meta.dim).astype(np.float32)
        probe /= np.linalg.norm(probe)
        for n in self.ns:
            self.search_vector(probe, n=n, k=10)

    # --- queries ---------------------------------------------------------------------------------
    def check_n(self, n) -> int | str:
        n = check_granularity(n)
        if n not in self.ns:
            stored = ", ".join(map(granularity_label, self.ns))
            raise ValueError(f"N={granularity_label(n)} is not stored in this index; stored N: {stored}")
        return n

    def search(
        self,
        query: InterleavedDoc,
        n=3,
        k: int = 10,
        source_prefix: str | None = None,
        title_contains: str | None = None,
    ) -> list[Hit]:
        if not isinstance(query, InterleavedDoc):
            raise ValueError(f"query must be an InterleavedDoc, got {type(query).__name__}")
        if self.encoder is None:
            raise ValueError("this Searcher was opened without an encoder; use search_vector")
        n = self.check_n(n)
        check_query_tokens(self.encoder, query, n)  # refuses, never truncates (see indexer.query)
        vector = self.encoder.encode([query], n=n, is_query=True)[0]  # (dim,)
        return self.search_vector(vector, n, k, source_prefix, title_contains)

    def search_vector(
        self,
        vector: np.ndarray,
        n=3,
        k: int = 10,
        source_prefix: str | None = None,
        title_contains: str | None = None,
    ) -> list[Hit]:
        n = self.check_n(n)
        if not isinstance(k, int) or isinstance(k, bool) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        vector = np.asarray(vector, dtype=np.float32)
        if vector.shape != (self.index.meta.dim,):
            raise ValueError(f"query vector has shape {vector.shape}, index dim is {self.index.meta.dim}")
        column = vector_column(n)
        where = filter_sql(source_prefix, title_contains)
        query = vector_query(self.index.table, vector, column, k, self.ann, self._nprobes[column], where)
        rows = query.select(_RESULT_COLUMNS).to_arrow().to_pylist()
        return [
            Hit(id=row["id"], score=1.0 - float(row["_distance"]), doc=row_to_doc(row), rank=rank)
            for rank, row in enumerate(rows, start=1)
        ]
