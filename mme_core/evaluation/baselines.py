"""Single-modality baselines for the interleaved benchmark.

- Text only: BM25 over all the text of each document with `bm25s` (Lucene's BM25 variant, English
  stop words removed and Snowball-stemmed like a full-text index would; in memory, no storage).
- Image only, model-free: each picture becomes a spatial colour histogram (2x2 cells x 4^3 RGB bins,
  square-rooted so the cosine is the Bhattacharyya coefficient); a query scores a document by the
  mean over its pictures of the best-matching document picture (MaxSim). It ignores text and order
  by construction, which is what an image-only baseline should show; it needs no trained model,
  so it means the same thing for every checkpoint. (`evaluate --views images` gives the other
  image-only baseline: the encoder itself on the documents' images-only views.)
- Both, model-free: reciprocal rank fusion (Cormack et al., 2009) of the two rankings above,
  score(d) = sum over systems of 1 / (k + rank), k = 60. It is what a hybrid engine does without a
  multimodal model, so an interleaved encoder must beat it, not only each modality alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mme_core.documents import InterleavedDoc

HISTOGRAM_BINS = 4  # per channel
HISTOGRAM_GRID = 2  # cells per side
HISTOGRAM_SIDE = 64  # pictures are resized to this square first
RRF_K = 60  # the constant of the RRF paper; it damps the weight of the very first ranks


def bm25_rankings(docs: Sequence[InterleavedDoc], queries: Sequence[InterleavedDoc], k: int = 100) -> dict:
    """qid -> up to k doc ids by BM25 (queries or documents without text rank nothing / are never found).

    Only documents sharing at least one term with the query are ranked, as a full-text search would.
    """
    import bm25s
    import Stemmer

    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    stemmer = Stemmer.Stemmer("english")

    def terms(texts: list[str]) -> list[list[str]]:
        return bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, return_ids=False, show_progress=False)

    with_text = [d for d in docs if d.text.strip()]
    rankings: dict[str, list[str]] = {query.id: [] for query in queries}
    if not with_text:
        return rankings
    retriever = bm25s.BM25()
    retriever.index(terms([d.text for d in with_text]), show_progress=False)
    ids = np.asarray([d.id for d in with_text], dtype=object)
    for query, query_terms in zip(queries, terms([q.text for q in queries]), strict=True):
        known = [term for term in query_terms if term in retriever.vocab_dict]
        if not known:
            continue
        scores = retriever.get_scores(known)  # (D_with_text,)
        order = np.argsort(-scores, kind="stable")[:k]
        rankings[query.id] = ids[order[scores[order] > 0]].tolist()
    return rankings


def colour_histogram(image) -> np.ndarray:
    """(GRID*GRID*BINS^3,) unit vector: square-rooted, per-cell-normalised spatial RGB histogram."""
    pixels = np.asarray(image.convert("RGB").resize((HISTOGRAM_SIDE, HISTOGRAM_SIDE)))  # (S, S, 3)
    levels = pixels // (256 // HISTOGRAM_BINS)  # (S, S, 3) in [0, BINS)
    codes = (levels[..., 0] * HISTOGRAM_BINS + levels[..., 1]) * HISTOGRAM_BINS + levels[..., 2]  # (S, S)
    cell = HISTOGRAM_SIDE // HISTOGRAM_GRID
    parts = []
    for gy in range(HISTOGRAM_GRID):
        for gx in range(HISTOGRAM_GRID):
            block = codes[gy * cell : (gy + 1) * cell, gx * cell : (gx + 1) * cell]
            counts = np.bincount(block.ravel(), minlength=HISTOGRAM_BINS**3)  # (BINS^3,)
            parts.append(np.sqrt(counts / counts.sum()))
    vector = np.concatenate(parts).astype(np.float32)  # (GRID*GRID*BINS^3,)
    return vector / np.linalg.norm(vector)


def histogram_rankings(
    docs: Sequence[InterleavedDoc], queries: Sequence[InterleavedDoc], k: int = 100
) -> dict[str, list[str]]:
    """qid -> up to k doc ids by colour-histogram MaxSim (documents without pictures score 0)."""
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    features: dict[str, np.ndarray] = {}

    def feature(path: str) -> np.ndarray:
        if path not in features:
            from mme_core.documents import ImageSegment

            features[path] = colour_histogram(ImageSegment(path).load())
        return features[path]

    # Document pictures laid out contiguously so one reduceat takes each document's maximum.
    owners = [d for d in docs if d.images]
    starts = np.cumsum([0] + [len(d.images) for d in owners[:-1]])
    if owners:
        doc_pictures = np.stack([feature(s.path) for d in owners for s in d.images])  # (P, F)
    position = {d.id: i for i, d in enumerate(docs)}
    owner_columns = np.array([position[d.id] for d in owners], dtype=int)
    ids = np.asarray([d.id for d in docs], dtype=object)
    rankings: dict[str, list[str]] = {}
    for query in queries:
        scores = np.zeros(len(docs), dtype=np.float32)  # (D,)
        if query.images and owners:
            sims = np.stack([feature(s.path) for s in query.images]) @ doc_pictures.T  # (Q, P)
            best = np.maximum.reduceat(sims, starts, axis=1)  # (Q, D_with_pictures)
            scores[owner_columns] = best.mean(axis=0)
        top = np.argsort(-scores, kind="stable")[: min(k, len(docs))]
        rankings[query.id] = ids[top].tolist()
    return rankings


def rrf_fusion(rankings: Sequence[dict[str, list[str]]], k: int = 100, rrf_k: int = RRF_K) -> dict:
    """qid -> up to k doc ids by reciprocal rank fusion of several systems' rankings.

    A document absent from one system's ranking gets nothing from it; ties keep the order of first
    appearance (system by system, rank by rank), so the fusion is deterministic.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if rrf_k < 0:
        raise ValueError(f"rrf_k must be >= 0, got {rrf_k}")
    qids = list(dict.fromkeys(qid for ranking in rankings for qid in ranking))
    fused: dict[str, list[str]] = {}
    for qid in qids:
        scores: dict[str, float] = {}
        for ranking in rankings:
            for rank, doc_id in enumerate(ranking.get(qid, []), start=1):
                scores[doc_id] = scores.get(doc_id, 0.0) + 1.0 / (rrf_k + rank)
        order = sorted(scores, key=lambda doc_id: -scores[doc_id])  # stable: first appearance wins ties
        fused[qid] = order[:k]
    return fused
