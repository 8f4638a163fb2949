"""Matryoshka multi-vector InfoNCE (MetaEmbed): one InfoNCE over MaxSim scores per nested budget.

At budget k a query keeps its first min(k, Q) vectors and every candidate its first min(k, D); the
candidates are the same in-batch + hard negatives as the single-vector loss. A MaxSim score sums one
cosine per query vector, so it is divided by the query's vector count before the temperature: the
softmax then sees cosine-scale logits at every budget (ranking is unchanged by that constant).
Scores are computed in fp32 outside autocast, as in `loss.info_nce_loss`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from mme_core.multivector import maxsim_torch

from .loss import check_temperature


def matryoshka_maxsim_losses(
    queries: torch.Tensor,
    positives: torch.Tensor,
    negatives: torch.Tensor | None,
    budgets: tuple[int, ...],
    temperature: float,
    ignore: torch.Tensor | None = None,
) -> dict[int, torch.Tensor]:
    """{budget: InfoNCE loss}. queries (B, Q, D), positives (B, P, D), negatives (B, K, P, D) or None;
    `ignore` (B, B + B*K) as in `info_nce_loss`. Query i's target is candidate column i."""
    temperature = check_temperature(temperature)
    if queries.ndim != 3 or positives.ndim != 3 or queries.shape[0] != positives.shape[0]:
        raise ValueError(
            f"queries and positives must be (B, M, D) with the same B; got {tuple(queries.shape)} and "
            f"{tuple(positives.shape)}"
        )
    if not budgets:
        raise ValueError("at least one budget is needed, e.g. (1, 2, 4, 8, 16)")
    batch = queries.shape[0]
    candidates = positives  # (B, P, D)
    if negatives is not None:
        candidates = torch.cat([positives, negatives.reshape(-1, *positives.shape[1:])])  # (B + B*K, P, D)
    targets = torch.arange(batch, device=queries.device)  # (B,)
    losses = {}
    with torch.autocast(device_type=queries.device.type, enabled=False):
        for budget in budgets:
            kept_queries = queries[:, :budget].float()  # (B, k_q, D)
            scores = maxsim_torch(kept_queries, candidates[:, :budget].float())  # (B, B + B*K)
            scores = scores / kept_queries.shape[1] / temperature
            if ignore is not None:
                scores = scores.masked_fill(ignore.to(scores.device), float("-inf"))
            losses[budget] = F.cross_entropy(scores, targets)
    return losses
