"""Does an interleaved embedding lean towards its text or towards its images?

After the paper's Fig. 6: embed a document, its text-only view and its image-only view at the same
granularity N, and compare. `dominance = cos(e, e_text) - cos(e, e_image)` lies in [-2, 2]: positive
means the embedding sits closer to what the text alone says, negative closer to what the pictures
alone say, near zero means both modalities pull about equally. Larger N gives images more tokens, so
the score usually falls as N grows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from .documents import InterleavedDoc

Modality = Literal["interleaved", "text", "image"]


class Encodes(Protocol):
    def encode(self, docs: list[InterleavedDoc], n=3, batch_size=None, prompt_name: str = "document"): ...


@dataclass(frozen=True)
class Dominance:
    """Where one embedding sits between its text-only and its image-only embedding.

    For a document with a single modality the comparison is undefined: `score`, and the cosine of
    the missing view, are None and `modality` says which one it has.
    """

    doc_id: str
    modality: Modality
    cos_text: float | None
    cos_image: float | None

    @property
    def score(self) -> float | None:
        if self.cos_text is None or self.cos_image is None:
            return None
        return self.cos_text - self.cos_image


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cosine similarity of two (B, D) arrays -> (B,); rows need not be normalised."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 2:
        raise ValueError(f"cosine needs two (B, D) arrays of the same shape, got {a.shape} and {b.shape}")
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)  # (B,)
    if np.any(norms == 0):
        raise ValueError("cosine of a zero vector is undefined")
    return np.einsum("bd,bd->b", a, b) / norms  # (B,)


def dominance_scores(
    embeddings: np.ndarray, text_embeddings: np.ndarray, image_embeddings: np.ndarray
) -> np.ndarray:
    """cos(e, e_text) - cos(e, e_image) for each row: (B, D) x3 -> (B,)."""
    return cosine(embeddings, text_embeddings) - cosine(embeddings, image_embeddings)


def measure_dominance(
    encoder: Encodes,
    docs: list[InterleavedDoc],
    n=3,
    prompt_name: str = "document",
    batch_size: int | None = None,
    embeddings: np.ndarray | None = None,
) -> list[Dominance]:
    """Encode each doc with its text-only and image-only views at granularity `n` (three encoder calls).

    `prompt_name` is passed through so a query is compared with views embedded the way queries are;
    `batch_size=None` lets the encoder choose. `embeddings` (len(docs), D), when given, are the docs'
    own embeddings at `n` already computed (an index stores them; a search has embedded its query):
    then only the two views are encoded.
    """
    if not docs:
        return []
    if embeddings is not None:
        embeddings = np.asarray(embeddings)
        if embeddings.ndim != 2 or embeddings.shape[0] != len(docs):
            raise ValueError(
                f"embeddings must be ({len(docs)}, D) for {len(docs)} docs, got {embeddings.shape}"
            )
    for position, doc in enumerate(docs):
        if not isinstance(doc, InterleavedDoc):
            raise ValueError(f"docs[{position}] must be an InterleavedDoc, got {type(doc).__name__}")
    text_views = [doc.text_only() for doc in docs]
    image_views = [doc.images_only() for doc in docs]
    mixed = [i for i, (t, v) in enumerate(zip(text_views, image_views, strict=True)) if t and v]

    single: list[Modality] = ["text" if view is None else "image" for view in image_views]
    results = [Dominance(doc.id, single[i], None, None) for i, doc in enumerate(docs)]
    if not mixed:
        return results

    def encode(batch: list[InterleavedDoc]) -> np.ndarray:
        return np.asarray(encoder.encode(batch, n=n, batch_size=batch_size, prompt_name=prompt_name))

    full = encode([docs[i] for i in mixed]) if embeddings is None else embeddings[mixed]  # (M, D)
    text = encode([text_views[i] for i in mixed])  # (M, D)
    image = encode([image_views[i] for i in mixed])  # (M, D)
    cos_text, cos_image = cosine(full, text), cosine(full, image)  # (M,) each
    for row, i in enumerate(mixed):
        results[i] = Dominance(docs[i].id, "interleaved", float(cos_text[row]), float(cos_image[row]))
    return results
