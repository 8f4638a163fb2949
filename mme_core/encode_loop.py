"""The encoding loop behind every `MMEEncoder.encode*` call: which rows run, in which batches.

Documents go longest first, so batches hold similar lengths and an out-of-memory shows up at once.
A chunk of documents shares one vision pass (`vision_pass.VisionPass`: each picture decoded and run
through the tower once, pooled per N); its (document, N) rows are then grouped into language-model
forwards within the token budget (`batching.forward_groups`). Rows whose pooled shapes make the same
token sequence (a text-only note at every N) run once and are copied.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import torch
from tqdm.auto import tqdm

from .batching import EncodeBudget, forward_groups, pads_well
from .documents import InterleavedDoc
from .pooling import Granularity, check_granularity
from .vision_pass import VisionPass


def encode_docs(
    encoder,
    docs,
    ns,
    batch_size,
    prompt_name,
    progress,
    vision_cache,
    budget,
    on_documents,
    multi: bool,
    singles=None,
) -> dict[Granularity, np.ndarray]:
    """N -> vectors of `docs` (see `MMEEncoder.encode_all`); with `multi`, (docs, meta tokens, dim)
    arrays, and `singles` (if given) filled with the single vectors of the same forwards."""
    ns = list(dict.fromkeys(check_granularity(n) for n in ns))
    if not ns:
        raise ValueError("encode_all needs at least one granularity N")
    if batch_size is not None and batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    encoder.backbone.check_prompt_name(prompt_name)
    docs = list(docs)
    for position, doc in enumerate(docs):
        if not isinstance(doc, InterleavedDoc):
            raise ValueError(f"item {position} is a {type(doc).__name__}, not an InterleavedDoc")
    meta = encoder.meta_head.count(prompt_name) if multi else 0  # meta tokens appended per row
    shape = (len(docs), meta, encoder.dim) if multi else (len(docs), encoder.dim)
    out = {n: np.zeros(shape, dtype=np.float32) for n in ns}
    if multi and singles is not None:
        singles.update({n: np.zeros((len(docs), encoder.dim), dtype=np.float32) for n in ns})
    if not docs:
        return out
    # Longest first, so batches hold similar lengths (little padding) and OOM shows up at once.
    lengths: dict[tuple[int, Granularity], int] = {}
    # (i, n) -> the N whose row of document i is run and copied to n: the same pooled shapes make
    # the same token sequence, so a text-only note goes through the language model once, not per N.
    same_as: dict[tuple[int, Granularity], Granularity] = {}
    for i, doc in enumerate(docs):
        first_by_shapes: dict[tuple, Granularity] = {}
        for n, count, shapes in encoder._counts(doc, ns, prompt_name):
            lengths[i, n] = count + meta
            same_as[i, n] = first_by_shapes.setdefault(shapes, n)
    copies: dict[tuple[int, Granularity], list[Granularity]] = {}
    for (i, n), run in same_as.items():
        copies.setdefault((i, run), []).append(n)
    widest = [max(lengths[i, n] for n in ns) for i in range(len(docs))]
    order = sorted(range(len(docs)), key=lambda i: -widest[i])
    batch_size = batch_size or encoder.default_batch_size(max(widest))
    budget = budget or encoder.default_budget()
    # A chunk's documents share their pooled image tokens: bound its LM tokens (they include them).
    per_doc = [sum(lengths[i, n] for n in ns if same_as[i, n] == n) for i in order]
    chunks = [
        [order[k] for k in range(group.start, group.stop)] for group in _chunks(per_doc, batch_size, budget)
    ]
    remaining_uses = Counter(seg.path for doc in docs for seg in doc.images)
    cache_ids = (encoder.fingerprint, encoder.preprocessing_id) if vision_cache is not None else ("", "")
    vision = VisionPass(encoder.backbone, ns, budget, encoder.stats, vision_cache, cache_ids)
    with (
        torch.inference_mode(),
        tqdm(total=len(docs), desc="encoding", unit="doc", disable=not progress) as bar,
    ):
        for chunk in chunks:
            chunk_docs = [docs[i] for i in chunk]
            vision.fill([s for d in chunk_docs for s in d.images], chunk_docs)
            # Every (document, N) row the chunk runs, longest first, within the forward bounds.
            runs = ((i, n) for i in chunk for n in ns if same_as[i, n] == n)
            pairs = sorted(runs, key=lambda pair: -lengths[pair])
            sizes = [lengths[p] for p in pairs]
            for group in forward_groups(sizes, batch_size, budget.lm_tokens, pads_well(encoder.device)):
                rows = pairs[group]
                encoder.stats.lm_forwards += 1
                encoder.stats.lm_rows += len(rows)
                encoder.stats.max_forward_tokens = max(
                    encoder.stats.max_forward_tokens, len(rows) * lengths[rows[0]]
                )
                vectors = encoder.embed_pooled(
                    [(docs[i], n) for i, n in rows], vision.tokens, prompt_name, multi
                )
                if multi and singles is not None:
                    for (i, n), vector in zip(rows, vectors.single.cpu().numpy(), strict=True):
                        for same in copies[i, n]:
                            singles[same][i] = vector
                vectors = vectors.multi if multi else vectors  # (rows, M, dim) or (rows, dim)
                for (i, n), vector in zip(rows, vectors.cpu().numpy(), strict=True):
                    for same in copies[i, n]:
                        out[same][i] = vector
            for doc in chunk_docs:  # free pooled tokens no later batch needs
                for segment in doc.images:
                    remaining_uses[segment.path] -= 1
                    if remaining_uses[segment.path] == 0:
                        vision.release(segment.path)
            bar.update(len(chunk))
            if on_documents is not None:
                on_documents(len(chunk))
    return out


def _chunks(per_doc: list[int], batch_size: int, budget: EncodeBudget) -> list[slice]:
    """Documents (LM tokens over all N, longest first) in chunks of at most `batch_size` documents
    and `budget.lm_tokens` tokens; a document alone may exceed it."""
    chunks, start, total = [], 0, 0
    for position, tokens in enumerate(per_doc):
        if position > start and (position - start >= batch_size or total + tokens > budget.lm_tokens):
            chunks.append(slice(start, position))
            start, total = position, 0
        total += tokens
    chunks.append(slice(start, len(per_doc)))
    return chunks
