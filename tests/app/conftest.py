"""Fixtures for the app tests: a small real collection indexed with the tiny DeepSeek-VL, an upload
folder and a media registry over it."""

from __future__ import annotations

from pathlib import Path

import pytest

from webapp.media import MediaRegistry

from .helpers import APP_NS, write_notes


@pytest.fixture(scope="session")
def app_collection(tmp_path_factory) -> Path:
    return write_notes(tmp_path_factory.mktemp("notes"))


@pytest.fixture(scope="session")
def app_index(app_collection, tiny_dsvl, tmp_path_factory) -> str:
    from indexer import build_index

    uri = str(tmp_path_factory.mktemp("index") / "mme")
    build_index(str(app_collection), uri, tiny_dsvl, ns=APP_NS, progress=False)
    return uri


@pytest.fixture(scope="session")
def app_searcher(app_index, tiny_dsvl):
    from indexer import Searcher

    return Searcher.open(app_index, tiny_dsvl)


@pytest.fixture
def upload_root(tmp_path):
    root = tmp_path / "uploads"
    root.mkdir()
    return root


@pytest.fixture
def media(upload_root):
    return MediaRegistry(upload_root)
