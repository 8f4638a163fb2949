"""When to use an approximate (ANN) vector index, how to build it, and how to query through it.

Measured on 2 CPU cores with 2048-d vectors (docs/BENCHMARKS.md, DESIGN.md): LanceDB's exact
(flat) scan costs ~10 ms at 2k rows, ~50 ms at 5k and ~9 s at 1M, so small collections are
searched exactly and larger ones through IVF_HNSW_SQ with cosine distance.

Query parameters, measured at 1M rows with fresh queries (no result cached from an earlier run):
LanceDB's default HNSW breadth gives recall@10 0.73 without refine; `ef=100` alone gives 0.96 at
~17 ms. Re-ranking on the full vectors costs one random read of a full vector per candidate,
which on a table larger than the page cache dominates latency: `refine_factor=5` (DESIGN.md) gave
0.99 at 24-46 ms, `refine_factor=2` with `ef=100` gives 0.99 at ~19 ms. Hence ef 100, refine 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lancedb.index import IvfHnswSq


@dataclass(frozen=True)
class AnnConfig:
    """ANN policy. Defaults follow the measurements in DESIGN.md and docs/BENCHMARKS.md.

    exact_max_floats: rows x dim an exact scan may read per query (8M floats ~ 30 ms here); above
        it, and with at least `min_rows` rows, a vector column gets an IVF_HNSW_SQ index with
        about sqrt(rows) / 4 partitions.
    nprobes: partitions searched per query, raised for small tables until at least
        `min_probed_rows` rows are covered: probing a small partition costs little, and on small
        tables a fixed 10 probes miss true neighbours (recall@10 0.84 at 5k rows, 1.00 probing all).
    ef: candidates the HNSW graph search keeps per partition (LanceDB's default is far smaller).
    refine_factor: the ANN fetches k x this candidates and re-ranks them by exact cosine.
    retrain_growth: rebuild the index from scratch (new IVF centroids) once the table has grown
        this many times beyond the row count the index was trained on; smaller growth is absorbed
        by `optimize()`, which adds new rows to the existing partitions.
    """

    exact_max_floats: int = 8_000_000
    min_rows: int = 1_000
    m: int = 20
    ef_construction: int = 150
    nprobes: int = 10
    min_probed_rows: int = 20_000
    ef: int = 100
    refine_factor: int = 2
    retrain_growth: float = 4.0

    def wants_index(self, rows: int, dim: int) -> bool:
        return rows >= self.min_rows and rows * dim > self.exact_max_floats

    @staticmethod
    def num_partitions(rows: int) -> int:
        return max(1, round(math.sqrt(rows) / 4))

    def nprobes_for(self, rows: int, partitions: int) -> int:
        rows_per_partition = max(1, rows) / max(1, partitions)
        wanted = max(self.nprobes, math.ceil(self.min_probed_rows / rows_per_partition))
        return max(1, min(partitions, wanted))

    def index_config(self, rows: int) -> IvfHnswSq:
        return IvfHnswSq(
            distance_type="cosine",
            num_partitions=self.num_partitions(rows),
            m=self.m,
            ef_construction=self.ef_construction,
        )


def indexed_columns(table) -> dict[str, str]:
    """vector column -> index name, for the vector indices present on `table`."""
    indices = table.list_indices()
    return {config.columns[0]: config.name for config in indices if config.index_type.startswith("Ivf")}


def ann_is_stale(table, columns: list[str], dim: int, config: AnnConfig) -> bool:
    """True when a column should have an index and has none, or has rows its index does not cover."""
    present = indexed_columns(table)
    if config.wants_index(table.count_rows(), dim) and any(c not in present for c in columns):
        return True
    return any(table.index_stats(name).num_unindexed_rows > 0 for name in present.values())


def refresh_ann(table, columns: list[str], dim: int, indices: dict, config: AnnConfig) -> dict:
    """Create, extend or retrain the ANN index of each vector column as the table's size asks.

    `indices` is the index metadata's column -> {"trained_rows", "partitions"}; the updated mapping
    is returned. `optimize()` also compacts the small fragments that batched writes leave.
    """
    rows = table.count_rows()
    present = indexed_columns(table)
    indices = {column: info for column, info in indices.items() if column in present}
    table.optimize()  # compacts fragments and adds unindexed rows to existing indices
    for column in columns:
        trained = indices.get(column, {}).get("trained_rows", 0)
        grown = rows >= config.retrain_growth * max(1, trained)
        if config.wants_index(rows, dim) and (column not in present or grown):
            table.create_index(column, config=config.index_config(rows), replace=True)
            indices[column] = {"trained_rows": rows, "partitions": config.num_partitions(rows)}
    return indices


def vector_query(
    table, vector, column: str, k: int, config: AnnConfig, nprobes: int | None, where: str | None = None
):
    """The LanceDB query for the `k` nearest rows by cosine (MaxSim for a multivector column: `_distance`
    = query vectors - MaxSim); `nprobes=None` means exact (no index)."""
    query = table.search(vector, vector_column_name=column).distance_type("cosine").limit(k)
    if nprobes:
        query = query.nprobes(nprobes).ef(max(config.ef, k * config.refine_factor))
        query = query.refine_factor(config.refine_factor)
    if where:
        query = query.where(where, prefilter=True)
    return query


def plan_probes(
    table, known: dict, single: list[str], multi: list[str], config: AnnConfig
) -> tuple[dict, dict]:
    """(the table's columns with an ANN index, partitions to probe per vector column; None = searched
    exactly). `known`: the index's recorded ANN indices (their partition counts); `single`, `multi`:
    its single- and multi-vector columns (a multi-vector one without a recorded count is exact)."""
    indexed = indexed_columns(table)
    rows = table.count_rows()
    nprobes: dict[str, int | None] = {}
    for column in [*single, *multi]:
        info = known.get(column)
        if column not in indexed:
            nprobes[column] = None
        elif info:
            nprobes[column] = config.nprobes_for(rows, info["partitions"])
        else:
            nprobes[column] = config.nprobes if column in single else None
    return indexed, nprobes
