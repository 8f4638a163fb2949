"""Load on the real app: concurrent searches through the Gradio API, and searches during indexing.

    nice -n 10 python -m bench.load              # writes "## Load" in docs/BENCHMARKS.md (~3 min)
    python -m bench.load --quick                 # smaller, prints only

`python app.py` runs in a subprocess on 127.0.0.1 with the tiny random-weight DeepSeek-VL (built
offline) over a generated Markdown collection. Then:
1. burst: `--clients` searches (half text-only, half text + an uploaded picture) released at once
   through gradio_client's `/search` endpoint; every answer is checked against the ranking the same
   query got alone, before the burst. Latency is per request, client side, queueing included.
2. indexing: a folder of `--index-docs` more notes is indexed through the Collection tab's event
   (the queue call the page makes), and searches run back to back until it finishes; each is timed
   and counted as "during indexing" if it finished before the indexing job did.
Everything stays on loopback; the loops are bounded by counts and deadlines.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from bench.appclient import QueueCaller, running_app
from bench.indexing_throughput import make_collection
from bench.report import write_section

QUERY_TEXTS = ("how to paint a sign", "fold the paper in half", "rinse the pipe", "knead the dough")


@dataclass
class Burst:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    mismatches: int = 0
    wall_s: float = 0.0


@dataclass
class DuringIndexing:
    index_s: float = 0.0
    index_ok: bool = False
    index_message: str = ""
    latencies: list[float] = field(default_factory=list)  # searches that finished while it ran
    after: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def queries(images: list[Path], count: int) -> list[list]:
    """Alternately text-only and text + picture + text, so uploads are part of the load."""
    from gradio_client import handle_file

    made = []
    for i in range(count):
        text = QUERY_TEXTS[i % len(QUERY_TEXTS)]
        made.append([text] if i % 2 == 0 else [text, handle_file(str(images[i % len(images)])), "what next?"])
    return made


def ranked_ids(records: list[dict]) -> list[str]:
    return [record["id"] for record in records]


def burst(url: str, images: list[Path], clients: int, n: int = 3, k: int = 5) -> Burst:
    """`clients` searches released together; answers checked against the same queries run alone."""
    from gradio_client import Client

    client = Client(url, verbose=False, max_workers=clients + 8)
    work = queries(images, clients)
    expected = {}
    for i in range(min(len(work), 2 * len(QUERY_TEXTS))):  # each distinct query once, alone
        expected[i] = ranked_ids(client.predict(work[i], n, k, api_name="/search"))
    result = Burst()
    gate = threading.Barrier(clients)
    lock = threading.Lock()

    def one(i: int) -> None:
        gate.wait(timeout=120)
        started = time.perf_counter()
        try:
            records = client.predict(work[i], n, k, api_name="/search")
        except Exception as err:  # noqa: BLE001 - every failure is counted and reported
            with lock:
                result.errors.append(f"{type(err).__name__}: {err}")
            return
        elapsed = time.perf_counter() - started
        with lock:
            result.latencies.append(elapsed)
            if ranked_ids(records) != expected[i % len(expected)]:
                result.mismatches += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, range(clients)))
    result.wall_s = time.perf_counter() - started
    return result


def one_at_a_time(url: str, images: list[Path], count: int, n: int = 3, k: int = 5) -> Burst:
    """The reference: the same kind of queries, each sent after the previous one answered."""
    result = Burst()
    started = time.perf_counter()
    for _ in range(count):
        single = burst(url, images, clients=1, n=n, k=k)
        result.latencies += single.latencies
        result.errors += single.errors
        result.mismatches += single.mismatches
    result.wall_s = time.perf_counter() - started
    return result


def search_during_indexing(
    url: str, folder: Path, images: list[Path], max_searches: int = 400, deadline_s: float = 600
) -> DuringIndexing:
    """Index `folder` through the page's event; meanwhile search back to back until it ends."""
    from gradio_client import Client

    client = Client(url, verbose=False)
    caller = QueueCaller(url, timeout_s=deadline_s)
    event = caller.event("index_folder")
    result = DuringIndexing()
    done = threading.Event()
    finished_at: list[float] = []

    def index() -> None:
        started = time.perf_counter()
        outcome = caller.call(event, [str(folder), "", False, False])  # folder, name, words, downloads
        finished_at.append(time.perf_counter())
        result.index_s = time.perf_counter() - started
        html = (outcome.data or [""])[0] if outcome.success else str(outcome.error)
        result.index_ok = outcome.success and "mme-success" in html and " added" in html
        result.index_message = html
        done.set()

    worker = threading.Thread(target=index, daemon=True)
    worker.start()
    work = queries(images, 2 * len(QUERY_TEXTS))
    started = time.monotonic()
    timings = []
    for i in range(max_searches):
        if done.is_set() or time.monotonic() - started > deadline_s:
            break
        began = time.perf_counter()
        try:
            client.predict(work[i % len(work)], 3, 5, api_name="/search")
            timings.append((time.perf_counter(), time.perf_counter() - began))
        except Exception as err:  # noqa: BLE001
            result.errors.append(f"{type(err).__name__}: {err}")
    worker.join(timeout=deadline_s)
    end = finished_at[0] if finished_at else float("inf")
    result.latencies = [seconds for at, seconds in timings if at <= end]
    result.after = [seconds for at, seconds in timings if at > end]
    return result


