"""The paper's two interleaving ablations, applied to queries and documents before encoding.

- `images`: shuffle the order among the images; every text segment and every image *slot* stays
  where it was, only which picture fills which slot changes.
- `positions`: keep the images in their order but move them to random places in the text (between
  text segments, or at either end); the text keeps its order.

Both are seeded per document (seed and id, not where its files live), so a run is reproducible
and a document shuffles the same way in every N of a sweep. When a different arrangement exists,
the result differs from the input.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import PurePath

from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment

SHUFFLES = ("none", "images", "positions")
MAX_DRAWS = 20


def document_rng(doc: InterleavedDoc, seed: int, kind: str) -> random.Random:
    """Seeded by the document's id (and part), never by resolved image paths, so the same
    collection read from another folder or machine shuffles the same way. A document without an
    id falls back to its text and image file names, which are just as location-free."""
    identity = f"{doc.id}#{doc.part}" if doc.id else shape_key(doc)
    key = hashlib.sha256(f"{seed}:{kind}:{identity}".encode()).hexdigest()
    return random.Random(key)


def shape_key(doc: InterleavedDoc) -> str:
    return "|".join(s.text if isinstance(s, TextSegment) else PurePath(s.path).name for s in doc.segments)


def shuffle_image_order(doc: InterleavedDoc, rng: random.Random) -> InterleavedDoc:
    images = doc.images
    if len({image.path for image in images}) < 2:
        return doc  # nothing to reorder
    for _ in range(MAX_DRAWS):
        order = rng.sample(images, len(images))
        if [i.path for i in order] != [i.path for i in images]:
            break
    fill = iter(order)
    segments = tuple(next(fill) if isinstance(s, ImageSegment) else s for s in doc.segments)
    return rebuild(doc, segments)


def shuffle_image_positions(doc: InterleavedDoc, rng: random.Random) -> InterleavedDoc:
    texts = [s for s in doc.segments if isinstance(s, TextSegment)]
    images = doc.images
    if not texts or not images:
        return doc  # no text to move the images within
    for _ in range(MAX_DRAWS):
        # slot k = just before text k (slot len(texts) = after the last); sorted keeps image order
        slots = sorted(rng.randrange(len(texts) + 1) for _ in images)
        segments = place(texts, images, slots)
        if segments != doc.segments:
            break
    return rebuild(doc, segments)


def place(texts: list[TextSegment], images: list[ImageSegment], slots: list[int]) -> tuple:
    segments: list = []
    pending = list(zip(slots, images, strict=True))
    for position, text in enumerate([*texts, None]):
        while pending and pending[0][0] == position:
            segments.append(pending.pop(0)[1])
        if text is not None:
            segments.append(text)
    return tuple(segments)


def rebuild(doc: InterleavedDoc, segments: tuple) -> InterleavedDoc:
    return InterleavedDoc(
        segments, id=doc.id, title=doc.title, source=doc.source, part=doc.part, meta=doc.meta
    )


def apply_shuffle(docs: list[InterleavedDoc], kind: str, seed: int = 0) -> list[InterleavedDoc]:
    """The ablation `kind` (none | images | positions) applied to every document."""
    if kind not in SHUFFLES:
        raise ValueError(f"unknown shuffle {kind!r}; valid choices are {', '.join(SHUFFLES)}")
    if kind == "none":
        return list(docs)
    shuffle = shuffle_image_order if kind == "images" else shuffle_image_positions
    return [shuffle(doc, document_rng(doc, seed, kind)) for doc in docs]
