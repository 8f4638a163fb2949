"""Multi-vector (MetaEmbed-style) storage and MaxSim search in LanceDB.

A multi-vector encoder gives each document, per N, a (M, D) matrix of unit vectors whose first k
rows are budget k's vectors (nested budgets). The index keeps one LanceDB multivector column
(list<fixed_size_list<float32, D>>) per stored N *and* budget, `mv_n3_b4` holding the first 4
vectors, beside the single-vector `vec_n3` columns (so the two rankings can be compared).

Why a column per budget and not one per N truncated at query time: LanceDB's MaxSim always reads
every vector of a row, so a single full column would rank by budget 16 whatever budget was asked
and only an exact re-score of over-fetched candidates could approximate budget k; measured in
docs/BENCHMARKS.md ("Multi-vector search"): that approximation misses true budget-k neighbours,
while per-budget columns cost 1 + 2 + 4 + 8 + 16 = 31 instead of 16 vectors per row and are exact.

LanceDB scores a multi-vector query by MaxSim over cosine: `_distance` = sum over query vectors
of (1 - max cosine), so score = query vectors - `_distance` = sum_i max_j cos(q_i, d_j).
Budget k uses the query's first min(k, Q) vectors (Q: the model's query meta tokens, as trained)
against the column holding the documents' first k.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from indexer.ann import AnnConfig, indexed_columns

SINGLE, MULTI = "single", "multi"
VECTOR_KINDS = (SINGLE, MULTI)


class MultiKey(tuple):
    """The key of N's multi-vector matrices in a build's vectors dict, beside the plain N keys."""

    def __new__(cls, n):
        return super().__new__(cls, ("multi", n))

    def __getnewargs__(self):  # pickled as MultiKey(n) (tuple's own would give ("multi", ("multi", n)))
        return (self.n,)

    @property
    def n(self):
        return self[1]


def mv_column(n, budget: int) -> str:
    return f"mv_{'full' if n == 'full' else f'n{int(n)}'}_b{int(budget)}"


def mv_columns(ns, budgets) -> list[str]:
    return [mv_column(n, b) for n in ns for b in budgets]


def multivector_type(dim: int) -> pa.DataType:
    return pa.list_(pa.list_(pa.float32(), dim))


def multivector_fields(dim: int, ns, budgets) -> list[pa.Field]:
    return [pa.field(column, multivector_type(dim)) for column in mv_columns(ns, budgets)]


def vector_keys(meta) -> tuple:
    """What a build embeds for an index: every N, plus every N's matrices on a multi-vector index."""
    multi = tuple(MultiKey(n) for n in meta.ns) if getattr(meta, "vectors", SINGLE) == MULTI else ()
    return (*meta.ns, *multi)


def multivector_array(matrices: np.ndarray, budget: int) -> pa.ListArray:
    """(B, M, D) float32 -> a list<fixed_size_list<float32, D>> array of each row's first `budget`."""
    matrices = np.ascontiguousarray(np.asarray(matrices, dtype=np.float32)[:, :budget])  # (B, k, D)
    rows, k, dim = matrices.shape
    inner = pa.FixedSizeListArray.from_arrays(pa.array(matrices.ravel()), dim)  # (B * k,) of D
    offsets = pa.array(np.arange(0, rows * k + 1, k, dtype=np.int32))  # (B + 1,)
    return pa.ListArray.from_arrays(offsets, inner)


def multivector_columns(n, matrices: np.ndarray, budgets, documents: int) -> dict[str, pa.Array]:
    """The budget columns of N for `documents` rows; refuses matrices of the wrong shape."""
    matrices = np.asarray(matrices)
    if matrices.ndim != 3 or matrices.shape[0] != documents or matrices.shape[1] < max(budgets):
        raise ValueError(
            f"encoder gave multi-vectors of shape {matrices.shape} at N={n} for {documents} documents; "
            f"expected ({documents}, at least {max(budgets)}, dim)"
        )
    return {mv_column(n, b): multivector_array(matrices, b) for b in budgets}


def maxsim(query: np.ndarray, documents: np.ndarray) -> np.ndarray:
    """Reference late-interaction score: (q, D) and (B, M, D) -> (B,) sum_i max_j q_i . d_j."""
    return np.einsum("qd,bmd->bqm", query, documents).max(axis=-1).sum(axis=-1)


