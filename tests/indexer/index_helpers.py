"""Helpers for the index tests: a note collection writer and encoder wrappers that fail or count."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

NOTES = {  # name -> (colour, shape, text)
    "paint-fence": ("red", "circle", "Sand the fence, then brush on two thin coats of red paint."),
    "fix-sink": ("blue", "square", "Unscrew the trap under the sink and rinse it with warm water."),
    "bake-bread": ("orange", "circle", "Knead the dough for ten minutes and let it rise twice."),
    "plant-tomato": ("green", "square", "Dig a deep hole, bury the stem and water the tomato daily."),
    "fold-paper": ("purple", "circle", "Fold the square sheet along both diagonals, then open it."),
}


def draw(path: Path, color: str, shape: str, size: tuple[int, int] = (96, 80)) -> Path:
    image = Image.new("RGB", size, "white")
    box = (size[0] // 6, size[1] // 6, size[0] * 5 // 6, size[1] * 5 // 6)
    (ImageDraw.Draw(image).ellipse if shape == "circle" else ImageDraw.Draw(image).rectangle)(box, fill=color)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def write_note(folder: Path, name: str, color: str, shape: str, text: str) -> Path:
    draw(folder / "img" / f"{name}.png", color, shape)
    note = folder / f"{name}.md"
    note.write_text(f"# How to {name.replace('-', ' ')}\n\n{text}\n\n![step](img/{name}.png)\n\nDone.\n")
    return note


class FailingEncoder:
    """Wraps an encoder and raises (like a crash) once `encode_all` has run `fail_after` times."""

    def __init__(self, inner, fail_after: int) -> None:
        self.inner, self.fail_after, self.calls = inner, fail_after, 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def encode_all(self, *args, **kwargs):
        if self.calls >= self.fail_after:
            raise RuntimeError("simulated crash")
        self.calls += 1
        return self.inner.encode_all(*args, **kwargs)


class CountingEncoder(FailingEncoder):
    """Counts the documents it embeds."""

    def __init__(self, inner) -> None:
        super().__init__(inner, fail_after=10**9)
        self.embedded: list[str] = []

    def encode_all(self, docs, *args, **kwargs):
        self.embedded += [doc.id for doc in docs]
        return super().encode_all(docs, *args, **kwargs)


def unit_rows(rng: np.random.Generator, count: int, dim: int, clusters: int = 8) -> np.ndarray:
    centres = rng.standard_normal((clusters, dim))
    noise = 0.5 * rng.standard_normal((count, dim))
    points = centres[rng.integers(0, clusters, count)] + noise  # (count, dim)
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def hit_lines(out: str) -> list[str]:
    """The result lines `python -m indexer search` prints, without the quotes indented under them."""
    return [line for line in out.splitlines() if not line.startswith("       ")]
