"""The default benchmark generates in well under two minutes on one core (slow: run with -m slow)."""

from __future__ import annotations

import time

import pytest

from mme_data.synthetic import SyntheticConfig, generate


@pytest.mark.slow
def test_default_benchmark_generates_quickly(tmp_path):
    start = time.perf_counter()
    report = generate(tmp_path / "bench", SyntheticConfig())
    seconds = time.perf_counter() - start
    assert (report.docs, report.queries, report.train, report.dev) == (5000, 1000, 6000, 300)
    assert seconds < 120, f"default generation took {seconds:.0f} s"
    assert report.bytes < 40e6
