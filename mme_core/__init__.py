"""MME core: interleaved documents → Matryoshka multimodal embeddings. Knows nothing of storage or UI."""

from __future__ import annotations

from .documents import ImageSegment, InterleavedDoc, TextSegment
from .encoder import EMBEDDING_VERSION, MMEEncoder
from .loading import ModelNotAvailableError
from .pooling import FULL, GRANULARITIES, check_granularity, parse_granularities, pool_grid, pool_grids

__all__ = [
    "EMBEDDING_VERSION",
    "FULL",
    "GRANULARITIES",
    "ImageSegment",
    "InterleavedDoc",
    "MMEEncoder",
    "ModelNotAvailableError",
    "TextSegment",
    "check_granularity",
    "parse_granularities",
    "pool_grid",
    "pool_grids",
]
