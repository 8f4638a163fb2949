"""Incremental, resumable indexing of a collection.

    report = build_index("~/notes", "./mme-index", encoder)   # or a list of InterleavedDoc

A folder's notes that the index's stat cache finds unchanged, with every picture they show and
every link they resolve, are not even read (`indexer.file_stats`); the rest are compared by content
hash (text + image bytes) with what the index holds for that collection: unchanged parts are
skipped, new and changed ones embedded at every stored N by one `encode_all` pass, vanished ones
deleted. Rows are written in batches by `merge_insert` on the row
key, each batch one atomic LanceDB commit, so a run killed at any point leaves only whole batches
behind and the next run picks up where it stopped, with no duplicates and nothing lost.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from indexer.ann import AnnConfig, ann_is_stale, refresh_ann
from indexer.file_stats import drop_stats, replace_stats
from indexer.keyword import ensure_keyword_index, keyword_index_outdated
from indexer.maintenance import CompactionPolicy, compact_index
from indexer.meta import IndexMeta, now_iso
from indexer.multivector import encode_kinds, refresh_multi_ann, vector_keys
from indexer.picture_words import PictureWordsCache, add_picture_words, check_available, shared_reader
from indexer.prepare import (
    DEFAULT_BUDGET,
    Prepared,
    downloads_pictures,
    place_collection,
    read_docs,
    split_docs,
)
from indexer.progress import PhaseProgress, ProgressCallback
from indexer.schema import (
    docs_to_rows,
    keyword_text_version,
    row_key,
    row_metadata,
    vector_column,
)
from indexer.skipped import Skipped
from indexer.sources.remote import RemotePictures
from indexer.store import Index, pictures_folder, prune_unreferenced
from indexer.svg_words import add_svg_words
from indexer.vision_cache import LanceVisionCache
from mme_core.documents import InterleavedDoc
from mme_core.pooling import parse_granularities
from mme_core.vision_pass import cache_preprocessing

DEFAULT_NS = (1, 2, 3, 4, 6)
DEFAULT_COMPACTION = CompactionPolicy()


@dataclass(frozen=True)
class BuildReport:
    index_uri: str
    collection: str  # the collection's name, or "" for documents passed directly
    parts: int  # document parts in the collection this run
    added: int
    updated: int
    unchanged: int
    removed: int
    failed: tuple[tuple[str, str], ...]  # (document id, reason), left as they were in the index
    rows: int  # rows in the whole index afterwards
    seconds: float
    embed_seconds: float
    reused: int = 0  # parts whose vectors were copied from identical content already in the index
    skipped: tuple[Skipped, ...] = ()  # references and documents not indexed, with their reasons
    root: str = ""  # the collection's folder
    moved_from: str = ""  # the folder the collection was at before, when this run re-pointed it
    notes_read: int | None = None  # notes read and parsed (None: not a folder read with the stat cache)

    @property
    def embedded(self) -> int:
        return self.added + self.updated - self.reused

    @property
    def docs_per_second(self) -> float:
        return self.embedded / self.embed_seconds if self.embed_seconds > 0 else 0.0

    def summary(self) -> str:
        reused = f" ({self.reused} reused known vectors)" if self.reused else ""
        moved = f"; collection '{self.collection}' moved from {self.moved_from}" if self.moved_from else ""
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.removed} removed, {len(self.failed)} failed{reused}; {self.rows} rows in "
            f"{self.index_uri} ({self.seconds:.1f} s, {self.docs_per_second:.1f} docs/s embedding){moved}"
        )


def build_index(
    docs_or_path,
    index_uri,
    encoder,
    ns=None,
    progress: bool = True,
    *,
    name: str | None = None,
    batch_size: int | None = None,
    write_batch: int = 64,
    budget: int = DEFAULT_BUDGET,
    ann: AnnConfig | None = None,
    demo: bool = False,
    compaction: CompactionPolicy | None = DEFAULT_COMPACTION,
    embed_chunks=None,
    on_progress: ProgressCallback | None = None,
    read_pictures: bool | None = None,
    fetch_pictures: bool | None = None,
) -> BuildReport:
    """Add a collection folder (or documents with ids) to the index at `index_uri`, incrementally.

    A folder becomes the collection `name` (default: the folder's name). `ns` defaults to the
    index's N set, or `DEFAULT_NS` for a new index; an index built with another encoder or N set is
    refused (`IndexMismatchError`, which says how to rebuild) before anything is read or written.
    The run ends with `compact_index` (`compaction=None`: no compaction); `embed_chunks`: see build_into.
    `on_progress` receives a `BuildProgress` (phase, documents done, total, rate, ETA) per document.
    `read_pictures`: read the words in pictures into the keyword text from now on (True), stop (False),
    or keep the index's choice (None; a new index: no), see `indexer.picture_words`.
    `fetch_pictures`: download the pictures the notes show from the web (True), stop (False), or keep
    the collection's choice (None; a new collection: no), see `indexer.sources.remote`.
    """
    started = time.perf_counter()
    index_uri = str(index_uri)
    existing = Index.open(index_uri) if Index.exists(index_uri) else None
    ns = ns if ns is not None else existing.meta.ns if existing else DEFAULT_NS
    words = read_pictures if read_pictures is not None else bool(existing and existing.meta.picture_words)
    if words:
        check_available()
    meta = IndexMeta.for_encoder(encoder, parse_granularities(ns, encoder.granularities), picture_words=words)
    if existing is not None:
        existing.check_compatible(meta)
    downloads = downloads_pictures(docs_or_path, name, existing, fetch_pictures)
    pictures = pictures_folder(index_uri)
    remote = RemotePictures(pictures) if downloads else None
    with PhaseProgress("read", 1, False, on_progress) as reading:
        prepared = read_docs(
            docs_or_path, name, existing, budget, cache=True, pictures=pictures, words=words, remote=remote
        )
        reading.total = len(prepared.docs)
        reading.advance(len(prepared.docs))
    moved_from = place_collection(prepared, existing, name is not None)
    split_docs(prepared, encoder, meta.ns, budget)
    index = existing or Index.open_or_create(index_uri, meta)
    if index.meta.picture_words != words:
        index.update_meta(picture_words=words)
    report = build_into(
        index, prepared, encoder, progress, batch_size, write_batch, ann, started, demo=demo,
        compaction=compaction, embed_chunks=embed_chunks, on_progress=on_progress,
    )  # fmt: skip
    return replace(report, moved_from=moved_from)


def build_into(
    index: Index,
    prepared: Prepared,
    encoder,
    progress: bool = True,
    batch_size: int | None = None,
    write_batch: int = 64,
    ann: AnnConfig | None = None,
    started: float | None = None,
    demo: bool = False,
    compaction: CompactionPolicy | None = DEFAULT_COMPACTION,
    embed_chunks=None,
    on_progress: ProgressCallback | None = None,
) -> BuildReport:
    """The incremental build proper, on an open index (the active one, or a rebuild's staging one).

    `embed_chunks` (default `embed_locally`) yields, per write batch, the chunk of (doc, hash), the
    chunk positions it embedded and their vectors; the Ray engine (`indexer.ray_build`) passes its own."""
    if write_batch < 1 or batch_size is not None and batch_size < 1:
        raise ValueError(f"batch sizes must be positive: batch_size={batch_size}, write_batch={write_batch}")
    started = started if started is not None else time.perf_counter()  # from reading, when given
    collection, docs = prepared.collection, prepared.docs
    ns = vector_keys(index.meta)  # every N, and every N's multi-vector matrices on a multi-vector index
    if collection:  # remembered first, so `rebuild` can read the folder again after a crash
        index.update_meta(**_with_collection(index.meta, collection, prepared.root, demo, prepared.downloads))
    stored = index.stored_rows(collection)
    refolded = 0  # rows whose keyword text an earlier release wrote otherwise: rewritten, not embedded
    if index.meta.text_fold != keyword_text_version():
        refolded = index.rewrite_keyword_text()
        index.update_meta(text_fold=keyword_text_version())
    failed = list(prepared.failed)
    skipped = list(prepared.skipped)
    todo: list[tuple[InterleavedDoc, str]] = []
    kept = prepared.stats.kept if prepared.stats is not None else set()  # notes not read: rows stay
    current = {key for key, source in prepared.stats.row_sources.items() if source in kept} if kept else set()
    unchanged = kept_rows = len(current)
    if kept:  # what was reported about them stays reported
        previous = index.skipped(collection)
        skipped += [Skipped(**_skipped_fields(row)) for row in previous if row["source"] in kept]
    docs = prepared.docs = add_svg_words(docs)  # a diagram's labels: always, they cost nothing
    if index.meta.picture_words and docs:
        docs, unread = add_picture_words(
            docs,
            PictureWordsCache(index.db),
            shared_reader(),
            prepared.root,
            lambda total: PhaseProgress("words", total, progress, on_progress, unit="pictures"),
        )
        prepared.docs = docs
        skipped += unread
        prepared.retry |= {item.source for item in unread}  # read again next run, words and all
    with PhaseProgress("hash", len(docs), progress, on_progress) as hashing:
        for doc in docs:
            key = row_key(doc.id, doc.part)
            current.add(key)
            hashing.advance()
            try:
                digest = doc.content_hash()
            except ValueError as err:
                failed.append((doc.id, str(err)))
                skipped.append(Skipped.from_failure(doc.source or doc.id, str(err)))
                continue
            if stored.get(key) == (digest, row_metadata(doc)):
                unchanged += 1
            else:
                todo.append((doc, digest))
    broken = {doc_id for doc_id, _ in failed}  # kept as indexed until they can be read again
    vanished = sorted(k for k in set(stored) - current if k.rpartition("#")[0] not in broken)
    index.delete_keys(vanished)
    known = index.vectors_by_hash({digest for _, digest in todo})
    vision_cache = LanceVisionCache(index.db)

    added = updated = reused = 0
    embed_started = time.perf_counter()
    encoding = PhaseProgress("encode", len(todo), progress, on_progress)
    writing = PhaseProgress("write", len(todo), False, on_progress)
    embed = embed_chunks or embed_locally
    before = len(failed)
    with encoding, writing:
        chunks = embed(
            todo, known, encoder, ns, batch_size, write_batch, failed, vision_cache, encoding.advance
        )
        for chunk, good, vectors in chunks:
            sources = {doc.id: doc.source or doc.id for doc, _ in chunk}
            skipped += [Skipped.from_failure(sources[doc_id], reason) for doc_id, reason in failed[before:]]
            before = len(failed)
            by_position = {g: {n: vectors[n][row] for n in ns} for row, g in enumerate(good)}
            by_position |= {i: known[digest] for i, (_, digest) in enumerate(chunk) if digest in known}
            positions = sorted(by_position)
            if positions:
                docs_ok, hashes = [chunk[i][0] for i in positions], [chunk[i][1] for i in positions]
                matrices = {n: np.stack([by_position[i][n] for i in positions]) for n in ns}
                rows = docs_to_rows(docs_ok, hashes, matrices, collection, index.table.schema)
                index.upsert(rows)
                new = sum(key not in stored for key in rows["key"].to_pylist())
                added, updated = added + new, updated + len(positions) - new
                reused += len(positions) - len(good)
            writing.advance(len(chunk))
    embed_seconds = time.perf_counter() - embed_started
    # pictures may have left with removed or changed rows; a rebuild's old rows still show theirs
    prune_unreferenced(
        index, vision=bool(vanished or updated), pictures=bool(todo or vanished) and index.staged_for is None
    )
    if collection:
        if not kept or _skipped_changed(index.skipped(collection), skipped):
            index.record_skipped(collection, skipped)
        _record_stats(index, prepared, failed)

    outdated = keyword_index_outdated(index.table)  # an earlier release's tokenizer: built again
    if todo or vanished or outdated or refolded:  # built once; later rows are searched until optimize()
        ensure_keyword_index(index.table, replace=outdated or refolded > 0)
    columns = [vector_column(n) for n in index.meta.ns]
    config = ann or AnnConfig()
    if todo or vanished or ann_is_stale(index.table, columns, index.meta.dim, config):
        indices = refresh_ann(index.table, columns, index.meta.dim, index.meta.ann_indices, config)
        if index.meta.vectors == "multi":
            indices = refresh_multi_ann(index.table, index.meta, indices, config)
        index.update_meta(ann_indices=indices)
    if compaction is not None:
        compact_index(index, compaction)
    return BuildReport(
        index_uri=index.uri,
        collection=collection,
        parts=len(docs) + kept_rows,
        added=added,
        updated=updated,
        unchanged=unchanged,
        removed=len(vanished),
        failed=tuple(failed),
        rows=index.count(),
        seconds=time.perf_counter() - started,
        embed_seconds=embed_seconds,
        reused=reused,
        skipped=tuple(skipped),
        root=prepared.root,
        notes_read=prepared.stats.read if prepared.stats is not None else None,
    )


def embed_locally(todo, known, encoder, ns, batch_size, write_batch, failed, vision_cache=None, advance=None):
    """Per `write_batch` of `todo`: (chunk, positions embedded, {n: (len(positions), dim)}); documents
    whose content hash is in `known` are left for the caller to reuse. Pictures already in the
    `vision_cache` skip the vision tower; `advance(k)` is told of every k documents done."""
    advance = advance or (lambda count: None)
    for start in range(0, len(todo), write_batch):
        chunk = todo[start : start + write_batch]
        fresh = [i for i, (_, digest) in enumerate(chunk) if digest not in known]
        if vision_cache is not None:
            images: dict[str, set[str]] = {}  # preprocessing -> hashes (hashed already: no reads)
            for segment in (s for i in fresh for s in chunk[i][0].images):
                how = cache_preprocessing(segment, encoder.preprocessing_id)
                images.setdefault(how, set()).add(segment.content_hash())
            vision_cache.prefetch(images, encoder.fingerprint)
        docs = [chunk[i][0] for i in fresh]
        good, vectors = encode_batch(docs, encoder, ns, batch_size, failed, vision_cache, advance)
        advance(len(chunk) - len(fresh))  # reused vectors: nothing to encode
        if vision_cache is not None:
            vision_cache.flush()  # before the documents: a kill in between leaves only unused entries
        yield chunk, [fresh[g] for g in good], vectors


def _skipped_fields(row: dict) -> dict:
    return {name: row[name] for name in ("source", "reference", "reason", "message")}


def _skipped_changed(before: list[dict], after: list[Skipped]) -> bool:
    """Whether the skipped rows differ (a no-op run then writes nothing)."""
    return sorted(tuple(_skipped_fields(row).values()) for row in before) != sorted(
        tuple(item.to_dict().values()) for item in after
    )


def _record_stats(index: Index, prepared: Prepared, failed: list) -> None:
    """After the rows: the stat cache of what this run read and wrote in full (see `file_stats`).
    Documents given directly, or a folder read without the cache (a rebuild), clear it."""
    stats = prepared.stats
    if stats is None:
        drop_stats(index.db, prepared.collection)
        return
    broken = {doc_id for doc_id, _ in failed}
    parts = Counter(doc.source for doc in prepared.docs)
    broken_sources = {doc.source for doc in prepared.docs if doc.id in broken} | prepared.retry
    broken_sources |= {doc_id.partition("/")[2] for doc_id in broken}
    entries = [stats.known[name] for name in sorted(stats.kept)]
    for name, entry in sorted(stats.fresh.items()):
        if name not in broken_sources and parts[name]:
            entry.parts = parts[name]
            entries.append(entry)
    if {e.source: e for e in entries} != stats.known:
        replace_stats(index.db, prepared.collection, entries, stats.recipe)


def _with_collection(meta: IndexMeta, name: str, root: str, demo: bool, downloads: bool = False) -> dict:
    """The `collections` change for update_meta: root, time, whether it is the synthetic demo
    (searches leave it out once a person has collections of their own) and whether its notes' web
    pictures are downloaded (`fetch_pictures`)."""
    entry = dict(meta.collections.get(name, {})) | {"root": root, "updated": now_iso()}
    entry |= {"demo": True} if demo else {}
    entry |= {"fetch_pictures": True} if downloads else {}
    if not downloads:
        entry.pop("fetch_pictures", None)
    return {"collections": meta.collections | {name: entry}}


def encode_batch(
    docs, encoder, ns, batch_size, failed, vision_cache=None, on_documents=None
) -> tuple[list[int], dict]:
    """All N for `docs` in one pass -> (positions embedded, {n: (len(positions), dim)}).

    If the batch fails on a bad document (a ValueError naming it), each document is retried alone
    so that one broken picture costs only its own document, which is recorded in `failed`.
    """
    try:
        done = 0

        def count(documents: int) -> None:  # a retry below must not count them twice
            nonlocal done
            done += documents
            if on_documents is not None:
                on_documents(documents)

        vectors = encode_kinds(
            encoder, docs, ns, batch_size=batch_size, vision_cache=vision_cache, on_documents=count
        )
        return list(range(len(docs))), vectors
    except ValueError as err:
        if on_documents is not None:
            on_documents(len(docs) - done)  # the retry below is per document and not counted again
        if len(docs) == 1:
            failed.append((docs[0].id, str(err)))
            return [], {}
    good, parts = [], []
    for position, doc in enumerate(docs):
        try:
            parts.append(encode_kinds(encoder, [doc], ns, batch_size=1, vision_cache=vision_cache))
            good.append(position)
        except ValueError as err:
            failed.append((doc.id, str(err)))
    vectors = {n: np.concatenate([part[n] for part in parts]) for n in ns} if parts else {}
    return good, vectors
