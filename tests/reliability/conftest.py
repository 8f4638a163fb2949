"""Fixtures for the reliability tests: one real `python app.py` on 127.0.0.1 (tiny DeepSeek-VL,
started offline in a subprocess) shared by the load, endpoint-security and query tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.appclient import running_app
from bench.indexing_throughput import make_collection

SERVED_NOTES = 40
INDEXED_LATER_NOTES = 120  # a folder the Collection tab indexes while searches run


@pytest.fixture(scope="session")
def served_collection(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("served")
    make_collection(folder, SERVED_NOTES, seed=21)
    return folder


@pytest.fixture(scope="session")
def collections_root(tmp_path_factory) -> Path:
    """The only folder the app may index from: holds one collection to index during searches."""
    root = tmp_path_factory.mktemp("roots")
    make_collection(root / "later", INDEXED_LATER_NOTES, seed=22)
    (root / "secret.txt").write_text("not a collection")
    return root


@pytest.fixture(scope="session")
def live_app(tiny_dsvl_dir, served_collection, collections_root, tmp_path_factory):
    """(url, work dir) of the running app; its log is work / "app.log"."""
    work = tmp_path_factory.mktemp("live-app")
    with running_app(tiny_dsvl_dir, served_collection, work, roots=[collections_root]) as url:
        yield url, work
