"""One micro-batch's loss for a model with meta tokens: single-vector InfoNCE + Matryoshka MaxSim.

One forward per (side, N) with the meta tokens appended gives both embeddings: the template's last
token (the single vector, which a causal LM computes as without the meta tokens) and the meta
tokens' states. Each of the strategy's (query N, document N) pairs adds the single-vector loss and
the mean of the multi-vector losses over the budgets, so the single vector stays trained too.
"""

from __future__ import annotations

import random

import torch

from .data import TrainingTriple
from .loss import info_nce_loss
from .model_setup import TrainableEncoder
from .multivector_loss import matryoshka_maxsim_losses
from .strategies import GranularityPlan
from .visual_cache import VisualFeatureCache


def multi_vector_batch_loss(
    trainable: TrainableEncoder,
    triples: list[TrainingTriple],
    plan: GranularityPlan,
    num_negatives: int,
    temperature: float,
    rng: random.Random,
    features: VisualFeatureCache,
):
    from .loop import StepLoss, embed_triples  # the loop imports this module lazily

    budgets = trainable.encoder.budgets
    embedded = embed_triples(trainable, triples, plan, num_negatives, rng, features, multi=True)
    batch, ignore = embedded.size, embedded.ignore
    losses, logged = [], {}
    for q_n, d_n in plan.pairs:
        query, candidates = embedded.queries[q_n], embedded.docs[d_n]
        hard = candidates.single[batch:].reshape(batch, num_negatives, -1) if num_negatives else None
        single = info_nce_loss(query.single, candidates.single[:batch], hard, temperature, ignore)
        hard_multi = None
        if num_negatives:
            hard_multi = candidates.multi[batch:].reshape(batch, num_negatives, *candidates.multi.shape[1:])
        by_budget = matryoshka_maxsim_losses(
            query.multi, candidates.multi[:batch], hard_multi, budgets, temperature, ignore
        )
        losses.append(single + torch.stack(list(by_budget.values())).mean())
        logged[f"{q_n}/{d_n}"] = round(single.item(), 5)
        logged.update({f"{q_n}/{d_n}@{k}": round(value.item(), 5) for k, value in by_budget.items()})
    return StepLoss(torch.stack(losses).mean(), logged)
