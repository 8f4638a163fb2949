"""Load on the real app (`python app.py` in a subprocess, gradio_client on 127.0.0.1): a burst of 50
concurrent searches all answer, each with the ranking its query gets alone; and searches keep being
answered while the Collection tab indexes a folder. The measuring version is bench/load.py, which
writes the figures to docs/BENCHMARKS.md (## Load)."""

from __future__ import annotations

import statistics

from bench.appclient import QueueCaller
from bench.load import burst, percentile, search_during_indexing

from .conftest import INDEXED_LATER_NOTES, SERVED_NOTES


def sample_images(collection):
    return sorted((collection / "img").glob("*.png"))[:8]


def test_fifty_concurrent_searches_all_answer_with_the_right_ranking(live_app, served_collection):
    url, _ = live_app
    result = burst(url, sample_images(served_collection), clients=50)
    assert result.errors == []
    assert len(result.latencies) == 50
    assert result.mismatches == 0  # concurrency never changes an answer
    p50, p95 = statistics.median(result.latencies), percentile(result.latencies, 95)
    print(f"50 concurrent searches: p50 {1000 * p50:.0f} ms, p95 {1000 * p95:.0f} ms, {result.wall_s:.1f} s")


def test_searches_are_answered_while_a_folder_is_being_indexed(live_app, served_collection, collections_root):
    url, _ = live_app
    during = search_during_indexing(url, collections_root / "later", sample_images(served_collection))
    assert during.index_ok, during.index_message
    assert during.errors == []
    # Searches were answered while the job ran, not queued behind it (with indexing blocking search,
    # the first search would return only after the whole folder was embedded).
    assert len(during.latencies) >= 3, (during.index_s, during.latencies, during.after)
    print(
        f"indexing {INDEXED_LATER_NOTES} notes took {during.index_s:.1f} s; {len(during.latencies)} searches "
        f"answered meanwhile, p50 {1000 * statistics.median(during.latencies):.0f} ms"
    )
    # Nothing lost: the index now serves both collections, and searches see the new one.
    stats = QueueCaller(url).call(QueueCaller(url).event("stats"), [])
    assert stats.success and f"<b>{SERVED_NOTES + INDEXED_LATER_NOTES}</b>" in stats.data[0]
