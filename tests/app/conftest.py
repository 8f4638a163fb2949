"""Fixtures for the app tests: an upload folder and a media registry over it."""

from __future__ import annotations

import pytest

from webapp.media import MediaRegistry


@pytest.fixture
def upload_root(tmp_path):
    root = tmp_path / "uploads"
    root.mkdir()
    return root


@pytest.fixture
def media(upload_root):
    return MediaRegistry(upload_root)
