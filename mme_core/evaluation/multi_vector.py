"""Multi-vector (MetaEmbed) runs: MaxSim ranking at each budget, beside the single-vector runs.

Documents and queries are encoded once per N with all their meta tokens (`encode_all_multi`); budget
k then keeps the first k vectors of each side (min(k, Q) for queries, min(k, D) for documents), so
every budget costs one ranking, not one encoding.
"""

from __future__ import annotations

import time

import numpy as np

from mme_core.evaluation.ablations import apply_shuffle
from mme_core.evaluation.ranking import rank_maxsim
from mme_core.multivector import parse_budgets

MULTI_SYSTEM = "MME multi-vector"


def budgets_for(encoder, requested: tuple[int, ...]) -> tuple[int, ...]:
    """The budgets to evaluate: those asked for (checked against the head), else the model's own."""
    if not encoder.multi_vector:
        raise ValueError(
            f"--vectors multi needs a model with a multi-vector head; {encoder.model_id!r} is single-vector"
        )
    return parse_budgets(requested, encoder.meta_tokens) if requested else encoder.budgets


def multi_vector_runs(encoder, split, config, scored, depth: int) -> list[dict]:
    """One run per (shuffle, N, budget) on the interleaved view; `scored(rankings)` adds the metrics."""
    budgets = budgets_for(encoder, config.budgets)
    doc_ids, query_ids = [d.id for d in split.docs], [q.id for q in split.queries]
    runs = []
    for shuffle in config.shuffles:
        start = time.perf_counter()
        docs = apply_shuffle(split.docs, shuffle, config.seed)
        queries = apply_shuffle(split.queries, shuffle, config.seed)
        doc_vectors = encoder.encode_all_multi(docs, config.ns, config.batch_size, progress=config.progress)
        query_vectors = encoder.encode_all_multi(queries, config.ns, config.batch_size, prompt_name="query")
        seconds = time.perf_counter() - start
        for n in config.ns:
            for budget in budgets:
                queries_k = np.ascontiguousarray(query_vectors[n][:, :budget])  # (Q, min(k, Mq), dim)
                docs_k = np.ascontiguousarray(doc_vectors[n][:, :budget])  # (D, min(k, Md), dim)
                rankings = rank_maxsim(queries_k, docs_k, query_ids, doc_ids, k=depth)
                runs.append(
                    {
                        "system": MULTI_SYSTEM,
                        "view": "interleaved",
                        "shuffle": shuffle,
                        "n": n,
                        "budget": budget,
                        "tokens_per_image": encoder.tokens_per_image(n),
                        **scored(rankings),
                        "encode_seconds": round(seconds, 2),
                    }
                )
    return runs


def comparison_table(runs: list[dict], metric: str = "MRR@10") -> str:
    """Markdown: per (shuffle, N), `metric` of the single vector and of each budget, in percent."""
    single = {(r["shuffle"], r["n"]): r for r in runs if r["system"] == "MME" and r["view"] == "interleaved"}
    multi = [r for r in runs if r["system"] == MULTI_SYSTEM]
    budgets = sorted({r["budget"] for r in multi})
    keys = list(dict.fromkeys((r["shuffle"], r["n"]) for r in multi))
    by_key = {(r["shuffle"], r["n"], r["budget"]): r for r in multi}
    header = ["shuffle", "N", f"single {metric}"] + [f"multi k={k}" for k in budgets]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] * len(header)) + "|"]
    for shuffle, n in keys:
        base = single.get((shuffle, n))
        cells = [shuffle, str(n), f"{100 * base['metrics'][metric]:.2f}" if base else "–"]
        cells += [f"{100 * by_key[shuffle, n, k]['metrics'][metric]:.2f}" for k in budgets]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
