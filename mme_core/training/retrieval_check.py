"""Exact retrieval metrics of an encoder on a TIIR directory, at several N (for training reports).

Encodes corpus and queries once per call with `encode_all` (one vision pass serves every N), ranks
by inner product of the unit vectors, and scores with `mme_core.evaluation` (official definitions).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mme_core.documents import InterleavedDoc
from mme_core.encoder import MMEEncoder
from mme_core.evaluation.metrics import evaluate_rankings

from .data import load_corpus, read_jsonl

REPORT_METRICS = ("R@1", "R@5", "R@20", "MRR@10", "nDCG@10")


def load_test_split(root: str | Path) -> tuple[dict[str, InterleavedDoc], dict[str, InterleavedDoc], dict]:
    root = Path(root)
    corpus = load_corpus(root / "docs.jsonl")
    queries = {
        str(row["qid"]): InterleavedDoc.from_data(row["data"], root=root, id=str(row["qid"]))
        for _, row in read_jsonl(root / "queries.jsonl")
    }
    qrels: dict[str, set[str]] = {}
    for _, row in read_jsonl(root / "qrels.jsonl"):
        qrels.setdefault(str(row["qid"]), set()).add(str(row["did"]))
    if not queries or not qrels:
        raise ValueError(f"{root} has no test queries/qrels to evaluate")
    return corpus, queries, qrels


def retrieval_metrics(
    encoder: MMEEncoder, root: str | Path, ns=(1, 2, 3, 4, 6), metrics=REPORT_METRICS, batch_size: int = 16,
    progress: bool = False,
) -> dict:  # fmt: skip
    """{n: {metric: value}} on the test split in `root` (docs.jsonl, queries.jsonl, qrels.jsonl)."""
    corpus, queries, qrels = load_test_split(root)
    doc_ids, qids = list(corpus), [q for q in queries if q in qrels]
    doc_vectors = encoder.encode_all([corpus[d] for d in doc_ids], ns, batch_size, progress=progress)
    query_vectors = encoder.encode_all([queries[q] for q in qids], ns, batch_size, prompt_name="query")
    depth = min(100, len(doc_ids))
    results = {}
    for n in ns:
        scores = query_vectors[n] @ doc_vectors[n].T  # (Q, D)
        top = np.argsort(-scores, axis=1, kind="stable")[:, :depth]  # (Q, depth)
        rankings = {qid: [doc_ids[i] for i in row] for qid, row in zip(qids, top, strict=True)}
        results[n] = evaluate_rankings(rankings, {q: qrels[q] for q in qids}, metrics)
    return results
