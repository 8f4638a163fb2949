"""Incremental, resumable indexing of a collection.

    report = build_index("~/notes", "./mme-index", encoder)   # or a list of InterleavedDoc

Every run compares content hashes (text + image bytes) with what the index holds for that
collection: unchanged parts are skipped, new and changed ones embedded at every stored N by one
`encode_all` pass, vanished ones deleted. Rows are written in batches by `merge_insert` on the row
key, each batch one atomic LanceDB commit, so a run killed at any point leaves only whole batches
behind and the next run picks up where it stopped, with no duplicates and nothing lost.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from indexer.ann import AnnConfig, ann_is_stale, refresh_ann
from indexer.meta import IndexMeta
from indexer.schema import docs_to_rows, row_key, vector_column
from indexer.store import Index
from mme_core.documents import InterleavedDoc
from mme_core.pooling import parse_granularities

DEFAULT_NS = (1, 2, 3, 4, 6)
DEFAULT_BUDGET = 4096


@dataclass(frozen=True)
class BuildReport:
    index_uri: str
    collection: str  # resolved folder, or "" for documents passed directly
    parts: int  # document parts in the collection this run
    added: int
    updated: int
    unchanged: int
    removed: int
    failed: tuple[tuple[str, str], ...]  # (document id, reason), left as they were in the index
    rows: int  # rows in the whole index afterwards
    seconds: float
    embed_seconds: float

    @property
    def embedded(self) -> int:
        return self.added + self.updated

    @property
    def docs_per_second(self) -> float:
        return self.embedded / self.embed_seconds if self.embed_seconds > 0 else 0.0

    def summary(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.removed} removed, "
            f"{len(self.failed)} failed; {self.rows} rows in {self.index_uri} "
            f"({self.seconds:.1f} s, {self.docs_per_second:.1f} docs/s embedding)"
        )


def prepare_docs(docs_or_path, encoder, ns: tuple, budget: int) -> tuple[list[InterleavedDoc], str, list]:
    """Read a collection (or take documents) and split them to the token budget at the largest N.

    Returns (document parts, collection, failed) where `failed` lists (id, reason) of documents
    whose images cannot even be measured; they are left as they are in the index.
    """
    from indexer.sources import read_collection, split_to_budget

    if isinstance(docs_or_path, (str, Path)):
        root = Path(docs_or_path).expanduser().resolve()
        docs, collection = read_collection(root), str(root)
    else:
        docs, collection = list(docs_or_path), ""
        for position, doc in enumerate(docs):
            if not isinstance(doc, InterleavedDoc):
                raise ValueError(f"document {position} is a {type(doc).__name__}, not an InterleavedDoc")
            if not doc.id:
                raise ValueError(f"document {position} has no id; ids make incremental builds possible")
    largest = max(ns, key=encoder.tokens_per_image)
    tokens: dict[int, int] = {}  # id(doc) -> tokens, so split_to_budget does not count twice
    failed, countable = [], []
    for doc in docs:
        try:
            tokens[id(doc)] = encoder.count_tokens(doc, largest)
            countable.append(doc)
        except ValueError as err:
            failed.append((doc.id, str(err)))

    def count(doc: InterleavedDoc) -> int:
        known = tokens.get(id(doc))
        return known if known is not None else encoder.count_tokens(doc, largest)

    parts = split_to_budget(countable, count, budget)
    keys = [row_key(collection, doc.id, doc.part) for doc in parts]
    if len(set(keys)) != len(keys):
        twice = sorted({doc.id for doc, key in zip(parts, keys, strict=True) if keys.count(key) > 1})
        raise ValueError(f"document ids must be unique; listed more than once: {', '.join(twice[:5])}")
    return parts, collection, failed


def build_index(
    docs_or_path,
    index_uri,
    encoder,
    ns=None,
    progress: bool = True,
    *,
    batch_size: int | None = None,
    write_batch: int = 64,
    budget: int = DEFAULT_BUDGET,
    ann: AnnConfig | None = None,
) -> BuildReport:
    """Add a collection folder (or documents with ids) to the index at `index_uri`, incrementally.

    `ns` defaults to the index's N set, or `DEFAULT_NS` for a new index; an index built with
    another encoder or N set is refused (`IndexMismatchError`, which says how to rebuild) before
    anything is read or written.
    """
    started = time.perf_counter()
    index_uri = str(index_uri)
    exists = Index.exists(index_uri)
    if ns is None:
        ns = Index.open(index_uri).meta.ns if exists else DEFAULT_NS
    meta = IndexMeta.for_encoder(encoder, parse_granularities(ns, encoder.granularities))
    if exists:
        Index.open(index_uri).check_compatible(meta)
    docs, collection, failed = prepare_docs(docs_or_path, encoder, meta.ns, budget)
    index = Index.open_or_create(index_uri, meta)
    return build_into(
        index, docs, collection, encoder, progress, batch_size, write_batch, ann, failed, started
    )


def build_into(
    index: Index,
    docs: list[InterleavedDoc],
    collection: str,
    encoder,
    progress: bool = True,
    batch_size: int | None = None,
    write_batch: int = 64,
    ann: AnnConfig | None = None,
    failed: list | None = None,
    started: float | None = None,
) -> BuildReport:
    """The incremental build proper, on an open index (the active one, or a rebuild's staging one)."""
    if write_batch < 1 or batch_size is not None and batch_size < 1:
        raise ValueError(f"batch sizes must be positive: batch_size={batch_size}, write_batch={write_batch}")
    started = started if started is not None else time.perf_counter()  # from reading, when given
    ns = index.meta.ns
    if collection and collection not in index.meta.collections:  # remembered first, for `rebuild`
        index.update_meta(collections=(*index.meta.collections, collection))
    stored = index.content_hashes(collection)
    failed = list(failed or [])
    todo: list[tuple[InterleavedDoc, str]] = []
    current: set[str] = set()
    unchanged = 0
    for doc in docs:
        key = row_key(collection, doc.id, doc.part)
        current.add(key)
        try:
            digest = doc.content_hash()
        except ValueError as err:
            failed.append((doc.id, str(err)))
            continue
        if stored.get(key) == digest:
            unchanged += 1
        else:
            todo.append((doc, digest))
    broken = {doc_id for doc_id, _ in failed}  # kept as indexed until they can be read again
    prefix = len(collection) + 1  # keys are f"{collection}|{id}#{part}"
    vanished = sorted(k for k in set(stored) - current if k[prefix:].rpartition("#")[0] not in broken)
    index.delete_keys(vanished)

    added = updated = 0
    embed_started = time.perf_counter()
    with tqdm(total=len(todo), unit="doc", desc="embedding", disable=not progress or not todo) as bar:
        for start in range(0, len(todo), write_batch):
            chunk = todo[start : start + write_batch]
            good, vectors = encode_batch([doc for doc, _ in chunk], encoder, ns, batch_size, failed)
            if good:
                docs_ok, hashes = [chunk[i][0] for i in good], [chunk[i][1] for i in good]
                rows = docs_to_rows(docs_ok, hashes, vectors, collection, index.table.schema)
                index.upsert(rows)
                new = sum(key not in stored for key in rows["key"].to_pylist())
                added, updated = added + new, updated + len(good) - new
            bar.update(len(chunk))
    embed_seconds = time.perf_counter() - embed_started

    columns = [vector_column(n) for n in ns]
    config = ann or AnnConfig()
    if todo or vanished or ann_is_stale(index.table, columns, index.meta.dim, config):
        indices = refresh_ann(index.table, columns, index.meta.dim, index.meta.ann_indices, config)
        index.update_meta(ann_indices=indices)
    return BuildReport(
        index_uri=index.uri,
        collection=collection,
        parts=len(docs),
        added=added,
        updated=updated,
        unchanged=unchanged,
        removed=len(vanished),
        failed=tuple(failed),
        rows=index.count(),
        seconds=time.perf_counter() - started,
        embed_seconds=embed_seconds,
    )


def encode_batch(docs, encoder, ns, batch_size, failed) -> tuple[list[int], dict]:
    """All N for `docs` in one pass -> (positions embedded, {n: (len(positions), dim)}).

    If the batch fails on a bad document (a ValueError naming it), each document is retried alone
    so that one broken picture costs only its own document, which is recorded in `failed`.
    """
    try:
        return list(range(len(docs))), encoder.encode_all(docs, ns=ns, batch_size=batch_size)
    except ValueError as err:
        if len(docs) == 1:
            failed.append((docs[0].id, str(err)))
            return [], {}
    good, parts = [], []
    for position, doc in enumerate(docs):
        try:
            parts.append(encoder.encode_all([doc], ns=ns, batch_size=1))
            good.append(position)
        except ValueError as err:
            failed.append((doc.id, str(err)))
    vectors = {n: np.concatenate([part[n] for part in parts]) for n in ns} if parts else {}
    return good, vectors
