"""Obsidian canvases (`.canvas`, JSON Canvas 1.0): cards of text and pictures laid out on a board.

A canvas is read as one document in reading order: top to bottom, then left to right (by each
card's top-left corner). Text cards are Markdown (read as notes are: `markdown.py`); a file card
showing a picture is that picture (its `file` is a vault path, found as Obsidian finds it); a file
card showing a note reads as the note's name (the note is indexed on its own, as a transclusion);
a group reads as its label; web-link cards are dropped, as link URLs are in notes. The canvas is
titled by its file name, as Obsidian shows it. A file that is not JSON Canvas is reported by name
("unsupported type") and not indexed.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath

from indexer.sources.base import ImageLink, ParsedPage, decode_text, warn
from indexer.sources.images import ATTACHMENTS
from indexer.sources.markdown import parse_markdown


def parse_canvas(data: bytes, name: str) -> ParsedPage | None:
    """The canvas as one page; None (reported) when the file is not a JSON canvas."""
    title = PurePosixPath(name).stem
    try:
        canvas = json.loads(decode_text(data, name))
        nodes = canvas.get("nodes", []) if isinstance(canvas, dict) else None
        if not isinstance(nodes, list):
            raise ValueError("no list of nodes")
    except ValueError as err:
        warn(f"{name}: not a JSON canvas ({err}); not indexed", file=name, reason="unsupported type")
        return None
    items: list = []
    for node in sorted((n for n in nodes if isinstance(n, dict)), key=_position):
        kind = node.get("type")
        if kind == "text" and isinstance(node.get("text"), str):
            items += [*parse_markdown(node["text"].encode("utf-8"), name).items, "\n\n"]
        elif kind == "file" and isinstance(node.get("file"), str):
            path = node["file"]
            if path.lower().endswith(ATTACHMENTS):
                items.append(ImageLink(path, written=path, wiki=True))  # a vault path, Obsidian's rule
            else:
                items.append(PurePosixPath(path).stem + "\n\n")
        elif kind == "group" and isinstance(node.get("label"), str):
            items.append(node["label"] + "\n\n")
    return ParsedPage(tuple(items), title=title)


def _position(node: dict) -> tuple[float, float]:
    """Reading order on the board: top edge, then left edge (missing coordinates first)."""

    def number(key: str) -> float:
        value = node.get(key)
        return float(value) if isinstance(value, (int, float)) else float("-inf")

    return number("y"), number("x")