def check_budget(budget, meta) -> int:
    """The budget for a multi-vector search on the index `meta` describes; None means the largest."""
    budgets = tuple(getattr(meta, "budgets", ()) or ())
    if getattr(meta, "vectors", SINGLE) != MULTI:
        raise ValueError(
            f"budget {budget} asks for multi-vector search, but this index holds single vectors only "
            f"(built with {meta.model_id}); search it without a budget, or rebuild it with a "
            f"multi-vector model"
        )
    if budget is None:
        return max(budgets)
    if isinstance(budget, str) and budget.strip().isdigit():
        budget = int(budget)
    if not isinstance(budget, int) or isinstance(budget, bool) or budget not in budgets:
        raise ValueError(
            f"budget {budget!r} is not one of this index's budgets; valid budgets are "
            f"{', '.join(map(str, budgets))}"
        )
    return budget


def check_vectors(vectors: str | None, meta) -> str:
    """ "single" or "multi" (None: the index's own kind); multi on a single-vector index is refused."""
    kind = getattr(meta, "vectors", SINGLE)
    if vectors is None:
        return kind
    if vectors not in VECTOR_KINDS:
        raise ValueError(f"unknown vectors {vectors!r}; valid values are {', '.join(VECTOR_KINDS)}")
    if vectors == MULTI and kind != MULTI:
        raise ValueError(
            f"this index holds single vectors only (built with {meta.model_id}), so it cannot answer "
            f"a multi-vector query; search with vectors='single', or rebuild it with a multi-vector model"
        )
    return vectors


def check_multi_query(query: np.ndarray, budget: int, dim: int, query_tokens: int = 0) -> np.ndarray:
    """The query matrix's first min(budget, Q) rows as float32 (Q: the model's query meta-token count
    when known, `query_tokens`; a model may have fewer query than document tokens, e.g. 8 / 16)."""
    query = np.asarray(query, dtype=np.float32)
    used = min(budget, query_tokens) if query_tokens else budget
    if query.ndim != 2:
        raise ValueError(
            f"a multi-vector query is a (vectors, {dim}) matrix; got shape {query.shape} (a single "
            f"vector: search with vectors='single')"
        )
    if query.shape[1] != dim or query.shape[0] < used:
        raise ValueError(
            f"multi-vector query has shape {query.shape}; budget {budget} needs ({used}+, {dim})"
        )
    return np.ascontiguousarray(query[:used])  # (min(budget, Q), dim)


def encode_kinds(encoder, docs, keys, **options) -> dict:
    """`encode_all` for the plain N keys and `encode_all_multi` for the MultiKey ones, one dict;
    one forward per row gives both when every plain N is also a multi-vector N (an index's case)."""
    ns = [key for key in keys if not isinstance(key, MultiKey)]
    multi = [key.n for key in keys if isinstance(key, MultiKey)]
    if multi and set(ns) <= set(multi):
        singles, matrices = encoder.encode_all_kinds(docs, ns=multi, **options)
        return {n: singles[n] for n in ns} | {MultiKey(n): matrices[n] for n in multi}
    vectors = dict(encoder.encode_all(docs, ns=ns, **options)) if ns else {}
    if multi:
        options = {k: v for k, v in options.items() if k != "on_documents"}  # counted by the first pass
        matrices = encoder.encode_all_multi(docs, ns=multi, **options)
        vectors |= {MultiKey(n): matrices[n] for n in multi}
    return vectors


def wants_multi_index(config: AnnConfig, rows: int, dim: int, budget: int) -> bool:
    """The ANN policy of `indexer.ann` on the floats an exact MaxSim scan reads per row."""
    return config.wants_index(rows, dim * budget)


def refresh_multi_ann(table, meta, indices: dict, config: AnnConfig) -> dict:
    """Create or retrain the multivector ANN index (IVF_HNSW_SQ, cosine) of each budget column
    whose exact scan crosses the threshold; called after `refresh_ann` has run `optimize()`."""
    rows = table.count_rows()
    present = indexed_columns(table)
    for n in meta.ns:
        for budget in meta.budgets:
            column = mv_column(n, budget)
            trained = indices.get(column, {}).get("trained_rows", 0)
            grown = rows >= config.retrain_growth * max(1, trained)
            if wants_multi_index(config, rows, meta.dim, budget) and (column not in present or grown):
                table.create_index(column, config=config.index_config(rows * budget), replace=True)
                partitions = config.num_partitions(rows * budget)  # IVF over every stored vector
                indices = indices | {column: {"trained_rows": rows, "partitions": partitions}}
    return indices
