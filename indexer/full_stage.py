"""The cascade's last stage: re-encode only the best few results at full tokens (`n="full"`).

Documents are re-read from their source through the reader the index was built with (a folder
note from its file, a TIIR record from its docs.jsonl; a document given directly has its stored
segments as source) and cut again to the build's token budget at the index's largest N, so the
stored part is the part re-encoded. A hit that cannot be re-scored (source gone, part gone, a picture
missing) is kept with its fused score and a note saying why, never dropped; one whose content
changed since indexing is re-scored as it is now, and says so.

Order: the re-scored hits by full-token cosine, then the top hits that could not be re-scored (in
fused order), then the rest of the fused ranking.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np

from indexer.cascade import largest
from indexer.prepare import DEFAULT_BUDGET
from indexer.schema import keys_filter, row_key
from indexer.sources import CollectionWarning, read_source, split_to_budget
from indexer.sources.remote import RemotePictures
from indexer.store import pictures_folder
from mme_core.documents import InterleavedDoc

FULL = "full"


def rescore_at_full(index, encoder, query_vector: np.ndarray, hits: list, top: int) -> list:
    """`hits` (fused ranking) with the first `top` re-encoded and re-ranked at full tokens;
    `query_vector` is the query's (dim,) embedding at full tokens."""
    head, rest = hits[:top], hits[top:]
    stored = _stored_hashes(index, head)
    found: list[tuple] = []  # (hit, document as it is now, note)
    failed = []
    for hit in head:
        doc, note = _current_part(index, encoder, hit, stored)
        if doc is None:
            failed.append(replace(hit, note=note))
        else:
            found.append((hit, doc, note))
    if not found:
        return _ranked([*failed, *rest])
    try:
        doc_vectors = encoder.encode([doc for _, doc, _ in found], n=FULL)  # (F, dim)
    except ValueError:  # one part's picture is unreadable: find which, keep the others
        doc_vectors, found, failed = _encode_each(encoder, found, failed)
    scores = doc_vectors @ query_vector  # (F,) unit vectors: cosine
    rescored = [
        replace(hit, score=float(score), stage=FULL, note=note)
        for score, (hit, _, note) in sorted(zip(scores, found, strict=True), key=lambda pair: -pair[0])
    ]
    return _ranked([*rescored, *failed, *rest])


def _encode_each(encoder, found: list, failed: list) -> tuple[np.ndarray, list, list]:
    vectors, kept = [], []
    for hit, doc, note in found:
        try:
            vectors.append(encoder.encode([doc], n=FULL)[0])
            kept.append((hit, doc, note))
        except ValueError as err:
            failed.append(replace(hit, note=f"not re-scored at full tokens: {err}"))
    dim = encoder.dim
    return (np.stack(vectors) if vectors else np.zeros((0, dim), np.float32)), kept, failed


def _ranked(hits: list) -> list:
    return [replace(hit, rank=rank) for rank, hit in enumerate(hits, start=1)]


def _stored_hashes(index, hits: list) -> dict[str, str]:
    keys = [row_key(hit.id, hit.doc.part) for hit in hits]
    rows = index.scan(["key", "content_hash"], keys_filter(keys)).to_pylist()
    return {row["key"]: row["content_hash"] for row in rows}


def _current_part(index, encoder, hit, stored: dict) -> tuple[InterleavedDoc | None, str]:
    """(the hit's part as its source holds it now, note) or (None, why it cannot be had)."""
    collection = hit.doc.meta.get("collection", "")
    root = index.meta.collections.get(collection, {}).get("root", "")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CollectionWarning)  # the index reported them when it was built
            part = _reread(index, encoder, hit, collection, root) if root else hit.doc  # given directly
        if part is None:
            return None, f"part {hit.doc.part} no longer exists in its source: not re-scored at full tokens"
        changed = stored.get(row_key(hit.id, hit.doc.part)) not in (None, part.content_hash())
    except FileNotFoundError as err:
        return None, f"source gone ({err.filename or err}): not re-scored at full tokens"
    except (ValueError, OSError) as err:
        return None, f"not re-scored at full tokens: {err}"
    return part, "changed since indexing: re-scored as it is now" if changed else ""


def _reread(index, encoder, hit, collection: str, root: str) -> InterleavedDoc | None:
    reader_id = hit.id[len(collection) + 1 :] if collection else hit.id
    pictures = pictures_folder(index.uri)
    downloaded = index.meta.collections.get(collection, {}).get("fetch_pictures")
    remote = RemotePictures(pictures, offline=True) if downloaded else None  # what indexing downloaded
    doc = read_source(root, hit.doc.source, reader_id, pictures, remote)
    if doc is None:
        where = Path(root) / hit.doc.source if Path(root).is_dir() else Path(root)
        raise FileNotFoundError(2, "not found", str(where))
    doc = replace(doc, id=hit.id, meta=hit.doc.meta)
    largest_n = largest(index.meta.ns)
    parts = split_to_budget([doc], lambda d: encoder.count_tokens(d, largest_n), DEFAULT_BUDGET)
    return next((p for p in parts if p.part == hit.doc.part), None)
