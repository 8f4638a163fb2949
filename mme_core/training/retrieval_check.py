"""Exact retrieval metrics of an encoder on a TIIR directory, at several N (for training reports).

Encodes corpus and queries once per call with `encode_all` (one vision pass serves every N), ranks
exactly (`mme_core.evaluation.ranking`) and scores with the official metric definitions.
"""

from __future__ import annotations

from pathlib import Path

from mme_core.encoder import MMEEncoder
from mme_core.evaluation.metrics import evaluate_rankings
from mme_core.evaluation.ranking import rank_exact
from mme_core.tiir import load_tiir

REPORT_METRICS = ("R@1", "R@5", "R@20", "MRR@10", "nDCG@10")
RANK_DEPTH = 100  # the deepest cut any report metric needs


def retrieval_metrics(
    encoder: MMEEncoder, root: str | Path, ns=(1, 2, 3, 4, 6), metrics=REPORT_METRICS, batch_size: int = 16,
    progress: bool = False,
) -> dict:  # fmt: skip
    """{n: {metric: value}} on the test split in `root` (docs.jsonl, queries.jsonl, qrels.jsonl)."""
    split = load_tiir(root)
    doc_ids, qids = [d.id for d in split.docs], [q.id for q in split.queries]
    doc_vectors = encoder.encode_all(split.docs, ns, batch_size, progress=progress)
    query_vectors = encoder.encode_all(split.queries, ns, batch_size, prompt_name="query")
    results = {}
    for n in ns:
        rankings = rank_exact(query_vectors[n], doc_vectors[n], qids, doc_ids, k=RANK_DEPTH)
        results[n] = evaluate_rankings(rankings, split.qrels, metrics)
    return results
