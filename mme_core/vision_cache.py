"""What a vision cache holds, so the vision tower runs once per distinct picture, ever.

The vision tower is 81-86 % of encoding time at N=3, and a picture's visual tokens depend only on
its bytes, the weights and the preprocessing, never on the text around it. So `encode_all` accepts
a `vision_cache`: any object with `get(key)` and `put(key, tokens)` (a plain dict-backed
`MemoryVisionCache` here; the indexer keeps one as a Lance table beside the index).

Format of an entry:
- key: `VisionKey(image, encoder, preprocessing)` = (SHA-256 of the image file's bytes, the
  encoder's fingerprint, the encoder's preprocessing id; for an SVG, + the renderer and fonts that
  draw it, `svg.renderer_id`);
- value: `PooledTokens` = {N: float32 array (h, w, H)}: the image's post-projector tokens pooled
  to N x N (`"full"`: the unpooled grid), one entry per N the encoder was asked for. float32 so
  that bf16 and fp32 models both round-trip exactly.
An entry lacking one of the requested N counts as a miss (the image is embedded again and the
entry replaced by one holding every requested N).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .pooling import Granularity

PooledTokens = dict[Granularity, np.ndarray]


@dataclass(frozen=True)
class VisionKey:
    image: str  # sha256 of the image file's bytes
    encoder: str  # MMEEncoder.fingerprint
    preprocessing: str  # MMEEncoder.preprocessing_id (+ svg.renderer_id for a drawing)


class VisionCache(Protocol):
    def get(self, key: VisionKey) -> PooledTokens | None: ...

    def put(self, key: VisionKey, tokens: PooledTokens) -> None: ...


class MemoryVisionCache:
    """A vision cache in a dict: for one process (tests, repeated queries, a benchmark)."""

    def __init__(self) -> None:
        self.entries: dict[VisionKey, PooledTokens] = {}

    def get(self, key: VisionKey) -> PooledTokens | None:
        return self.entries.get(key)

    def put(self, key: VisionKey, tokens: PooledTokens) -> None:
        self.entries[key] = tokens

    def __len__(self) -> int:
        return len(self.entries)


def covers(tokens: PooledTokens | None, ns: list[Granularity]) -> bool:
    return tokens is not None and all(n in tokens for n in ns)
