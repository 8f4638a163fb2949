"""The default benchmark (5k docs, 1k queries, 6k train + 300 dev triples) generates whole and small.

Its generation time is a benchmark figure, measured by `python -m bench.synthetic_benchmark`
(docs/BENCHMARKS.md), not asserted here: a timed assertion only measures how busy the machine is.
"""

from __future__ import annotations

import pytest

from mme_data.synthetic import SyntheticConfig, generate


@pytest.mark.slow  # ~25 s alone on 2 cores
def test_default_benchmark_generates_whole_and_small(tmp_path):
    report = generate(tmp_path / "bench", SyntheticConfig())
    assert (report.docs, report.queries, report.train, report.dev) == (5000, 1000, 6000, 300)
    assert report.bytes < 40e6
