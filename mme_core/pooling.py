"""Pure tensor stages of the MME encoder: visual grid -> N x N, last token, normalise."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence

import torch
import torch.nn.functional as F

FULL = "full"
# Every N that divides the 24x24 grid of DeepSeek-VL's SigLIP-384/16 tower, plus no pooling.
GRANULARITIES: tuple[int | str, ...] = (1, 2, 3, 4, 6, 8, 12, 24, FULL)

Granularity = int | str


def _valid_choices(valid: Sequence[Granularity] = GRANULARITIES) -> str:
    return ", ".join(str(g) for g in valid)


def check_granularity(value: object) -> Granularity:
    """One N: an int from GRANULARITIES, its exact decimal string ("3"), or "full".

    This is the only granularity check in the project (CLIs, API, page, training config all call it),
    so every entry point refuses the same values the same way: 2.0, "3 ", 5, 48, True.
    """
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    elif isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = int(value)  # numpy integers from arrays and sliders
    is_int_choice = isinstance(value, int) and not isinstance(value, bool) and value in GRANULARITIES
    if not (is_int_choice or value == FULL):
        raise ValueError(f"unsupported granularity N={value!r}; valid values are {_valid_choices()}")
    return value  # type: ignore[return-value]


def parse_granularities(
    value: object, valid: Sequence[Granularity] = GRANULARITIES
) -> tuple[Granularity, ...]:
    """Several N, from "1,2,full" or an iterable, each checked by `check_granularity`, distinct, in order.

    `valid` narrows the choice further (e.g. an encoder configured for fewer N).
    """
    if isinstance(value, str):
        items: list = value.split(",") if value else []
    elif isinstance(value, Iterable):
        items = list(value)
    else:
        raise ValueError(
            f"granularities must be a comma-separated string like '1,2,full' or a list, got {value!r}"
        )
    if not items:
        raise ValueError(f"no granularity given; e.g. 1,2,3,4,6 (valid values are {_valid_choices()})")
    ns = tuple(check_granularity(item) for item in items)
    repeated = sorted({str(n) for n in ns if ns.count(n) > 1})
    if repeated:
        raise ValueError(f"granularity N={', '.join(repeated)} listed twice in {', '.join(map(str, ns))}")
    outside = [str(n) for n in ns if n not in valid]
    if outside:
        raise ValueError(
            f"unsupported granularity N={', '.join(outside)}; valid values are {_valid_choices(valid)}"
        )
    return ns


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
