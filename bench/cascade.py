"""Multi-granularity cascade vs single-N search: MRR@10 on the synthetic benchmark, latency at scale.

    python -m mme_data.synthetic /tmp/split11 --docs 500 --queries 100 --seed 11
    nice -n 10 python -m bench.cascade --data /tmp/split11 --sizes 100000,1000000
    python -m bench.cascade --data /tmp/split11 --sizes 20000 --no-write     # a few minutes

Quality: the split's documents are indexed by the product (`build_index`, every N the model
stores), each query is embedded once at every N (`encode_all`, prompt "query"), and ranked by
`Searcher.search_vector` at each single N and by `indexer.cascade_search.search_cascade` for every
first-stage N, K and fusion asked; MRR@10 against the split's qrels. Latency: clustered random unit
vectors with one column per N (`bench.search_latency`'s rows; a row's vectors at different N are noisy copies
of one point, as an encoder's are), ANN indices by the product's policy on the first-stage column
and on the single-N baseline's column; one query at a time, a fresh query set per variant (no
variant finds its candidates in the page cache because another just read them). Recall@10 is
against a numpy brute force of each variant's own target ranking over every row: the single
column for single-N, the fusion over every row for the cascade (what K bounds).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.report import write_section
from bench.search_latency import CHUNK, CLUSTERS, chunk_rows, clustered, unit
from indexer.ann import AnnConfig, refresh_ann
from indexer.cascade import DEFAULT_K, Cascade
from indexer.cascade_search import search_cascade
from indexer.schema import vector_column
from indexer.search import Searcher
from indexer.store import Index, IndexMeta
from mme_core.evaluation.metrics import evaluate_rankings

NS = (1, 2, 3, 4, 6)
SPREAD = 0.6  # noise norm between a row's vectors at two N (cosine between them ~0.85)


# --- quality ---------------------------------------------------------------------------------------
def quality(data: Path, model: str, first_ns, ks, full_tops, workdir: Path) -> tuple[list[dict], dict]:
    from indexer.build import DEFAULT_NS, build_index
    from indexer.sources import read_tiir_eval_set
    from mme_core import MMEEncoder

    encoder = MMEEncoder.from_pretrained(model, device="cpu", dtype="float32")
    uri = workdir / "synthetic-index"
    ns = DEFAULT_NS  # what `python -m indexer add` stores
    build_index(data, uri, encoder, ns, progress=False, name="synthetic")
    evalset = read_tiir_eval_set(data)
    qids = list(evalset.queries)
    queries = [evalset.queries[qid] for qid in qids]
    vectors = encoder.encode_all(queries, ns, prompt_name="query")  # {n: (Q, dim)}
    timing = query_encoding(encoder, queries[:20], ns)
    searcher = Searcher.open(uri, encoder, warm=False)

    def mrr(search) -> float:
        rankings = {qid: [h.id.partition("/")[2] for h in search(i)] for i, qid in enumerate(qids)}
        return 100 * evaluate_rankings(rankings, evalset.relevant, ["MRR@10"])["MRR@10"]

    rows = [
        {"method": f"single N={n}", "mrr": mrr(lambda i, n=n: searcher.search_vector(vectors[n][i], n, 10))}
        for n in ns
    ]
    for first_n in first_ns:
        for fusion in ("mean", "max-n"):
            for k in ks:
                cascade = Cascade(first_n, k, fusion)

                def search(i, c=cascade):
                    return search_cascade(searcher, {n: v[i] for n, v in vectors.items()}, 10, c)

                rows.append({"method": f"cascade N={first_n}, K={k}, {fusion}", "mrr": mrr(search)})
    for fusion in ("mean", "max-n"):
        for top in full_tops:  # the real path: query encoded by `search`, documents re-read and re-encoded
            cascade = Cascade(min(ns), DEFAULT_K, fusion, top)
            started = time.perf_counter()
            score = mrr(lambda i, c=cascade: searcher.search(queries[i], k=10, cascade=c))
            seconds = (time.perf_counter() - started) / len(queries)
            label = f"cascade N={min(ns)}, K={DEFAULT_K}, {fusion}, full tokens for the top {top}"
            rows.append({"method": label, "mrr": score, "seconds": seconds})
    for row in rows:
        print(f"  {row['method']}: MRR@10 {row['mrr']:.1f}")
    return rows, timing


def query_encoding(encoder, queries, ns) -> dict:
    """Median seconds to embed one query at the largest N vs at every N, alternated (same load)."""
    encoder.encode_all(queries[:1], ns, prompt_name="query")  # warm-up
    one, every = [], []
    for query in queries:
        started = time.perf_counter()
        encoder.encode([query], n=max(ns), prompt_name="query")
        one.append(time.perf_counter() - started)
        started = time.perf_counter()
        encoder.encode_all([query], ns, prompt_name="query")
        every.append(time.perf_counter() - started)
    return {"one N": float(np.median(one)), "every N": float(np.median(every))}


# --- latency ---------------------------------------------------------------------------------------
def related(rng: np.random.Generator, base: np.ndarray) -> np.ndarray:
    noise = rng.standard_normal(base.shape, dtype=np.float32) * (SPREAD / np.sqrt(base.shape[1]))
    return unit(base + noise)


def per_n(rng: np.random.Generator, base: np.ndarray) -> dict:
    return {n: related(rng, base) for n in NS}  # {n: (c, D)}


class TopK:
    """Running exact top-k row numbers per query over chunks of scores."""

    def __init__(self, queries: int, k: int = 10) -> None:
        self.scores = np.full((queries, k), -np.inf, dtype=np.float32)
        self.rows = np.zeros((queries, k), dtype=np.int64)
        self.k = k

    def add(self, start: int, scores: np.ndarray) -> None:  # scores (Q, c)
        numbers = np.arange(start, start + scores.shape[1])[None].repeat(len(scores), 0)  # (Q, c)
        both = np.concatenate([self.scores, scores], axis=1)  # (Q, k + c)
        ids = np.concatenate([self.rows, numbers], axis=1)  # (Q, k + c)
        top = np.argsort(-both, axis=1)[:, : self.k]
        self.scores, self.rows = np.take_along_axis(both, top, 1), np.take_along_axis(ids, top, 1)


def fill_and_truth(index: Index, rows: int, centres: np.ndarray, queries: dict, single_n) -> dict:
    """Write the rows; return exact top-10 per query for each target: 'single', 'mean', 'max-n'."""
    rng = np.random.default_rng(1)
    targets = {"single": TopK(len(queries[1])), "mean": TopK(len(queries[1])), "max-n": TopK(len(queries[1]))}
    for start in range(0, rows, CHUNK):
        columns = per_n(rng, clustered(rng, centres, min(CHUNK, rows - start)))
        index.upsert(chunk_rows(start, columns, index.table.schema))
        scores = {n: queries[n] @ columns[n].T for n in NS}  # {n: (Q, c)}
        targets["single"].add(start, scores[single_n])
        targets["mean"].add(start, np.mean([scores[n] for n in NS], axis=0))
        targets["max-n"].add(start, scores[max(NS)])
        print(f"  wrote {start + CHUNK:,} rows", end="\r", flush=True)
    print()
    return {name: top.rows for name, top in targets.items()}


def latency(rows: int, dim: int, n_queries: int, ks, single_n, workdir: Path) -> list[dict]:
    rng = np.random.default_rng(0)
    centres = unit(rng.standard_normal((CLUSTERS, dim), dtype=np.float32))  # (C, D)
    variants = [("single", None)] + [(fusion, k) for fusion in ("mean", "max-n") for k in ks]
    qrng = np.random.default_rng(2)
    queries = per_n(qrng, clustered(qrng, centres, len(variants) * n_queries))  # {n: (V * Q, D)}
    meta = IndexMeta(model_id="synthetic", fingerprint="synthetic-cascade", dim=dim, ns=NS)
    uri = workdir / f"cascade{rows}"
    index = Index.open_or_create(uri, meta)
    truth = fill_and_truth(index, rows, centres, queries, single_n)
    config, first = AnnConfig(), vector_column(min(NS))
    started = time.perf_counter()
    columns = list(dict.fromkeys([first, vector_column(single_n)]))
    index.update_meta(ann_indices=refresh_ann(index.table, columns, dim, {}, config))
    build = time.perf_counter() - started
    searcher = Searcher(Index.open(uri), encoder=None, ann=config, warm=True)
    searches, methods = [], []
    for fusion, k in variants:
        if fusion == "single":
            searches.append(lambda q: [h.id for h in searcher.search_vector(q[single_n], single_n, 10)])
            methods.append(f"single N={single_n}")
        else:
            cascade = Cascade(min(NS), k, fusion)
            searches.append(lambda q, c=cascade: [h.id for h in search_cascade(searcher, q, 10, c)])
            methods.append(f"cascade N={min(NS)}, K={k}, {fusion}")
    # round robin: query i of every variant before query i + 1 of any, so load changes hit all alike
    latencies = [[] for _ in variants]
    recalls = [[] for _ in variants]
    for i in range(n_queries):
        for number, ((fusion, _), search) in enumerate(zip(variants, searches, strict=True)):
            row = number * n_queries + i
            started = time.perf_counter()
            ids = search({n: queries[n][row] for n in NS})
            latencies[number].append(1000 * (time.perf_counter() - started))
            found = {int(doc_id.removeprefix("doc")) for doc_id in ids}
            recalls[number].append(len(found & set(truth[fusion][row].tolist())) / 10)
    results = []
    for method, times, recall in zip(methods, latencies, recalls, strict=True):
        p50, p95 = float(np.percentile(times, 50)), float(np.percentile(times, 95))
        results.append(
            dict(rows=rows, method=method, p50=p50, p95=p95, recall=float(np.mean(recall)), build=build)
        )
        print(f"  {method}: p50 {p50:.1f} ms p95 {p95:.1f} ms recall {np.mean(recall):.3f}")
    return results


# --- report ----------------------------------------------------------------------------------------
def report(quality_rows, timing, latency_rows, args, load: str) -> str:
    lines = [f"Machine load when it started (uptime): {load}.", ""]
    if quality_rows:
        lines += [
            f"### Quality: MRR@10 on `{args.data}` (seed-11 split, 500 documents / 100 queries), "
            f"model `{args.model}`",
            "",
            "| ranking | MRR@10 | s per query (full-token rows: whole search) |",
            "|---|---:|---:|",
            *(
                f"| {r['method']} | {r['mrr']:.1f} | {r['seconds']:.2f} |"
                if "seconds" in r
                else f"| {r['method']} | {r['mrr']:.1f} | |"
                for r in quality_rows
            ),
            "",
            f"Query encoding (demo model, CPU, one query, median of 20, alternated): "
            f"{1000 * timing['one N']:.0f} ms at one N, {1000 * timing['every N']:.0f} ms at every stored N "
            "(what the cascade's mean fusion needs; one vision pass, one language-model pass per N).",
            "",
        ]
    if latency_rows:
        lines += [
            f"### Latency: search only (query vectors given), D = {args.dim}, {len(NS)} vector columns "
            f"(N = {', '.join(map(str, NS))}), k = 10, {args.queries} fresh queries per row",
            "",
            "Recall@10 is against each row's own exact target over every row (single column, or the "
            "fusion over every row). Index build = `refresh_ann` on the first-stage and baseline columns.",
            "",
            "| rows | method | p50 ms | p95 ms | recall@10 | index build s |",
            "|---:|---|---:|---:|---:|---:|",
            *(
                f"| {r['rows']:,} | {r['method']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['recall']:.3f} | "
                f"{r['build']:.0f} |"
                for r in latency_rows
            ),
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", help="a synthetic split (python -m mme_data.synthetic ...); none: no quality run"
    )
    parser.add_argument("--model", default=str(Path(__file__).resolve().parents[1] / "demo" / "model"))
    parser.add_argument("--first-ns", default="1,3", help="first-stage N tried in the quality run")
    parser.add_argument("--ks", default="10,20,50,100,200", help="cascade K tried in the quality run")
    parser.add_argument("--full-tops", default="3", help="full-token stage sizes tried (empty: none)")
    parser.add_argument("--sizes", default="100000", help="latency table sizes (empty: no latency run)")
    parser.add_argument("--latency-ks", default="20,50,100,200")
    parser.add_argument("--single-n", type=int, default=3, help="the single-N baseline's column")
    parser.add_argument("--dim", type=int, default=2048)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--workdir", help="where the LanceDB tables go (default: a temporary directory)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/BENCHMARKS.md alone")
    args = parser.parse_args(argv)
    load = os.popen("uptime").read().strip()
    print(load)
    quality_rows, timing, latency_rows = [], {}, []
    with tempfile.TemporaryDirectory(dir=args.workdir) as scratch:
        workdir = Path(scratch)
        if args.data:
            first_ns = [int(n) for n in args.first_ns.split(",")]
            ks = [int(k) for k in args.ks.split(",")]
            full_tops = [int(f) for f in args.full_tops.split(",") if f]
            quality_rows, timing = quality(Path(args.data), args.model, first_ns, ks, full_tops, workdir)
        for rows in [int(s) for s in args.sizes.split(",") if s]:
            print(f"{rows:,} rows, D = {args.dim}; load average {os.getloadavg()[0]:.1f}")
            ks = [int(k) for k in args.latency_ks.split(",")]
            latency_rows += latency(rows, args.dim, args.queries, ks, args.single_n, workdir)
    body = report(quality_rows, timing, latency_rows, args, load)
    print(body)
    if not args.no_write:
        command = "python -m bench.cascade " + " ".join(argv if argv is not None else sys.argv[1:])
        write_section("Multi-granularity cascade", body, command.strip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
