"""How much work one call may hold: memory bounds by pixels and tokens, not by document count.

A document may hold one picture or forty, so "8 documents per batch" says nothing about memory:
8 notes of 12 phone photos each decoded at full size are 96 x 36 MB. `encode_all` therefore cuts
its work by three budgets (`EncodeBudget`): decoded pixels alive in one vision call, visual tokens
in one vision call, and padded tokens in one language-model forward. The document batch size only
caps how many (document, N) rows share a forward.

The default budget is derived from the device (`budget_for`): one eighth of the memory free right
now (CUDA: free device memory; CPU: available RAM), at ~40 bytes per decoded pixel (RGB bytes plus
the image processor's float32 copies: rescaled, normalised, padded) and ~24 live activations of the
hidden size per token (hidden states, q/k/v, MLP intermediate; SDPA keeps attention linear), capped
on CPU where bigger calls stop paying off (8 Mpx, 8,192 visual tokens, 16,384 LM tokens).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

BYTES_PER_PIXEL = 40
ACTIVATIONS_PER_TOKEN = 24
CPU_CAPS = (8_000_000, 8_192, 16_384)  # pixels, visual tokens, LM tokens
GPU_CAPS = (64_000_000, 65_536, 262_144)


@dataclass(frozen=True)
class EncodeBudget:
    """Bounds of one call. A single item larger than a bound still runs, alone."""

    pixels: int  # decoded pixels alive in one vision call (sum of width x height of its images)
    vision_tokens: int  # visual tokens produced by one vision call
    lm_tokens: int  # rows x longest row of one language-model forward (padding included)

    def __post_init__(self) -> None:
        for name in ("pixels", "vision_tokens", "lm_tokens"):
            if getattr(self, name) < 1:
                raise ValueError(f"EncodeBudget.{name} must be positive, got {getattr(self, name)}")


@dataclass
class EncodeStats:
    """Running counts an encoder keeps, for tests and benchmarks (`MMEEncoder.stats`)."""

    vision_calls: int = 0  # forward passes of the vision tower
    vision_images: int = 0  # images those passes embedded
    decoded_images: int = 0  # images decoded (once each per encode_all, whatever the batching)
    cache_hits: int = 0  # images whose pooled tokens came from a vision cache
    lm_forwards: int = 0
    lm_rows: int = 0  # (document, N) rows those forwards ran; N with the same tokens share one
    max_call_pixels: int = 0  # largest decoded-pixel total alive in one vision call
    max_call_tokens: int = 0  # largest visual-token total of one vision call
    max_forward_tokens: int = 0  # largest rows x length of one language-model forward


def budget_for(
    device: torch.device, hidden_size: int, vision_hidden: int, dtype: torch.dtype
) -> EncodeBudget:
    """The default budget for `device` (see the module docstring for the arithmetic)."""
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        caps = GPU_CAPS
    else:
        import psutil

        free = psutil.virtual_memory().available
        caps = CPU_CAPS
    share = max(free // 8, 64 << 20)
    element = torch.finfo(dtype).bits // 8
    pixels = share // BYTES_PER_PIXEL
    vision_tokens = share // (ACTIVATIONS_PER_TOKEN * max(vision_hidden, 1) * element)
    lm_tokens = share // (ACTIVATIONS_PER_TOKEN * max(hidden_size, 1) * element)
    return EncodeBudget(
        pixels=int(min(caps[0], pixels)),
        vision_tokens=int(max(1, min(caps[1], vision_tokens))),
        lm_tokens=int(max(1, min(caps[2], lm_tokens))),
    )


def forward_groups(lengths: list[int], max_rows: int, max_tokens: int, pad: bool = True) -> list[slice]:
    """Consecutive groups of rows (sorted longest first) with at most `max_rows` rows and at most
    `max_tokens` padded tokens (rows x the group's first, longest, row); a row alone may exceed it.
    `pad=False`: only rows of equal length share a group (see `pads_well`)."""
    groups, start = [], 0
    while start < len(lengths):
        end = start + 1
        while (
            end < len(lengths)
            and end - start < max_rows
            and (end + 1 - start) * lengths[start] <= max_tokens
            and (pad or lengths[end] == lengths[start])
        ):
            end += 1
        groups.append(slice(start, end))
        start = end
    return groups


def pads_well(device: torch.device) -> bool:
    """Whether rows of different lengths should share a forward on `device`. Not on CPU: a padded
    batch needs an attention mask, which sends SDPA down its masked path (every block computed, the
    causal half included); unpadded rows take the causal path. With the demo model, rows alone
    cost 1.1x (140-370 tokens) to 2.9x (2,750-3,300 tokens) less CPU than one padded group of 8
    (bench/lm_padding.py, docs/BENCHMARKS.md); on a GPU batching pays."""
    return device.type != "cpu"
