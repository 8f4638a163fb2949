"""Ranked search over an index with the encoder that built it.

    searcher = Searcher.open("./mme-index", encoder)     # refuses another encoder's index
    hits = searcher.search(InterleavedDoc((TextSegment("fix a sink"), ImageSegment("a.jpg"))), n=3)

Three modes: `semantic` embeds the query (`prompt_name="query"`) at the requested stored N and ranks by
cosine similarity; `keyword` ranks the query's words by BM25 over the full-text index of each
part's text (`indexer.keyword`); `hybrid` fuses the two rankings by reciprocal rank (LanceDB's
`RRFReranker`, K = 60). With `cascade=`, semantic search runs as a multi-granularity cascade
(`indexer.cascade`, run by `indexer.cascade_search`: one stored N first, its top K re-scored over
the stored N, optionally the best few re-encoded at full tokens by `indexer.full_stage`); off by
default (docs/BENCHMARKS.md).
Filters (collection, folder, tag) apply to every mode. A page of a translated site, kept once per
language, comes back once, in the query's language (`indexer.translations`). A query over the
token budget is refused, never truncated (`indexer.query`). Vectors are searched exactly below
the ANN threshold, by IVF_HNSW_SQ above it (see `indexer.ann`). The index is warmed on open
because the first ANN queries after opening otherwise pay for loading partitions from disk.

A Searcher sees rows written by other processes within `indexer.uri.READ_CONSISTENCY` (5 s), so
compaction never pulls a version from under it; after a rebuild (which drops the old table), or to
re-plan its ANN probes after a build, call `refresh()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
from lancedb.rerankers import RRFReranker

from indexer import exact_first
from indexer.ann import AnnConfig, plan_probes, vector_query
from indexer.cascade import Cascade, resolve_cascade
from indexer.cascade_search import cascade_vectors, full_token_stage, search_cascade
from indexer.hits import PARTS_PER_NOTE, RESULT_COLUMNS, Filters, Hit, as_filters, best_part_per_note, check_k
from indexer.keyword import FTS_COLUMN, ensure_keyword_index, fold, has_keyword_index
from indexer.languages import check_language
from indexer.model_report import synthetic_world_model
from indexer.multivector import MULTI, check_budget, check_multi_query, check_vectors, mv_column, mv_columns
from indexer.phrase_first import PHRASE_DEPTH, phrase_first, phrase_pattern
from indexer.place_names import PlaceNames, index_place_names
from indexer.query import check_query_tokens
from indexer.query_words import query_words
from indexer.schema import granularity_label, row_to_doc, vector_column
from indexer.store import Index
from indexer.translations import in_language, one_per_page
from indexer.translations import wanted_languages as translation_languages
from indexer.umlauts import umlaut_spelling
from mme_core.documents import InterleavedDoc, TextSegment
from mme_core.pooling import check_granularity

MODES = ("keyword", "semantic", "hybrid")
HYBRID_DEPTH = 50  # each ranking fused by RRF contributes its top max(k, HYBRID_DEPTH)


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

    def place_names(self) -> PlaceNames:
        """The names of the places the index's photos were taken, read once per table version."""
        version = self.index.table.version
        if getattr(self, "_places", (None,))[0] != version:
            self._places = (version, index_place_names(self.index))
        return self._places[1]

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
        self._keyword_ready = has_keyword_index(self.index.table)
        self._default_mode = self._choose_default_mode()
        meta = self.index.meta
        multi = mv_columns(self.ns, meta.budgets) if meta.vectors == MULTI else []
        single = [vector_column(n) for n in self.ns]
        self._indexed, self._nprobes = plan_probes(
            self.index.table, meta.ann_indices, single, multi, self.ann
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
        pictures_first: bool = True,
        titles_first: bool = True,
        translations: bool = True,
        language: str | None = None,
        **filter_fields,
    ) -> list[Hit]:
        """Top-k hits for an interleaved query at granularity n, one per note: a note split into
        parts is represented by its best-ranked part. Not with a cascade: with `titles_first`, notes
        titled (or aliased) exactly as the query's text come first; with `pictures_first`, before
        them, notes showing one of the query's pictures byte for byte (`indexer.exact_first`).

        `on_query_vector(vector)` is called with the query's single-vector embedding when the search
        computes one (the app's dominance plot reuses it instead of embedding the query again).

        `cascade` (True, a `Cascade` or a dict of its fields): search the cascade's first N, re-score
        its top K over the stored N columns, optionally re-encode the best few at full tokens
        (`indexer.cascade`); `n` is then not used. Semantic, single-vector search only.

        `vectors`: "single" (one vector per document, cosine) or "multi" (MaxSim over the first
        `budget` vectors of query and document; `indexer.multivector`); None means the index's own
        kind. `budget` is one of the index's budgets (default: the largest) and implies "multi".

        `translations`: a page kept in several languages (a translated site's) comes back once, in
        `language` when given, else the query's (`indexer.translations`); False lists every version.

        `mode`: "keyword" (full-text over the query's words), "semantic" (the MME vectors at N),
        "hybrid" (both rankings fused by reciprocal rank), or None for `default_mode`. On an index
        that reads the words in pictures, the query's pictures' words are searched as its words too
        (`indexer.picture_words`). A query without words runs semantic whatever the mode. `filters`
        (or keywords such as `collections=("notes",)`, `folders=`, `tags=`, `source_prefix=`,
        `title_contains=`) narrow it.
        """
        check_k(k)
        filters = as_filters(filters, filter_fields)
        check_language(language)  # before any work
        ranked, finish = self._ranking(query, n, filters, mode, vectors, budget, on_query_vector, cascade)
        wanted = translation_languages(query, language) if translations else None
        scope = self.default_scope(filters).sql()
        if not cascade:  # the cascade is an explicit ranking of its own
            if titles_first:
                ranked = exact_first.titles_first(self.index, scope, query, ranked)
            if pictures_first:
                ranked = exact_first.pictures_first(self.index, scope, query, ranked)
        fetch = k * PARTS_PER_NOTE
        while True:  # a long note's parts (a page's translations) can fill a ranking: fetch deeper
            hits = ranked(fetch)
            if wanted is None:
                notes = best_part_per_note(hits, k)
                if len(notes) == k or len(hits) < fetch:
                    return finish(notes)
            else:
                pages = one_per_page(best_part_per_note(hits, len(hits)), k)
                if len(pages) == k or len(hits) < fetch:
                    return finish(in_language(self.index, scope, pages, wanted))
            fetch *= PARTS_PER_NOTE

    def _ranking(self, query, n, filters, mode, vectors, budget, on_query_vector, cascade):
        """Check the query and embed it once; -> (depth -> the top `depth` parts, a last step on the
        notes kept: the cascade's full-token stage, else nothing)."""
        if not isinstance(query, InterleavedDoc):
            raise ValueError(f"query must be an InterleavedDoc, got {type(query).__name__}")
        cascade = self.check_cascade(cascade, mode, vectors, budget)
        mode = "semantic" if cascade else self.check_mode(mode)
        if budget is not None and vectors != "single":
            budget, vectors = check_budget(budget, self.index.meta), MULTI  # a budget means multi-vector
        vectors = check_vectors(vectors, self.index.meta)
        if vectors == MULTI:
            budget = check_budget(budget, self.index.meta)
        elif budget is not None:
            raise ValueError(f"budget {budget!r} applies only to multi-vector search (vectors='multi')")
        words, terms = query_words(self.index, query, mode, self.place_names())
        typed = " ".join(s.text for s in query.segments if isinstance(s, TextSegment))
        phrase = phrase_pattern([typed, umlaut_spelling(typed) or ""])
        as_is = lambda hits: hits  # noqa: E731
        if mode == "keyword" and words:  # no N involved: any index's words are searched
            return lambda depth: self._hits(
                self._keyword_rows(words, depth, filters, phrase), "keyword", terms
            ), as_is
        n = cascade.first_n if cascade else self.check_n(n)
        if self.encoder is None:
            raise ValueError("this Searcher was opened without an encoder; use search_vector")
        check_query_tokens(self.encoder, query, n)  # refuses, never truncates (see indexer.query)
        if cascade:
            query_vectors = cascade_vectors(self, query, cascade)
            stored = {m: query_vectors[m] for m in cascade.query_ns(self.ns)}
            return (
                lambda depth: [
                    replace(hit, terms=terms)
                    for hit in search_cascade(self, stored, depth, replace(cascade, full_top=0), filters)
                ],
                lambda notes: full_token_stage(self, query_vectors, notes, cascade),
            )
        if vectors == MULTI:
            vector = self.encoder.encode_multi([query], n=n, prompt_name="query")[0]  # (M, dim)
            semantic_hits = lambda depth: self.search_multivector(vector, n, depth, budget, filters)  # noqa: E731
            semantic_rows = lambda depth: self._multi_rows(vector, n, depth, budget, filters)  # noqa: E731
        else:
            vector = self.encoder.encode([query], n=n, prompt_name="query")[0]  # (dim,)
            if on_query_vector is not None:
                on_query_vector(vector)
            semantic_hits = lambda depth: self.search_vector(vector, n, depth, filters)  # noqa: E731
            semantic_rows = lambda depth: self.vector_rows(vector, n, depth, filters)  # noqa: E731
        if mode == "semantic" or not words:
            return lambda depth: [replace(hit, terms=terms) for hit in semantic_hits(depth)], as_is

        def hybrid(depth: int) -> list[Hit]:
            fused_depth = max(depth, HYBRID_DEPTH)
            semantic = semantic_rows(fused_depth)
            keyword = self._keyword_rows(words, fused_depth, filters, phrase)
            fused = RRFReranker(return_score="relevance").rerank_hybrid(words, semantic, keyword)
            return self._hits(fused.slice(0, depth), "hybrid", terms)

        return hybrid, as_is

    def check_cascade(self, cascade, mode, vectors, budget) -> Cascade | None:
        """The cascade resolved against this index, or a refusal before any work is done."""
        return resolve_cascade(cascade, self.index.meta, mode, vectors, budget, self.encoder is not None)

    def check_mode(self, mode: str | None) -> str:
        if mode is None:
            return self.default_mode
        if mode not in MODES:
            raise ValueError(f"unknown search mode {mode!r}; valid modes are {', '.join(MODES)}")
        return mode

    def _keyword_rows(self, words: str, k: int, filters: Filters, phrase=None):
        """Full-text ranking of the words (BM25 over the n-gram index), best first, with row ids;
        parts holding the query's words in a row (`phrase`) first (`indexer.phrase_first`).
        Traditional Chinese is folded to Simplified as the index's text was (`keyword.fold`); an
        index written before the fold (until its next `add`) is searched with the words as typed."""
        self._ensure_keyword_index()
        words = fold(words) if self.index.meta.text_fold else words
        depth = max(k, PHRASE_DEPTH) if phrase is not None else k
        query = self.index.table.search(words, query_type="fts", fts_columns=FTS_COLUMN).limit(depth)
        where = self.default_scope(filters).sql()
        if where:
            query = query.where(where, prefilter=True)
        rows = query.with_row_id(True).select([*RESULT_COLUMNS[:-1], FTS_COLUMN, "_score"]).to_arrow()
        return phrase_first(rows, phrase, k)

    def vector_rows(self, vector: np.ndarray, n, k: int, filters: Filters, extra_columns: tuple = ()):
        """The k nearest rows at N (ANN or exact, as planned), with `extra_columns` read in the same
        query (the cascade takes its candidates' other vector columns this way)."""
        column = vector_column(n)
        where = self.default_scope(filters).sql()
        query = vector_query(self.index.table, vector, column, k, self.ann, self._nprobes[column], where)
        return query.with_row_id(True).select([*RESULT_COLUMNS, *extra_columns]).to_arrow()

    def _multi_rows(self, matrix: np.ndarray, n, k: int, budget: int, filters: Filters):
        column = mv_column(n, budget)
        where = self.default_scope(filters).sql()
        query = self._multi_query(matrix, budget)  # (min(budget, Q), dim)
        search = vector_query(self.index.table, query, column, k, self.ann, self._nprobes[column], where)
        return search.with_row_id(True).select(RESULT_COLUMNS).to_arrow()

    def _multi_query(self, matrix: np.ndarray, budget: int) -> np.ndarray:
        encoder_tokens = self.encoder.meta_tokens if self.encoder is not None else None
        query_tokens = (self.index.meta.meta_tokens or encoder_tokens or (0,))[0]  # old index: encoder
        return check_multi_query(matrix, budget, self.index.meta.dim, query_tokens)

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
        first `budget` (exact below the ANN threshold, LanceDB's multivector index above it); a query
        takes part with its first min(budget, Q) vectors, Q the model's query meta tokens.
        Score = sum over those query vectors of the best cosine, in [-budget, budget]."""
        check_vectors(MULTI, self.index.meta)  # a single-vector index refuses, naming why
        n = self.check_n(n)
        check_k(k)
        budget = check_budget(budget, self.index.meta)
        rows = self._multi_rows(matrix, n, k, budget, as_filters(filters, filter_fields)).to_pylist()
        used = len(self._multi_query(matrix, budget))  # the query's vectors that took part
        return [
            Hit(row["id"], used - float(row["_distance"]), row_to_doc(row), rank, budget=budget)
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
        rows = self.vector_rows(vector, n, k, as_filters(filters, filter_fields)).to_pylist()
        return [
            Hit(id=row["id"], score=1.0 - float(row["_distance"]), doc=row_to_doc(row), rank=rank)
            for rank, row in enumerate(rows, start=1)
        ]
