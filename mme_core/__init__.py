"""MME core: interleaved documents → Matryoshka multimodal embeddings. Knows nothing of storage or UI."""

from __future__ import annotations

from .batching import EncodeBudget, EncodeStats
from .documents import ImageSegment, InterleavedDoc, TextSegment
from .encoder import EMBEDDING_VERSION, MMEEncoder
from .loading import ModelNotAvailableError
from .pooling import FULL, GRANULARITIES, check_granularity, parse_granularities, pool_grid, pool_grids
from .vision_cache import MemoryVisionCache, VisionCache, VisionKey

__all__ = [
    "EMBEDDING_VERSION",
    "EncodeBudget",
    "EncodeStats",
    "FULL",
    "GRANULARITIES",
    "ImageSegment",
    "InterleavedDoc",
    "MMEEncoder",
    "MemoryVisionCache",
    "ModelNotAvailableError",
    "TextSegment",
    "VisionCache",
    "VisionKey",
    "check_granularity",
    "parse_granularities",
    "pool_grid",
    "pool_grids",
]
