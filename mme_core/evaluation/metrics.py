"""Retrieval metrics on plain dicts, defined as the official wikiHow-TIIR evaluation computes them.

The official script (vec-ai/wikiHow-TIIR `src/retrieval.py`) combines three sources, and so do we:

- **R@1** is *success at 1*: 1 when the top document is relevant (its own `recall_1` counter).
- **R@k**, k > 1, is pytrec_eval's `recall_k`: |relevant ∩ top k| / |relevant|. With one relevant
  document per query (wikiHow-TIIR and our synthetic benchmark) both equal success at k; with several,
  R@1 counts a query as fully found when any relevant document is first, R@5 only in proportion.
- **MRR@k** is MS MARCO's `compute_metrics`: 1/rank of the first relevant document within the top k, else 0.
- **nDCG@k** is pytrec_eval's `ndcg_cut_k` with binary gains: Σ_{rank<=k} rel/log2(rank+1), divided by
  the same sum for the ideal ranking (all relevant documents first, cut at k).

Every metric is averaged over the queries of `qrels`. A document listed twice in one ranking counts at
its first rank only (the official script does the same: several vectors, e.g. parts, per document).
Scores are fractions in [0, 1]; reports multiply by 100 as the paper does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

METRIC_NAMES = ("R", "Hit", "MRR", "nDCG")
DEFAULT_METRICS = ("R@1", "R@5", "R@20", "R@100", "MRR@5", "MRR@10", "MRR@20", "nDCG@5", "nDCG@10", "nDCG@20")


def parse_metric(metric: str) -> tuple[str, int]:
    """'MRR@10' -> ('MRR', 10); raises ValueError naming the valid metric names."""
    name, sep, cut = metric.partition("@")
    if not sep or name not in METRIC_NAMES or not cut.isdigit() or int(cut) < 1:
        raise ValueError(
            f"unknown metric {metric!r}; write NAME@k with k >= 1 and NAME one of {', '.join(METRIC_NAMES)}"
        )
    return name, int(cut)


def hit_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """Success at k: 1 when any relevant document is in the top k."""
    return float(any(doc in relevant for doc in ranked[:k]))


def recall_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    """Official R@k: success for k = 1, else the fraction of relevant documents in the top k."""
    if k == 1:
        return hit_at_k(ranked, relevant, 1)
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def reciprocal_rank_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    for rank, doc in enumerate(ranked[:k], start=1):
        if doc in relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at_k(ranked: Sequence[str], relevant: set[str], k: int) -> float:
    dcg = sum(1.0 / math.log2(rank + 1) for rank, doc in enumerate(ranked[:k], start=1) if doc in relevant)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(k, len(relevant)) + 1))
    return dcg / ideal


METRIC_FUNCTIONS = {"R": recall_at_k, "Hit": hit_at_k, "MRR": reciprocal_rank_at_k, "nDCG": ndcg_at_k}


def per_query_metrics(
    rankings: Mapping[str, Sequence[str]],
    qrels: Mapping[str, Iterable[str]],
    metrics: Sequence[str] = DEFAULT_METRICS,
) -> dict[str, dict[str, float]]:
    """qid -> metric -> value, for error analysis; `evaluate_rankings` averages these."""
    parsed = [(metric, *parse_metric(metric)) for metric in metrics]
    relevant_sets = check_inputs(rankings, qrels)
    results: dict[str, dict[str, float]] = {}
    for qid, relevant in relevant_sets.items():
        ranked = first_occurrences(rankings[qid])
        results[qid] = {metric: METRIC_FUNCTIONS[name](ranked, relevant, k) for metric, name, k in parsed}
    return results


def evaluate_rankings(
    rankings: Mapping[str, Sequence[str]],
    qrels: Mapping[str, Iterable[str]],
    metrics: Sequence[str] = DEFAULT_METRICS,
) -> dict[str, float]:
    """Mean of each metric over the queries; `rankings` qid -> ranked doc ids, `qrels` qid -> relevant ids."""
    if not metrics:
        raise ValueError(f"no metrics requested; for example {', '.join(DEFAULT_METRICS)}")
    table = per_query_metrics(rankings, qrels, metrics)
    return {metric: sum(row[metric] for row in table.values()) / len(table) for metric in metrics}


def check_inputs(
    rankings: Mapping[str, Sequence[str]], qrels: Mapping[str, Iterable[str]]
) -> dict[str, set[str]]:
    if not qrels:
        raise ValueError("qrels is empty: there is no query to evaluate")
    relevant_sets: dict[str, set[str]] = {}
    for qid, relevant in qrels.items():
        if isinstance(relevant, str) or not isinstance(relevant, Iterable):
            raise ValueError(
                f"qrels[{qid!r}] must be a collection of document ids, got {type(relevant).__name__}"
            )
        relevant_sets[qid] = set(relevant)
        if not relevant_sets[qid]:
            raise ValueError(f"qrels[{qid!r}] has no relevant document")
    missing = [qid for qid in qrels if qid not in rankings]
    if missing:
        raise ValueError(f"{len(missing)} queries of qrels have no ranking, e.g. {missing[:3]}")
    unknown = [qid for qid in rankings if qid not in qrels]
    if unknown:
        raise ValueError(f"{len(unknown)} ranked queries are not in qrels, e.g. {unknown[:3]}")
    for qid, ranked in rankings.items():
        if isinstance(ranked, str) or not isinstance(ranked, Iterable):
            raise ValueError(
                f"rankings[{qid!r}] must be a sequence of document ids, got {type(ranked).__name__}"
            )
    return relevant_sets


def first_occurrences(ranked: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    return [doc for doc in ranked if not (doc in seen or seen.add(doc))]
