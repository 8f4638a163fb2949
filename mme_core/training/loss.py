"""InfoNCE over in-batch and hard negatives: embeddings in, one scalar out.

The loss knows nothing of models or granularities, so it is checked against hand-computed values
(tests/training/test_loss.py). Embeddings are used as given: the encoder already L2-normalises them,
and renormalising here would hide an all-zero embedding instead of scoring it. Scores are always
computed in fp32, outside any autocast region the caller is in.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

DEFAULT_TEMPERATURE = 0.05


def check_temperature(temperature: float) -> float:
    if not isinstance(temperature, (int, float)) or isinstance(temperature, bool):
        raise ValueError(f"temperature must be a number, got {type(temperature).__name__}")
    if not temperature > 0:  # also rejects NaN
        raise ValueError(f"temperature must be > 0, got {temperature}")
    return float(temperature)


def info_nce_loss(
    queries: torch.Tensor,
    positives: torch.Tensor,
    negatives: torch.Tensor | None = None,
    temperature: float = DEFAULT_TEMPERATURE,
    ignore: torch.Tensor | None = None,
) -> torch.Tensor:
    """Mean cross-entropy of each query against every document in the batch.

    queries (B, D) and positives (B, D) pair up row by row; every other query's positive is an
    in-batch negative. `negatives` (B, K, D) are hard negatives; all B*K of them are candidates for
    every query (as in DPR/Tevatron), so the candidate pool has B + B*K documents and the target of
    query i is column i. With all scores equal the loss is log(B + B*K).

    `ignore` (B, B + B*K) bool marks candidates that are not negatives for a query (e.g. another
    query's positive that is the same document as its own); they are left out of its softmax.
    """
    temperature = check_temperature(temperature)
    if queries.ndim != 2 or positives.ndim != 2:
        raise ValueError(
            f"queries and positives must be (B, D); got {tuple(queries.shape)} and {tuple(positives.shape)}"
        )
    if queries.shape != positives.shape:
        raise ValueError(
            f"queries {tuple(queries.shape)} and positives {tuple(positives.shape)} must have the same shape"
        )
    if queries.shape[0] == 0:
        raise ValueError("empty batch: queries has no rows")
    batch, dim = queries.shape
    candidates = positives  # (B, D)
    if negatives is not None:
        if negatives.ndim != 3 or negatives.shape[0] != batch or negatives.shape[2] != dim:
            raise ValueError(
                f"negatives must be (B, K, D) = ({batch}, K, {dim}); got {tuple(negatives.shape)}"
            )
        candidates = torch.cat([positives, negatives.reshape(-1, dim)], dim=0)  # (B + B*K, D)
    # Similarities in fp32 even inside a bf16/fp16 autocast region: at temperature 0.05 a bf16
    # cosine (8 mantissa bits, steps of ~0.004 near 1) moves a logit by up to ~0.08, as much as the
    # margins training is trying to learn. Casting the product after the fact would be too late.
    with torch.autocast(device_type=queries.device.type, enabled=False):
        scores = queries.float() @ candidates.float().T / temperature  # (B, B + B*K)
    targets = torch.arange(batch, device=queries.device)  # (B,)
    if ignore is not None:
        if ignore.shape != scores.shape:
            raise ValueError(
                f"ignore must be (B, B + B*K) = {tuple(scores.shape)}, got {tuple(ignore.shape)}"
            )
        if ignore[targets, targets].any():
            raise ValueError("ignore must not mask a query's own positive")
        scores = scores.masked_fill(ignore.to(scores.device), float("-inf"))
    return F.cross_entropy(scores, targets)


class InfoNCELoss(torch.nn.Module):
    """Module form of `info_nce_loss` with the temperature fixed at construction."""

    def __init__(self, temperature: float = DEFAULT_TEMPERATURE) -> None:
        super().__init__()
        self.temperature = check_temperature(temperature)

    def forward(
        self, queries: torch.Tensor, positives: torch.Tensor, negatives: torch.Tensor | None = None
    ) -> torch.Tensor:
        return info_nce_loss(queries, positives, negatives, self.temperature)

    def extra_repr(self) -> str:
        return f"temperature={self.temperature}"
