"""A small synthetic benchmark generated once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

from mme_data.synthetic import SyntheticConfig, generate


@pytest.fixture(scope="session")
def small_config() -> SyntheticConfig:
    return SyntheticConfig(docs=60, queries=20, train=24, dev=12, seed=3)


@pytest.fixture(scope="session")
def small_benchmark(tmp_path_factory, small_config) -> Path:
    out = tmp_path_factory.mktemp("synthetic") / "bench"
    generate(out, small_config)
    return out
