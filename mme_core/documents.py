"""The one data contract: an interleaved document is an ordered list of text and image segments.

Everything downstream (encoder, index, app) speaks `InterleavedDoc`. Conversion to and from the
wikiHow-TIIR `data` list lives here so that the dataset format is read in exactly one place.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, UnidentifiedImageError

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff")

# PIL's own default (~89 Mpx) guards against decompression bombs; we keep a stricter, explicit cap
# so that a 20000x20000 image is refused before any pixel is decoded.
MAX_IMAGE_PIXELS = 64_000_000


@dataclass(frozen=True)
class TextSegment:
    text: str

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise ValueError(f"TextSegment.text must be a str, got {type(self.text).__name__}")


@dataclass(frozen=True)
class ImageSegment:
    """An image by path. Pixels are decoded lazily and at most once per encoder call."""

    path: str

    def __post_init__(self) -> None:
        if not isinstance(self.path, str) or not self.path:
            raise ValueError(f"ImageSegment.path must be a non-empty str, got {self.path!r}")

    def read_bytes(self) -> bytes:
        path = Path(self.path)
        if not path.is_file():
            raise ValueError(f"image not found: {self.path}")
        data = path.read_bytes()
        if not data:
            raise ValueError(f"image is empty (0 bytes): {self.path}")
        return data

    def load(self) -> Image.Image:
        """Decode to RGB, turning every decoder failure into a ValueError that names the file."""
        return decode_image(self.read_bytes(), name=self.path)

    def content_hash(self) -> str:
        return hashlib.sha256(self.read_bytes()).hexdigest()


Segment = TextSegment | ImageSegment


def decode_image(data: bytes, name: str = "<bytes>") -> Image.Image:
    if not data:
        raise ValueError(f"image is empty (0 bytes): {name}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ValueError(
                    f"image too large: {name} is {width}x{height} (limit {MAX_IMAGE_PIXELS:,} pixels)"
                )
            image.load()
    except ValueError:
        raise
    except UnidentifiedImageError as err:  # PIL's own message is the repr of our BytesIO buffer
        raise ValueError(f"unreadable image: {name} (cannot identify image file)") from err
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise ValueError(f"unreadable image: {name} ({err})") from err
    except (OSError, SyntaxError, EOFError) as err:  # truncated or corrupt data
        raise ValueError(f"corrupt or truncated image: {name} ({err})") from err
    return image.convert("RGB")


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
