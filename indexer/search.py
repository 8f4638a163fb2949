"""Ranked search over an index with the encoder that built it.

    searcher = Searcher.open("./mme-index", encoder)     # refuses another encoder's index
    hits = searcher.search(InterleavedDoc((TextSegment("fix a sink"), ImageSegment("a.jpg"))), n=3)

Three modes: `semantic` embeds the query (`prompt_name="query"`) at the requested stored N and ranks by
cosine similarity; `keyword` ranks the query's words by BM25 over the full-text index of each
part's text (`indexer.keyword`); `hybrid` fuses the two rankings by reciprocal rank (LanceDB's
`RRFReranker`, K = 60). With `cascade=`, semantic search runs as a multi-granularity cascade
(`indexer.cascade`: one stored N first, its top K re-scored over the stored N, optionally the best
few re-encoded at full tokens by `indexer.full_stage`); off by default (docs/BENCHMARKS.md).
Filters (collection, folder, tag) apply to every mode. A query over the
token budget is refused, never truncated (`indexer.query`). Vectors are searched exactly below
the ANN threshold, by IVF_HNSW_SQ above it (see `indexer.ann`). The index is warmed on open
because the first ANN queries after opening otherwise pay for loading partitions from disk.

A Searcher sees rows written by other processes within `indexer.uri.READ_CONSISTENCY` (5 s), so
compaction never pulls a version from under it; after a rebuild (which drops the old table), or to
re-plan its ANN probes after a build, call `refresh()`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from lancedb.rerankers import RRFReranker

from indexer.ann import AnnConfig, indexed_columns, vector_query
from indexer.cascade import Cascade, rescore, resolve_cascade
from indexer.keyword import FTS_COLUMN, ensure_keyword_index, has_keyword_index, keyword_text, query_terms
from indexer.multivector import (
    MULTI,
    check_budget,
    check_multi_query,
    check_vectors,
    mv_column,
    mv_columns,
)
from indexer.query import check_query_tokens
from indexer.schema import granularity_label, normal_tag, row_to_doc, sql_string, vector_column
from indexer.store import Index
from mme_core.documents import InterleavedDoc, TextSegment
from mme_core.pooling import check_granularity

_RESULT_COLUMNS = [
    "id",
    "title",
    "source",
    "part",
    "collection",
    "segments",
    "tags",
    "properties",
    "_distance",
]


MODES = ("keyword", "semantic", "hybrid")
HYBRID_DEPTH = 50  # each ranking fused by RRF contributes its top max(k, HYBRID_DEPTH)


@dataclass(frozen=True)
class Hit:
    id: str
    score: float  # semantic: cosine in [-1, 1]; keyword: BM25; hybrid: reciprocal-rank fusion score
    doc: InterleavedDoc
    rank: int  # 1-based
    mode: str = "semantic"  # how this hit was found
    terms: tuple[str, ...] = ()  # the query's words, for highlighting what matched
    budget: int | None = None  # multi-vector search: the budget (score = MaxSim over that many vectors)
    stage: str = ""  # cascade: "fused" (stored N re-scored) or "full" (re-encoded at full tokens)
    note: str = ""  # cascade: why a hit could not be re-scored at full tokens (source gone, ...)


@dataclass(frozen=True)
class Filters:
    """Which rows a search may return. Empty fields filter nothing; several values of one field are
    alternatives (any collection listed, any folder, any tag), different fields must all hold."""

    collections: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()  # path prefixes inside a collection, e.g. "garden" or "garden/roses"
    tags: tuple[str, ...] = ()  # without '#', matched case-insensitively
    source_prefix: str | None = None
    title_contains: str | None = None

    def sql(self) -> str | None:
        clauses = []
        if self.collections:
            clauses.append(f"collection IN ({', '.join(map(sql_string, self.collections))})")
        if self.folders:
            prefixes = [sql_string(folder.strip("/") + "/") for folder in self.folders if folder.strip("/")]
            if prefixes:
                clauses.append("(" + " OR ".join(f"starts_with(source, {p})" for p in prefixes) + ")")
        if self.tags:
            clauses.append(
                f"array_has_any(tags, [{', '.join(sql_string(normal_tag(t)) for t in self.tags)}])"
            )
        if self.source_prefix:
            clauses.append(f"starts_with(source, {sql_string(self.source_prefix)})")
        if self.title_contains:
            clauses.append(f"strpos(lower(title), lower({sql_string(self.title_contains)})) > 0")
        return " AND ".join(clauses) or None


def as_filters(filters: Filters | None, fields: dict) -> Filters:
    """`filters`, or one made from keyword fields (`collections=("notes",)`, `title_contains=...`)."""
    if filters is not None and fields:
        raise ValueError("pass either filters=Filters(...) or filter keywords, not both")
    unknown = set(fields) - set(Filters.__dataclass_fields__)
    if unknown:
        raise ValueError(
            f"unknown filter {sorted(unknown)[0]!r}; filters are {', '.join(Filters.__dataclass_fields__)}"
        )
    tuples = {
        k: tuple([v] if isinstance(v, str) else v)
        for k, v in fields.items()
        if k in ("collections", "folders", "tags") and v
    }
    return filters or Filters(**(fields | tuples))


def check_k(k) -> None:
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")


def synthetic_world_model(model_id: str) -> bool:
    """True for a model built by `python -m mme_data.build_demo`: it knows only the generated
    how-to world (its folder holds the build's training_report.json with the recipe)."""
    report = Path(model_id) / "training_report.json"
    try:
        return report.is_file() and "recipe" in json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False


class Searcher:
    def __init__(self, index: Index, encoder=None, ann: AnnConfig | None = None, warm: bool = True) -> None:
        self.index = index
        self.encoder = encoder
        self.ann = ann or AnnConfig()
        self._plan_queries()
        if warm:
            self.warm()

    def _ensure_keyword_index(self) -> None:
        """Indexes built before keyword search existed get their full-text index on first use."""
        if not self._keyword_ready:
            ensure_keyword_index(self.index.table)
            self._keyword_ready = True

    @property
    def default_mode(self) -> str:
        """Hybrid, unless the model knows only the synthetic demo world and the search covers a
        person's notes: there its vectors rank their words worse than keyword search alone does
        (measured: docs/BENCHMARKS.md, "Relevance on real notes"), so words decide. Decided from the
        index metadata when it is opened or refreshed, not per query (it reads the model's folder)."""
        return self._default_mode

    def _choose_default_mode(self) -> str:
        scope = self.default_scope(Filters()).collections or tuple(self.index.meta.collections)
        own = [c for c in scope if c and not self.index.meta.collections.get(c, {}).get("demo")]
        return "keyword" if own and synthetic_world_model(self.index.meta.model_id) else "hybrid"

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
        stats["vectors"] = self.index.meta.vectors
        stats["budgets"] = list(self.index.meta.budgets)
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
        self._keyword_ready = has_keyword_index(self.index.table)
        self._default_mode = self._choose_default_mode()
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
        if self.index.meta.vectors == MULTI:
            for column in mv_columns(self.ns, self.index.meta.budgets):
                info = self.index.meta.ann_indices.get(column)
                indexed = column in self._indexed
                self._nprobes[column] = (
                    self.ann.nprobes_for(rows, info["partitions"]) if indexed and info else None
                )

    def warm(self) -> None:
        table = self.index.table
        for name in self._indexed.values():
            table.prewarm_index(name)
        probe = np.random.default_rng(0).standard_normal(self.index.meta.dim).astype(np.float32)
        probe /= np.linalg.norm(probe)
        for n in self.ns:
            self.search_vector(probe, n=n, k=10)

    def default_scope(self, filters: Filters) -> Filters:
        """With no collection chosen, search everything except the synthetic demo collection once
        the person has collections of their own: their notes are never mixed with generated ones."""
        if filters.collections:
            return filters
        collections = self.index.meta.collections
        mine = tuple(name for name, entry in collections.items() if not entry.get("demo"))
        if not mine or len(mine) == len(collections):
            return filters
        return replace(filters, collections=(*mine, ""))  # "" = documents added directly

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
        filters: Filters | None = None,
        mode: str | None = None,
        *,
        vectors: str | None = None,
        budget: int | None = None,
        on_query_vector: Callable[[np.ndarray], None] | None = None,
        cascade: Cascade | bool | dict | None = None,
        **filter_fields,
    ) -> list[Hit]:
        """Top-k hits for an interleaved query at granularity n.

        `on_query_vector(vector)` is called with the query's single-vector embedding when the search
        computes one (the app's dominance plot reuses it instead of embedding the query again).

        `cascade` (True, a `Cascade` or a dict of its fields): search the cascade's first N, re-score
        its top K over the stored N columns, optionally re-encode the best few at full tokens
        (`indexer.cascade`); `n` is then not used. Semantic, single-vector search only.

        `vectors`: "single" (one vector per document, cosine) or "multi" (MaxSim over the first
        `budget` vectors of query and document; `indexer.multivector`); None means the index's own
        kind. `budget` is one of the index's budgets (default: the largest) and implies "multi".

        `mode`: "keyword" (full-text over the query's words), "semantic" (the MME vectors at N),
        "hybrid" (both rankings fused by reciprocal rank), or None for `default_mode`. A query
        without words runs semantic whatever the mode. `filters` (or keywords such as
        `collections=("notes",)`, `folders=`, `tags=`, `source_prefix=`, `title_contains=`) narrow it.
        """
        if not isinstance(query, InterleavedDoc):
            raise ValueError(f"query must be an InterleavedDoc, got {type(query).__name__}")
        cascade = self.check_cascade(cascade, mode, vectors, budget)
        mode = "semantic" if cascade else self.check_mode(mode)
        n = cascade.first_n if cascade else self.check_n(n)
        check_k(k)
        if budget is not None and vectors != "single":
            budget, vectors = check_budget(budget, self.index.meta), MULTI  # a budget means multi-vector
        vectors = check_vectors(vectors, self.index.meta)
        if vectors == MULTI:
            budget = check_budget(budget, self.index.meta)
        elif budget is not None:
            raise ValueError(f"budget {budget!r} applies only to multi-vector search (vectors='multi')")
        filters = as_filters(filters, filter_fields)
        words = keyword_text([s.text for s in query.segments if isinstance(s, TextSegment)])
        terms = tuple(query_terms(words))
        if mode == "keyword" and words:
            return self._hits(self._keyword_rows(words, k, filters), "keyword", terms)
        if self.encoder is None:
            raise ValueError("this Searcher was opened without an encoder; use search_vector")
        check_query_tokens(self.encoder, query, n)  # refuses, never truncates (see indexer.query)
        if cascade:
            return [replace(hit, terms=terms) for hit in self._cascade(query, k, cascade, filters)]
        if vectors == MULTI:
            vector = self.encoder.encode_multi([query], n=n, prompt_name="query")[0]  # (M, dim)
            semantic_hits = lambda: self.search_multivector(vector, n, k, budget, filters)  # noqa: E731
            semantic_rows = lambda depth: self._multi_rows(vector, n, depth, budget, filters)  # noqa: E731
        else:
            vector = self.encoder.encode([query], n=n, prompt_name="query")[0]  # (dim,)
            if on_query_vector is not None:
                on_query_vector(vector)
            semantic_hits = lambda: self.search_vector(vector, n, k, filters)  # noqa: E731
            semantic_rows = lambda depth: self._vector_rows(vector, n, depth, filters)  # noqa: E731
        if mode == "semantic" or not words:
            return [replace(hit, terms=terms) for hit in semantic_hits()]
        depth = max(k, HYBRID_DEPTH)
        semantic = semantic_rows(depth)
        keyword = self._keyword_rows(words, depth, filters)
        fused = RRFReranker(return_score="relevance").rerank_hybrid(words, semantic, keyword)
        return self._hits(fused.slice(0, k), "hybrid", terms)

    def check_cascade(self, cascade, mode, vectors, budget) -> Cascade | None:
        """The cascade resolved against this index, or a refusal before any work is done."""
        return resolve_cascade(cascade, self.index.meta, mode, vectors, budget, self.encoder is not None)

    def _cascade(self, query: InterleavedDoc, k: int, cascade: Cascade, filters: Filters) -> list[Hit]:
        from indexer.full_stage import rescore_at_full

        ns = cascade.query_ns(self.ns)
        for n in ns[1:]:  # the first N was checked by the caller
            check_query_tokens(self.encoder, query, n)
        if cascade.full_top:
            check_query_tokens(self.encoder, query, "full")
        full = ("full",) if cascade.full_top and "full" not in ns else ()
        vectors = self.encoder.encode_all([query], (*ns, *full), prompt_name="query")  # one vision pass
        vectors = {n: v[0] for n, v in vectors.items()}  # {n: (dim,)}
        hits = self.search_cascade({n: vectors[n] for n in ns}, k, replace(cascade, full_top=0), filters)
        if not cascade.full_top:
            return hits
        return rescore_at_full(self.index, self.encoder, vectors["full"], hits, cascade.full_top)

    def search_cascade(
        self, vectors: dict, k: int = 10, cascade: Cascade | None = None, filters: Filters | None = None
    ) -> list[Hit]:
        """Top-k of the cascade's first two stages for a query given as {n: (dim,) vector} at the
        cascade's `query_ns` (benchmarks, tools; `search` embeds the query itself). At least k
        candidates are re-scored whatever the cascade's K."""
        check_k(k)
        cascade = self.check_cascade(cascade or Cascade(), "semantic", "single", None)
        if cascade.full_top:
            raise ValueError("search_cascade covers the stored N only; the full-token stage runs in search")
        fused_ns = cascade.fused_ns(self.ns)
        missing = [granularity_label(n) for n in cascade.query_ns(self.ns) if n not in vectors]
        if missing:
            raise ValueError(f"the cascade needs the query's vector at N = {', '.join(missing)}")
        for n, vector in vectors.items():
            if np.shape(vector) != (self.index.meta.dim,):
                raise ValueError(
                    f"query vector at N={granularity_label(n)} has shape {np.shape(vector)}, "
                    f"index dim is {self.index.meta.dim}"
                )
        first = vector_column(cascade.first_n)
        where = self.default_scope(filters or Filters()).sql()
        search = vector_query(
            self.index.table,
            np.asarray(vectors[cascade.first_n], np.float32),
            first,
            max(k, cascade.k),  # the re-scored candidates cover at least the results asked for
            self.ann,
            self._nprobes[first],
            where,
        )
        columns = [*_RESULT_COLUMNS, *dict.fromkeys(map(vector_column, fused_ns))]
        rows = search.select(columns).to_arrow()
        if rows.num_rows == 0:
            return []
        order, scores = rescore(vectors, rows, fused_ns)
        kept = rows.select(_RESULT_COLUMNS[:-1]).take(order[:k]).to_pylist()
        return [
            Hit(row["id"], float(score), row_to_doc(row), rank, stage="fused")
            for rank, (row, score) in enumerate(zip(kept, scores, strict=False), start=1)
        ]

    def check_mode(self, mode: str | None) -> str:
        if mode is None:
            return self.default_mode
        if mode not in MODES:
            raise ValueError(f"unknown search mode {mode!r}; valid modes are {', '.join(MODES)}")
        return mode

    def _keyword_rows(self, words: str, k: int, filters: Filters):
        """Full-text ranking of the words (BM25 over the n-gram index), best first, with row ids."""
        self._ensure_keyword_index()
        query = self.index.table.search(words, query_type="fts", fts_columns=FTS_COLUMN).limit(k)
        where = self.default_scope(filters).sql()
        if where:
            query = query.where(where, prefilter=True)
        return query.with_row_id(True).select([*_RESULT_COLUMNS[:-1], "_score"]).to_arrow()

    def _vector_rows(self, vector: np.ndarray, n, k: int, filters: Filters):
        column = vector_column(n)
        where = self.default_scope(filters).sql()
        query = vector_query(self.index.table, vector, column, k, self.ann, self._nprobes[column], where)
        return query.with_row_id(True).select(_RESULT_COLUMNS).to_arrow()

    def _multi_rows(self, matrix: np.ndarray, n, k: int, budget: int, filters: Filters):
        column = mv_column(n, budget)
        where = self.default_scope(filters).sql()
        query = check_multi_query(matrix, budget, self.index.meta.dim)  # (budget, dim)
        search = vector_query(self.index.table, query, column, k, self.ann, self._nprobes[column], where)
        return search.with_row_id(True).select(_RESULT_COLUMNS).to_arrow()

    def search_multivector(
        self,
        matrix: np.ndarray,
        n=3,
        k: int = 10,
        budget: int | None = None,
        filters: Filters | None = None,
        **filter_fields,
    ) -> list[Hit]:
        """Top-k rows by MaxSim of the query matrix's first `budget` vectors against each document's
        first `budget` (exact below the ANN threshold, LanceDB's multivector index above it).
        Score = sum over the query's vectors of the best cosine, in [-budget, budget]."""
        check_vectors(MULTI, self.index.meta)  # a single-vector index refuses, naming why
        n = self.check_n(n)
        check_k(k)
        budget = check_budget(budget, self.index.meta)
        rows = self._multi_rows(matrix, n, k, budget, as_filters(filters, filter_fields)).to_pylist()
        return [
            Hit(row["id"], budget - float(row["_distance"]), row_to_doc(row), rank, budget=budget)
            for rank, row in enumerate(rows, start=1)
        ]

    @staticmethod
    def _hits(rows, mode: str, terms: tuple[str, ...]) -> list[Hit]:
        score = {"keyword": "_score", "hybrid": "_relevance_score"}[mode]
        return [
            Hit(row["id"], float(row[score]), row_to_doc(row), rank, mode, terms)
            for rank, row in enumerate(rows.to_pylist(), start=1)
        ]

    def search_vector(
        self,
        vector: np.ndarray,
        n=3,
        k: int = 10,
        filters: Filters | None = None,
        **filter_fields,
    ) -> list[Hit]:
        n = self.check_n(n)
        check_k(k)
        vector = np.asarray(vector, dtype=np.float32)
        if vector.ndim == 2:
            raise ValueError(
                f"query of shape {vector.shape} is a multi-vector query; search it with vectors='multi' "
                f"(search_multivector), which needs a multi-vector index; this one holds "
                f"{self.index.meta.vectors} vectors"
            )
        if vector.shape != (self.index.meta.dim,):
            raise ValueError(f"query vector has shape {vector.shape}, index dim is {self.index.meta.dim}")
        rows = self._vector_rows(vector, n, k, as_filters(filters, filter_fields)).to_pylist()
        return [
            Hit(id=row["id"], score=1.0 - float(row["_distance"]), doc=row_to_doc(row), rank=rank)
            for rank, row in enumerate(rows, start=1)
        ]
