"""The one data contract: an interleaved document is an ordered list of text and image segments.

Everything downstream (encoder, index, app) speaks `InterleavedDoc`. Conversion to and from the
wikiHow-TIIR `data` list lives here so that the dataset format is read in exactly one place.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import Image

from .images import MAX_IMAGE_PIXELS, FitSize, decode_image

__all__ = ["MAX_IMAGE_PIXELS", "ImageSegment", "InterleavedDoc", "TextSegment", "decode_image"]

# .heic/.heif: phone photos (iPhones take them by default), read through pillow-heif; .avif: Pillow 11+
IMAGE_EXTENSIONS = (
    *(".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff"),
    *(".heic", ".heif", ".avif"),
    *(".svg", ".svgz"),  # drawn at the model's size (svg.py)
)


@dataclass(frozen=True)
class TextSegment:
    text: str

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise ValueError(f"TextSegment.text must be a str, got {type(self.text).__name__}")


@dataclass(frozen=True)
class ImageSegment:
    """An image by path. Pixels are decoded lazily and at most once per encoder call.

    `name` is the file as the person gave it (a link as written, an upload's original name), for
    messages; the path may be a resolved or temporary one. It takes no part in equality.
    """

    path: str
    name: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.path, str) or not self.path:
            raise ValueError(f"ImageSegment.path must be a non-empty str, got {self.path!r}")

    @property
    def display_name(self) -> str:
        return self.name or self.path

    def read_bytes(self) -> bytes:
        path = Path(self.path)
        if not path.is_file():
            raise ValueError(f"image not found: {self.display_name}")
        data = path.read_bytes()
        if not data:
            raise ValueError(f"image is empty (0 bytes): {self.display_name}")
        return data

    def load(self, fit: FitSize | None = None) -> Image.Image:
        """Decode to upright RGB (at `fit`'s size, see `mme_core.images`), turning every decoder
        failure into a ValueError that names the file."""
        return decode_image(self.read_bytes(), name=self.display_name, fit=fit)

    def content_hash(self) -> str:
        """SHA-256 of the file's bytes, read once per (size, mtime) in this process."""
        try:
            stat = os.stat(self.path)
        except OSError:
            self.read_bytes()  # raises "image not found: NAME"
            raise
        return _digest(self.path, stat.st_size, stat.st_mtime_ns, self.display_name)


Segment = TextSegment | ImageSegment


@lru_cache(maxsize=65536)
def _digest(path: str, size: int, mtime_ns: int, name: str) -> str:
    """Keyed by the file's size and mtime, as build tools do: a re-run hashes only what changed."""
    return hashlib.sha256(ImageSegment(path, name).read_bytes()).hexdigest()


@dataclass(frozen=True)
class InterleavedDoc:
    """An ordered sequence of segments plus provenance.

    `id` is stable across runs (readers derive it from the source path), `part` numbers the pieces
    of a document that was split to fit the encoder's token budget.
    """

    segments: tuple[Segment, ...]
    id: str = ""
    title: str = ""
    source: str = ""
    part: int = 0
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        segments = tuple(self.segments)
        object.__setattr__(self, "segments", segments)
        if not segments:
            raise ValueError(f"empty document{f' {self.id!r}' if self.id else ''}: it has no segments")
        for position, segment in enumerate(segments):
            if not isinstance(segment, (TextSegment, ImageSegment)):
                raise ValueError(
                    f"unknown segment type {type(segment).__name__} at position {position}; "
                    "valid types are TextSegment and ImageSegment"
                )
        if not any(isinstance(s, ImageSegment) or s.text.strip() for s in segments):
            raise ValueError(f"empty document{f' {self.id!r}' if self.id else ''}: all text is blank")

    @property
    def images(self) -> list[ImageSegment]:
        return [s for s in self.segments if isinstance(s, ImageSegment)]

    @property
    def text(self) -> str:
        """All text joined, for full-text search and display."""
        return "\n".join(s.text for s in self.segments if isinstance(s, TextSegment))

    def text_only(self) -> InterleavedDoc | None:
        """The same document without its images (None when it has no text), for diagnostics."""
        texts = [s for s in self.segments if isinstance(s, TextSegment) and s.text.strip()]
        return InterleavedDoc(tuple(texts), id=self.id, title=self.title) if texts else None

    def images_only(self) -> InterleavedDoc | None:
        images = self.images
        return InterleavedDoc(tuple(images), id=self.id, title=self.title) if images else None

    def validate(self) -> None:
        """Decode every image once; raises ValueError naming the first bad one."""
        for image in self.images:
            image.load()

    def content_hash(self) -> str:
        """Hash of the text and the image *bytes*, so an edited picture re-embeds even if renamed."""
        digest = hashlib.sha256()
        for segment in self.segments:
            if isinstance(segment, TextSegment):
                digest.update(b"T" + segment.text.encode("utf-8") + b"\0")
            else:
                digest.update(b"I" + segment.content_hash().encode() + b"\0")
        return digest.hexdigest()

    # --- wikiHow-TIIR `data` lists -------------------------------------------------------------

    @classmethod
    def from_data(cls, data: list[str], root: str | Path | None = None, **provenance) -> InterleavedDoc:
        """Build from a TIIR `data` list; a string ending in an image extension is an image path.

        Relative image paths resolve against `root`. Blank strings are dropped (the dataset has some).
        """
        if not isinstance(data, list):
            raise ValueError(f"'data' must be a list of strings, got {type(data).__name__}")
        segments: list[Segment] = []
        for position, item in enumerate(data):
            if not isinstance(item, str):
                raise ValueError(f"'data'[{position}] must be a string, got {type(item).__name__}")
            if is_image_reference(item):
                path = Path(item)
                if root is not None and not path.is_absolute():
                    path = Path(root) / path
                segments.append(ImageSegment(str(path)))
            elif item.strip():
                segments.append(TextSegment(item))
        return cls(tuple(segments), **provenance)

    def to_data(self, root: str | Path | None = None) -> list[str]:
        """Inverse of `from_data`: image paths are made relative to `root` when they lie under it."""
        out: list[str] = []
        for segment in self.segments:
            if isinstance(segment, TextSegment):
                out.append(segment.text)
            else:
                path = Path(segment.path)
                if root is not None and path.is_relative_to(root):
                    path = path.relative_to(root)
                out.append(path.as_posix())
        return out


def is_image_reference(item: str) -> bool:
    return item.strip().lower().endswith(IMAGE_EXTENSIONS) and "\n" not in item.strip()
