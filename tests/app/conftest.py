"""Fixtures for the app tests: a small real collection indexed with the tiny DeepSeek-VL, an upload
folder and a media registry over it, and a helper that serves a page on 127.0.0.1."""

from __future__ import annotations

import socket
from contextlib import contextmanager
from pathlib import Path

import pytest

from webapp.fallback import draw_shape
from webapp.media import MediaRegistry

APP_NS = (1, 2, 3, 4, 6)
NOTES = {
    "fold-red-circle": ("Fold a red circle", "red", "circle", "Cut the red paper.", "Fold it in half."),
    "paint-blue-square": ("Paint a blue square", "blue", "square", "Sketch it.", "Fill it with blue."),
    "sort-green-triangle": ("Sort green triangles", "green", "triangle", "Gather them.", "Keep green."),
    "stack-orange-square": ("Stack orange squares", "orange", "square", "Find them.", "Stack them up."),
    "trace-purple-circle": ("Trace a purple circle", "purple", "circle", "Take a cup.", "Trace around it."),
    "glue-red-triangle": ("Glue a red triangle", "red", "triangle", "Spread glue.", "Press it."),
}


def write_notes(root: Path) -> Path:
    """Markdown notes whose image sits between two steps, as people write them."""
    for name, (title, colour, shape, before, after) in NOTES.items():
        image = draw_shape(root / "images" / f"{colour}_{shape}.png", colour, shape)
        text = f"# {title}\n\n1. {before}\n\n![{colour} {shape}](images/{image.name})\n\n2. {after}\n"
        (root / f"{name}.md").write_text(text, encoding="utf-8")
    return root


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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(demo):
    """Launch a Blocks on 127.0.0.1 in this process (background thread); yield its URL."""
    from webapp import launch_options

    port = free_port()
    demo.queue().launch(
        server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **launch_options()
    )
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()
