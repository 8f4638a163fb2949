"""Visual features of each distinct image, computed once per run and reused by every later step.

In the default setups the vision tower is frozen (LoRA: tower and projector; full fine-tuning of
the demo model: the tower), so running it again whenever an image comes back - in another batch,
as a hard negative, in the next epoch - only burns time (on the real DeepSeek-VL about half of a
CPU forward). What can be kept depends on what trains:

- `pooled`: nothing on the visual path trains. Keep each image's grid pooled to every N of the run
  (1+4+9+16+36 tokens for N = 1..6 instead of 576), as the step would have pooled it.
- `tower`: the projector trains but the tower is frozen (DeepSeek-VL). Keep the tower's output and
  run only the projector each step, with autograd.
- `off`: the tower trains (or the family has no split here): recompute every step.

`max_bytes` bounds the memory held; images beyond it are recomputed each time they appear.
Frozen modules run without dropout in their configs' defaults, so a cached value equals a recomputed
one (tested), and resume stays exact: a resumed run recomputes what it has not cached yet.
"""

from __future__ import annotations

import math

import torch

from mme_core.documents import ImageSegment
from mme_core.pooling import Granularity, pool_grids

from .model_setup import TrainableEncoder, is_vision_tower


class VisualFeatureCache:
    def __init__(self, trainable: TrainableEncoder, ns, max_bytes: int) -> None:
        self.trainable = trainable
        self.encoder = trainable.encoder
        self.ns = tuple(ns)
        self.max_bytes = max_bytes
        self.mode = cache_mode(trainable) if max_bytes > 0 else "off"
        self.bytes_held = 0
        self._kept: dict[str, object] = {}  # path -> {n: pooled grid} or tower output (T, C)

    def pooled_grids(self, paths: list[str], ns) -> dict[Granularity, dict[str, torch.Tensor]]:
        """{n: {path: grid pooled to n x n}} for the distinct image `paths` of a micro-batch."""
        if self.mode == "off":
            with torch.set_grad_enabled(self.trainable.vision_needs_grad):
                grids = self.encoder.visual_grids([ImageSegment(path).load() for path in paths])
            return {n: dict(zip(paths, pool_grids(grids, n), strict=True)) for n in ns}
        fresh = self._compute([path for path in paths if path not in self._kept])
        kept = {path: self._kept.get(path, fresh.get(path)) for path in paths}
        if self.mode == "pooled":
            return {n: {path: kept[path][n] for path in paths} for n in ns}
        grids = project_tower_features(self.encoder, torch.stack([kept[path] for path in paths]))
        return {n: dict(zip(paths, pool_grids(grids, n), strict=True)) for n in ns}

    def _compute(self, paths: list[str]) -> dict[str, object]:
        if not paths:
            return {}
        images = [ImageSegment(path).load() for path in paths]
        with torch.no_grad():
            if self.mode == "pooled":
                grids = self.encoder.visual_grids(images)
                by_n = {n: pool_grids(grids, n) for n in self.ns}
                values = [{n: by_n[n][i].clone() for n in self.ns} for i in range(len(paths))]
            else:
                values = [row.clone() for row in tower_features(self.encoder, images)]
        fresh = dict(zip(paths, values, strict=True))
        for path, value in fresh.items():
            size = nbytes(value)
            if self.bytes_held + size <= self.max_bytes:
                self._kept[path] = value
                self.bytes_held += size
        return fresh


def cache_mode(trainable: TrainableEncoder) -> str:
    if not trainable.vision_needs_grad:
        return "pooled"
    family = trainable.encoder.family
    tower_trains = any(
        parameter.requires_grad and is_vision_tower(name, family)
        for name, parameter in trainable.encoder.backbone.model.named_parameters()  # LoRA lives in place
    )
    return "tower" if family == "deepseek_vl" and not tower_trains else "off"


def nbytes(value) -> int:
    tensors = value.values() if isinstance(value, dict) else [value]
    return sum(t.numel() * t.element_size() for t in tensors)


# --- DeepSeek-VL's visual path split where `get_image_features` joins it: tower, then aligner ------


def tower_features(encoder, images) -> torch.Tensor:
    """(n, T, C) SigLIP outputs, before the aligner."""
    backbone = encoder.backbone
    pixels = backbone.image_processor(images=images, return_tensors="pt")["pixel_values"]  # (n, 3, S, S)
    pixels = pixels.to(backbone.device, backbone.model.dtype)
    return backbone.model.model.vision_model(pixels, return_dict=True).last_hidden_state  # (n, T, C)


def project_tower_features(encoder, features: torch.Tensor) -> list[torch.Tensor]:
    """The aligner over cached tower outputs, laid on their grids: n x (side, side, H)."""
    tokens = encoder.backbone.model.model.aligner(features)  # (n, T, H)
    side = math.isqrt(tokens.shape[1])
    return list(tokens.reshape(tokens.shape[0], side, side, tokens.shape[-1]))
