"""Fixture makers for the reader tests: real PNG/JPEG files through PIL, notes as bytes, warnings kept."""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path

from PIL import Image

from indexer.sources import CollectionWarning, read_collection
from mme_core.documents import InterleavedDoc, TextSegment


def png(path: Path, color: str = "red", size: tuple[int, int] = (32, 24)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)
    return path


def jpeg(path: Path, color: str = "blue") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (40, 30), color).save(path, format="JPEG")
    return path


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def read_warnings(root: Path) -> tuple[list[InterleavedDoc], list[CollectionWarning]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CollectionWarning)
        docs = read_collection(root)
    return docs, [w.message for w in caught if issubclass(w.category, CollectionWarning)]


def read_with_warnings(root: Path) -> tuple[list[InterleavedDoc], list[str]]:
    docs, caught = read_warnings(root)
    return docs, [str(w) for w in caught]


def shape(doc: InterleavedDoc, root: Path) -> list[str]:
    """Segments as 'T:<text>' / 'I:<path relative to root>' for exact comparisons."""
    return [
        f"T:{s.text}" if isinstance(s, TextSegment) else f"I:{Path(s.path).relative_to(root.resolve())}"
        for s in doc.segments
    ]


def settle(folder: Path, age: float = 30.0) -> None:
    """Date the folder and everything in it `age` seconds back, so the next change is seen as one."""
    when = time.time() - age
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, (when, when))
