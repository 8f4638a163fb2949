"""Run the multi-granularity cascade (`indexer.cascade`) over a `Searcher`'s index.

    hits = search_cascade(searcher, {3: v3, 6: v6}, k=10, cascade=Cascade(k=50))   # vectors given
    hits = searcher.search(query, cascade=Cascade(full_top=3))                        # query embedded

`search_cascade` runs the stages over stored N for a query already embedded (benchmarks, tools);
`cascade_vectors` embeds a query at every N the cascade needs in one vision pass, and
`full_token_stage` adds the optional last stage (`indexer.full_stage`).
"""

from __future__ import annotations

import numpy as np

from indexer.cascade import Cascade, rescore
from indexer.hits import RESULT_COLUMNS, Filters, Hit, check_k
from indexer.query import check_query_tokens
from indexer.schema import granularity_label, row_to_doc, vector_column
from mme_core.documents import InterleavedDoc


def cascade_vectors(searcher, query: InterleavedDoc, cascade: Cascade) -> dict:
    """{n: (dim,)} query vectors at every N the cascade needs (plus "full" for its full-token stage),
    in one vision pass; the query was already checked at the cascade's first N."""
    encoder = searcher.encoder
    ns = cascade.query_ns(searcher.ns)
    for n in ns[1:]:
        check_query_tokens(encoder, query, n)
    if cascade.full_top:
        check_query_tokens(encoder, query, "full")
    full = ("full",) if cascade.full_top and "full" not in ns else ()
    vectors = encoder.encode_all([query], (*ns, *full), prompt_name="query")
    return {n: v[0] for n, v in vectors.items()}


def full_token_stage(searcher, vectors: dict, hits: list[Hit], cascade: Cascade) -> list[Hit]:
    """The cascade's last stage: its best `full_top` hits re-encoded at full tokens (none: as is)."""
    if not cascade.full_top:
        return hits
    from indexer.full_stage import rescore_at_full  # reads collections: imported only when needed

    return rescore_at_full(searcher.index, searcher.encoder, vectors["full"], hits, cascade.full_top)


def search_cascade(
    searcher, vectors: dict, k: int = 10, cascade: Cascade | None = None, filters: Filters | None = None
) -> list[Hit]:
    """Top-k of the cascade's first two stages for a query given as {n: (dim,) vector} at the
    cascade's `query_ns` (benchmarks, tools; `Searcher.search` embeds the query itself). At least k
    candidates are re-scored whatever the cascade's K."""
    check_k(k)
    cascade = searcher.check_cascade(cascade or Cascade(), "semantic", "single", None)
    if cascade.full_top:
        raise ValueError("search_cascade covers the stored N only; the full-token stage runs in search")
    meta = searcher.index.meta
    fused_ns = cascade.fused_ns(meta.ns)
    missing = [granularity_label(n) for n in cascade.query_ns(meta.ns) if n not in vectors]
    if missing:
        raise ValueError(f"the cascade needs the query's vector at N = {', '.join(missing)}")
    for n, vector in vectors.items():
        if np.shape(vector) != (meta.dim,):
            raise ValueError(
                f"query vector at N={granularity_label(n)} has shape {np.shape(vector)}, "
                f"index dim is {meta.dim}"
            )
    rows = searcher.vector_rows(
        np.asarray(vectors[cascade.first_n], np.float32),
        cascade.first_n,
        max(k, cascade.k),  # the re-scored candidates cover at least the results asked for
        filters or Filters(),
        extra_columns=tuple(dict.fromkeys(map(vector_column, fused_ns))),
    )
    if rows.num_rows == 0:
        return []
    order, scores = rescore(vectors, rows, fused_ns)
    kept = rows.select(RESULT_COLUMNS[:-1]).take(order[:k]).to_pylist()
    return [
        Hit(row["id"], float(score), row_to_doc(row), rank, stage="fused")
        for rank, (row, score) in enumerate(zip(kept, scores, strict=False), start=1)
    ]
