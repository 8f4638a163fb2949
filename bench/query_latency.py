"""End-to-end query latency (encode the interleaved query + search the index) on the demo model.

    python -m bench.query_latency                       # demo/model + demo/collection
    python -m bench.query_latency --model DIR --collection DIR --queries 100

The collection is indexed once into a temporary LanceDB directory (all stored N from one pass);
then each example query (text and images, as the app sends them) is run one at a time at every N,
round-robin so noise is shared. We report p50/p95 of the whole call and of its two parts.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.report import write_section
from indexer import Searcher, build_index
from indexer.sources import read_tiir_eval_set
from mme_core import MMEEncoder

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "demo" / "model"))
    parser.add_argument("--collection", default=str(ROOT / "demo" / "collection"))
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--ns", default="1,2,3,4,6")
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    ns = [int(n) if n.isdigit() else n for n in args.ns.split(",")]

    encoder = MMEEncoder.from_pretrained(args.model)
    queries = list(read_tiir_eval_set(args.collection).queries.values())[: args.queries]
    with tempfile.TemporaryDirectory() as tmp:
        report = build_index(args.collection, tmp, encoder, ns=ns, progress=False)
        searcher = Searcher.open(tmp, encoder)
        for query in queries[:3]:  # warm-up: allocator, kernels, table pages
            searcher.search(query, n=ns[0], k=10)
        timings = {n: {"total": [], "encode": [], "search": []} for n in ns}
        for query in queries:
            for n in ns:
                start = time.perf_counter()
                vector = encoder.encode([query], n=n, prompt_name="query")[0]
                encoded = time.perf_counter()
                searcher.search_vector(vector, n=n, k=10)
                done = time.perf_counter()
                timings[n]["total"].append((done - start) * 1000)
                timings[n]["encode"].append((encoded - start) * 1000)
                timings[n]["search"].append((done - encoded) * 1000)

    images = statistics.mean(len(q.images) for q in queries)
    lines = [
        f"{encoder.describe()}; index of {report.rows} document parts built in {report.seconds:.1f} s; "
        f"{len(queries)} example queries (mean {images:.1f} images), one at a time, k=10.",
        "",
        "| N | tokens/image | p50 ms | p95 ms | encode p50 ms | search p50 ms |",
        "|---|---|---|---|---|---|",
    ]
    for n in ns:
        t = timings[n]
        lines.append(
            f"| {n} | {encoder.tokens_per_image(n)} | {statistics.median(t['total']):.1f} | "
            f"{percentile(t['total'], 0.95):.1f} | {statistics.median(t['encode']):.1f} | "
            f"{statistics.median(t['search']):.1f} |"
        )
    body = "\n".join(lines)
    print(body)
    if args.write:
        write_section("Query latency end to end (demo model)", body)


if __name__ == "__main__":
    main()
