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
    from .loop import StepLoss, same_as_positive  # the loop imports this module lazily

    encoder = trainable.encoder
    budgets = encoder.budgets
    queries = [t.query for t in triples]
    positives = [t.positive for t in triples]
    negatives = [doc for t in triples for doc in t.sample_negatives(num_negatives, rng)]
    docs = positives + negatives
    paths = list(dict.fromkeys(seg.path for doc in queries + docs for seg in doc.images))
    pooled = features.pooled_grids(paths, list(dict.fromkeys([*plan.query_ns, *plan.doc_ns])))
    query_emb = {
        n: encoder.embed_batch(queries, n, pooled[n], prompt_name="query", multi=True) for n in plan.query_ns
    }
    doc_emb = {n: encoder.embed_batch(docs, n, pooled[n], multi=True) for n in plan.doc_ns}
    batch = len(triples)
    ignore = same_as_positive(positives, docs)
    losses, logged = [], {}
    for q_n, d_n in plan.pairs:
        query, candidates = query_emb[q_n], doc_emb[d_n]
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
