"""Pure tensor stages of the MME encoder: visual grid -> N x N, last token, normalise."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

FULL = "full"
# Every N that divides the 24x24 grid of DeepSeek-VL's SigLIP-384/16 tower, plus no pooling.
GRANULARITIES: tuple[int | str, ...] = (1, 2, 3, 4, 6, 8, 12, 24, FULL)

Granularity = int | str


def check_granularity(n: Granularity) -> Granularity:
    """Accept 3, "3" or "full"; refuse anything else with the list of valid choices."""
    if isinstance(n, str) and n.strip().isdigit():
        n = int(n)
    if n not in GRANULARITIES or isinstance(n, bool):
        valid = ", ".join(str(g) for g in GRANULARITIES)
        raise ValueError(f"unsupported granularity N={n!r}; valid values are {valid}")
    return n


def pooled_shape(height: int, width: int, n: Granularity) -> tuple[int, int]:
    """Grid shape after pooling. An axis shorter than N is kept as is: pooling never invents tokens."""
    if n == FULL:
        return height, width
    return min(n, height), min(n, width)


def pool_grid(grid: torch.Tensor, n: Granularity) -> torch.Tensor:
    """Adaptive average pooling of one image's visual tokens laid on their grid.

    Non-divisible grids use torch's adaptive bins (overlapping windows of ceil/floor size), so
    e.g. a 5x7 grid pools to 3x3 without dropping border tokens.
    """
    if n == FULL:
        return grid
    height, width, _ = grid.shape
    target = pooled_shape(height, width, n)
    if target == (height, width):
        return grid
    channels_first = grid.permute(2, 0, 1).unsqueeze(0)  # (1, H, h, w)
    pooled = F.adaptive_avg_pool2d(channels_first, target)  # (1, H, n, n)
    return pooled.squeeze(0).permute(1, 2, 0)  # (n, n, H)


def pool_grids(grids: Sequence[torch.Tensor], n: Granularity) -> list[torch.Tensor]:
    """Pool many grids, one adaptive-pool call per distinct grid shape (vectorised over images)."""
    if n == FULL:
        return list(grids)
    out: list[torch.Tensor | None] = [None] * len(grids)
    by_shape: dict[tuple[int, ...], list[int]] = {}
    for index, grid in enumerate(grids):
        by_shape.setdefault(tuple(grid.shape), []).append(index)
    for (height, width, _), indices in by_shape.items():
        stacked = torch.stack([grids[i] for i in indices]).permute(0, 3, 1, 2)  # (k, H, h, w)
        target = pooled_shape(height, width, n)
        pooled = F.adaptive_avg_pool2d(stacked, target).permute(0, 2, 3, 1)  # (k, n, n, H)
        for slot, index in enumerate(indices):
            out[index] = pooled[slot]
    return out  # type: ignore[return-value]


def last_token(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """State of each sequence's final real token. Batches are left-padded, so it is column -1."""
    if not bool(attention_mask[:, -1].all()):
        raise ValueError("last_token expects left-padded batches (every row must end on a real token)")
    return hidden[:, -1]  # (B, H)


def normalise(embeddings: torch.Tensor) -> torch.Tensor:
    return F.normalize(embeddings.float(), p=2, dim=-1)  # (B, H), unit rows
