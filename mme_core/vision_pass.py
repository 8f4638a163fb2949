"""The image side of `encode_all`: pooled visual tokens per image, within a memory budget.

For each image a batch needs, in order: the vision cache is asked first (a hit costs no decode and
no vision call); otherwise the image is decoded once, at the size the backbone's processor needs,
and queued; the queue goes through the vision tower when the next image would take its decoded
pixels or visual tokens over the budget. The tower's grids are pooled to every requested N at once
and the full grids and pixels dropped, so what stays alive between batches is N x N tokens per
image, kept only while a later document still needs them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from PIL import Image

from .backbones import Backbone
from .batching import EncodeBudget, EncodeStats
from .documents import ImageSegment, InterleavedDoc
from .images import decode_all, decode_image
from .pooling import Granularity, pool_grids
from .svg import SVG_SUFFIXES, renderer_id
from .vision_cache import PooledTokens, VisionCache, VisionKey, covers


class VisionPass:
    """Fills `tokens[path] = {N: (h, w, H) tensor}` for images, one vision call per budget's worth."""

    def __init__(
        self,
        backbone: Backbone,
        ns: list[Granularity],
        budget: EncodeBudget,
        stats: EncodeStats,
        cache: VisionCache | None = None,
        cache_ids: tuple[str, str] = ("", ""),  # (encoder fingerprint, preprocessing id)
    ) -> None:
        self.backbone, self.ns, self.budget, self.stats = backbone, ns, budget, stats
        self.cache, self.cache_ids = cache, cache_ids
        self.tokens: dict[str, dict[Granularity, torch.Tensor]] = {}
        self._queue: list[tuple[str, Image.Image, VisionKey | None, int]] = []  # path, image, key, tokens

    def fill(self, images: Sequence[ImageSegment], docs: Sequence[InterleavedDoc]) -> None:
        """Make sure every image in `images` has pooled tokens; `docs` name an image's owner in errors."""
        misses: list[tuple[ImageSegment, VisionKey | None]] = []
        for segment in dict.fromkeys(images):
            if segment.path in self.tokens or any(path == segment.path for path, *_ in self._queue):
                continue
            key = None
            if self.cache is not None:
                key = _key(segment, docs, self.cache_ids)
                cached = self.cache.get(key)
                if covers(cached, self.ns):
                    self.tokens[segment.path] = {n: self._tensor(cached[n]) for n in self.ns}
                    self.stats.cache_hits += 1
                    continue
            misses.append((segment, key))
        # Decoded a few at a time in threads, in order: the vision tower runs on what is queued
        # while the next pictures decode.
        decoded = decode_all(
            (segment for segment, _ in misses), lambda seg: _decode(seg, self.backbone, docs)
        )
        for (segment, key), image in zip(misses, decoded, strict=True):
            self.stats.decoded_images += 1
            grid_h, grid_w = self.backbone.grid_shape(image.size)
            self._enqueue(segment.path, image, key, grid_h * grid_w)
        self._flush()

    def release(self, path: str) -> None:
        self.tokens.pop(path, None)

    # --- internals ------------------------------------------------------------------------------

    def _enqueue(self, path: str, image: Image.Image, key: VisionKey | None, tokens: int) -> None:
        pixels = sum(item[1].width * item[1].height for item in self._queue)
        queued_tokens = sum(item[3] for item in self._queue)
        over_pixels = pixels + image.width * image.height > self.budget.pixels
        if self._queue and (over_pixels or queued_tokens + tokens > self.budget.vision_tokens):
            self._flush()
        self._queue.append((path, image, key, tokens))

    def _flush(self) -> None:
        if not self._queue:
            return
        queue, self._queue = self._queue, []
        stats = self.stats
        stats.vision_calls += 1
        stats.vision_images += len(queue)
        stats.max_call_pixels = max(stats.max_call_pixels, sum(i.width * i.height for _, i, _, _ in queue))
        stats.max_call_tokens = max(stats.max_call_tokens, sum(tokens for *_, tokens in queue))
        grids = self.backbone.visual_grids([image for _, image, _, _ in queue])  # each (h, w, H)
        pooled = {n: pool_grids(grids, n) for n in self.ns}  # n -> each (min(n, h), min(n, w), H)
        del grids
        for position, (path, _, key, _) in enumerate(queue):
            self.tokens[path] = {n: pooled[n][position] for n in self.ns}
            if self.cache is not None and key is not None:
                entry: PooledTokens = {
                    n: pooled[n][position].float().cpu().numpy().astype(np.float32, copy=True)
                    for n in self.ns
                }
                self.cache.put(key, entry)

    def _tensor(self, array: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.asarray(array, dtype=np.float32)).to(
            self.backbone.device, self.backbone.model.dtype
        )


def _key(segment: ImageSegment, docs: Sequence[InterleavedDoc], cache_ids: tuple[str, str]) -> VisionKey:
    """An SVG's pixels depend on the renderer and the fonts it finds, not on its bytes alone: its
    key's preprocessing names them (`svg.renderer_id`), so installing a font for a diagram's labels,
    or another resvg, draws it again instead of reusing the old drawing's tokens."""
    encoder, preprocessing = cache_ids
    return VisionKey(_digest(segment, docs), encoder, cache_preprocessing(segment, preprocessing))


def cache_preprocessing(segment: ImageSegment, preprocessing: str) -> str:
    """The preprocessing part of `segment`'s vision cache key, for an encoder's `preprocessing_id`."""
    drawn = segment.path.lower().endswith(SVG_SUFFIXES)
    return f"{preprocessing}+{renderer_id()}" if drawn else preprocessing


def _digest(segment: ImageSegment, docs: Sequence[InterleavedDoc]) -> str:
    try:
        return segment.content_hash()  # memoised by size and mtime: no read if the build hashed it
    except ValueError as err:
        raise _owned(err, segment, docs) from err


def _decode(segment: ImageSegment, backbone: Backbone, docs) -> Image.Image:
    try:
        return decode_image(segment.read_bytes(), name=segment.display_name, fit=backbone.decode_size)
    except ValueError as err:
        raise _owned(err, segment, docs) from err


def _owned(err: ValueError, segment: ImageSegment, docs: Sequence[InterleavedDoc]) -> ValueError:
    owner = next((d.id for d in docs if d.id and any(s.path == segment.path for s in d.images)), None)
    return ValueError(f"{err}{f' (in document {owner!r})' if owner else ''}")
