"""Helpers shared by the app tests: a small Markdown collection, a free port, serving a page."""

from __future__ import annotations

import socket
from contextlib import contextmanager
from pathlib import Path

from webapp.fallback import draw_shape

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