def row(label: str, result: Burst) -> str:
    requests = len(result.latencies) + len(result.errors)
    return (
        f"| {label} | {requests} | {len(result.errors)} | {result.mismatches} | {summary(result.latencies)} |"
    )


def summary(values: list[float]) -> str:
    if not values:
        return "– | – | –"
    return (
        f"{1000 * statistics.median(values):.0f} | {1000 * percentile(values, 95):.0f} | "
        f"{1000 * max(values):.0f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50, help="concurrent searches in the burst")
    parser.add_argument("--docs", type=int, default=200, help="notes the app serves")
    parser.add_argument("--index-docs", type=int, default=400, help="notes indexed during the searches")
    parser.add_argument("--quick", action="store_true", help="20 clients, 40 + 60 notes, nothing written")
    args = parser.parse_args(argv)
    if args.quick:
        args.clients, args.docs, args.index_docs = 20, 40, 60
    from mme_data.tiny import build_tiny

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        model = build_tiny("deepseek_vl", tmp / "tiny")
        make_collection(tmp / "served", args.docs, seed=1)
        make_collection(tmp / "roots" / "more", args.index_docs, seed=2)
        images = sorted((tmp / "served" / "img").glob("*.png"))[:8]
        with running_app(model, tmp / "served", tmp / "app", roots=[tmp / "roots"], timeout_s=1200) as url:
            burst(url, images, clients=1)  # warm-up
            quiet = one_at_a_time(url, images, count=20)
            loaded = burst(url, images, clients=args.clients)
            during = search_during_indexing(url, tmp / "roots" / "more", images)

    from webapp.layout import SEARCH_CONCURRENCY

    outcome = "succeeded" if during.index_ok else "FAILED: " + during.index_message[:200]
    lines = [
        f"`python app.py` (tiny random-weight DeepSeek-VL, float32, CPU) serving {args.docs} generated notes "
        f"(2 pictures each), searched at N = 3, k = 5 through gradio_client on 127.0.0.1. Search events "
        f"share one concurrency group of {SEARCH_CONCURRENCY} workers; indexing has its own (limit 1). "
        "Latency is client-side per request, queueing and picture upload included. "
        "The 2 cores were shared with other jobs.",
        "",
        "| load | requests | errors | wrong rankings | p50 ms | p95 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
        row("one client at a time", quiet),
        row(f"{args.clients} concurrent", loaded),
        f"| back to back while indexing {args.index_docs} notes | {len(during.latencies)} | "
        f"{len(during.errors)} | – | {summary(during.latencies)} |",
        "",
        f"The burst of {args.clients} took {loaded.wall_s:.1f} s in all "
        f"({len(loaded.latencies) / loaded.wall_s:.1f} searches/s). The indexing job took "
        f"{during.index_s:.1f} s ({outcome}); {len(during.latencies)} searches completed while it ran.",
    ]
    body = "\n".join(lines)
    print(body)
    failed = loaded.errors or loaded.mismatches or during.errors or not during.index_ok
    if failed:
        print("errors:", loaded.errors[:5], during.errors[:5], file=sys.stderr)
    if not args.quick:
        write_section("Load", body)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
