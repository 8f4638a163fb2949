"""Multi-vector (MaxSim) search in LanceDB: index size and latency per budget, exact vs ANN, and
whether one column per N (truncated at query time) can stand in for one column per N and budget.

    nice -n 10 python -m bench.multivector_search --rows 100000 --dim 64 --queries 10
    python -m bench.multivector_search --quick             # 5k rows, a minute

Documents are synthetic clustered unit vectors: a document draws a cluster and each of its 16
vectors is the cluster centre plus its own noise; a query is 16 fresh vectors of a document's
cluster. Two layouts are written with `indexer.multivector`: per-budget columns (`mv_b1` ...
`mv_b16`, what the product stores) and one full column (`mv_b16` only). Ground truth for budget k
is a numpy MaxSim of the query's first k vectors against each document's first k
(`indexer.multivector.maxsim`). "Truncated" = the full column searched with the query's first k
vectors, over-fetching 4k candidates and re-scoring them exactly on their first k vectors: the
best a single column can do for budget k. Latency: median of one query at a time, k = 10.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import lancedb
import numpy as np
import pyarrow as pa

from indexer.ann import AnnConfig
from indexer.multivector import maxsim, multivector_array, multivector_query

BUDGETS = (1, 2, 4, 8, 16)
CLUSTERS = 1_000
CHUNK = 20_000
K = 10
OVERFETCH = 4


def unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def documents(rng, centres, count: int, vectors: int) -> np.ndarray:
    labels = rng.integers(0, len(centres), count)
    noise = rng.standard_normal((count, vectors, centres.shape[1]), dtype=np.float32)  # (B, M, D)
    return unit(centres[labels][:, None, :] + noise * (1.0 / np.sqrt(centres.shape[1])))


def write(db, name: str, matrices: np.ndarray, budgets) -> tuple:
    table = None
    for start in range(0, len(matrices), CHUNK):
        part = matrices[start : start + CHUNK]
        columns = {"id": pa.array(np.arange(start, start + len(part)))}
        columns |= {f"mv_b{b}": multivector_array(part, b) for b in budgets}
        data = pa.table(columns)
        table = db.create_table(name, data) if table is None else table
        if start:
            table.add(data)
    table.optimize()
    return table


def size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return (time.perf_counter() - start) * 1000, out


def top_ids(table, query: np.ndarray, column: str, config: AnnConfig, nprobes) -> np.ndarray:
    search = multivector_query(table, query, column, K, config, nprobes)
    return search.select(["id", "_distance"]).to_arrow()["id"].to_numpy()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--queries", type=int, default=10)
    parser.add_argument("--ann-budgets", default="4,16", help="budget columns given an ANN index")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    rows = 5_000 if args.quick else args.rows
    rng = np.random.default_rng(0)
    centres = unit(rng.standard_normal((CLUSTERS, args.dim)))
    docs = documents(rng, centres, rows, max(BUDGETS))  # (rows, 16, D)
    queries = documents(rng, centres, args.queries, max(BUDGETS))  # (Q, 16, D)
    root = Path(tempfile.mkdtemp(prefix="mv-bench-"))
    try:
        db = lancedb.connect(str(root))
        seconds, per_budget = timed(lambda: write(db, "per_budget", docs, BUDGETS))
        _, full_only = timed(lambda: write(db, "full_only", docs, (max(BUDGETS),)))
        print(f"rows {rows}, dim {args.dim}, write per-budget {seconds / 1000:.1f} s")
        print(
            f"size: per-budget columns {size_mb(root / 'per_budget.lance'):.0f} MB, "
            f"one full column {size_mb(root / 'full_only.lance'):.0f} MB"
        )
        config = AnnConfig()
        truth = {b: [np.argsort(-maxsim(q[:b], docs[:, :b]))[:K] for q in queries] for b in BUDGETS}
        print("| budget | exact ms | truncated-column ms | truncated recall@10 | exact recall@10 |")
        print("|---|---|---|---|---|")
        for b in BUDGETS:
            column = f"mv_b{b}"
            exact_ms, trunc_ms, exact_rec, trunc_rec = [], [], [], []
            for q, want in zip(queries, truth[b], strict=True):
                ms, got = timed(lambda q=q, b=b, c=column: top_ids(per_budget, q[:b], c, config, None))
                exact_ms.append(ms)
                exact_rec.append(len(set(got) & set(want)) / K)

                def truncated(q=q, b=b):
                    found = multivector_query(full_only, q[:b], "mv_b16", K * OVERFETCH, config, None)
                    found = found.select(["id", "mv_b16", "_distance"]).to_arrow()
                    vectors = np.stack(found["mv_b16"].to_numpy(zero_copy_only=False))  # (4K, 16)
                    matrices = np.array([np.stack(v) for v in vectors], dtype=np.float32)  # (4K, 16, D)
                    order = np.argsort(-maxsim(q[:b], matrices[:, :b]))[:K]
                    return found["id"].to_numpy()[order]

                ms, got = timed(truncated)
                trunc_ms.append(ms)
                trunc_rec.append(len(set(got) & set(want)) / K)
            print(
                f"| {b} | {statistics.median(exact_ms):.0f} | {statistics.median(trunc_ms):.0f} | "
                f"{statistics.mean(trunc_rec):.2f} | {statistics.mean(exact_rec):.2f} |",
                flush=True,
            )
        print("| budget | ANN build s | ANN index MB | ANN ms (nprobes, refine 2) | ANN recall@10 |")
        print("|---|---|---|---|---|")
        for b in (int(x) for x in args.ann_budgets.split(",") if x):
            column = f"mv_b{b}"
            build_ms, _ = timed(
                lambda column=column, b=b: per_budget.create_index(
                    column, config=config.index_config(rows * b), replace=True
                )
            )
            stats = next(i for i in per_budget.list_indices() if i.columns == [column])
            nprobes = config.nprobes_for(rows, config.num_partitions(rows * b))
            for q in queries[:2]:  # warm the partitions
                multivector_query(per_budget, q[:b], column, K, config, nprobes).to_arrow()
            latency, recall = [], []
            for q, want in zip(queries, truth[b], strict=True):
                probe = nprobes
                ms, got = timed(lambda q=q, b=b, c=column, p=probe: top_ids(per_budget, q[:b], c, config, p))
                latency.append(ms)
                recall.append(len(set(got) & set(want)) / K)
            print(
                f"| {b} | {build_ms / 1000:.0f} | {getattr(stats, 'size_bytes', 0) / 1e6:.0f} | "
                f"{statistics.median(latency):.0f} ({nprobes}) | {statistics.mean(recall):.2f} |",
                flush=True,
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
