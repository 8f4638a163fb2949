"""The dominance diagnostic of an index (paper Fig. 6), computed once per encoder and N, kept beside it.

Fig. 6 is a distribution over documents: where each embedding sits between what its text alone and
what its pictures alone say (`mme_core.diagnostics`). Measuring it costs two encoder calls per part
(the part's own embedding is read from the index), so it runs on a sample of at most
`SAMPLE_SIZE` parts and is stored in the `dominance` table: one row per sampled part, keyed by
encoder fingerprint and N, each row also saying what it was computed on (how many rows the index
held, when, the part's content hash). The page reads the values of its top results from here.

The sample is the parts whose keys hash lowest (sha256), so it is the same on every run and stays
mostly the same as rows come and go. A stored sample is recomputed when the collection changed
much since (`needs_refresh`): more than `STALE_FRACTION` of the rows it was computed on estimated
added, removed or edited, or another encoder (a different fingerprint finds no rows at all).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa

from indexer.meta import table_names
from indexer.schema import granularity_label, keys_filter, row_to_doc, sql_string, vector_column
from indexer.store import Index
from mme_core.diagnostics import Dominance, measure_dominance

DOMINANCE_TABLE = "dominance"
SAMPLE_SIZE = 500
STALE_FRACTION = 0.2
_IN_CHUNK = 500  # keys per `IN (...)` clause
_SCHEMA = pa.schema(
    [
        pa.field("encoder", pa.string()),  # fingerprint
        pa.field("n", pa.string()),  # granularity label: "3", "full"
        pa.field("key", pa.string()),  # the documents table's row key
        pa.field("content_hash", pa.string()),  # of the part when it was measured
        pa.field("title", pa.string()),
        pa.field("modality", pa.string()),  # interleaved | text | image
        pa.field("cos_text", pa.float64()),  # null for a single-modality part
        pa.field("cos_image", pa.float64()),
        pa.field("index_rows", pa.int64()),  # rows in the index when this sample was drawn
        pa.field("computed", pa.string()),  # ISO time; one value per sample
    ]
)


@dataclass(frozen=True)
class DominanceSample:
    """One stored sample: per-part values by row key, and what it was computed on."""

    n: object
    encoder: str
    values: dict[str, Dominance]  # row key -> Dominance (its doc_id is the row key)
    content_hashes: dict[str, str]
    index_rows: int
    computed: str

    def scores(self) -> np.ndarray:
        """The defined scores (parts with both text and pictures), (M,)."""
        return np.array([d.score for d in self.values.values() if d.score is not None], dtype=np.float64)


def sample_keys(keys: list[str], size: int = SAMPLE_SIZE) -> list[str]:
    """The `size` keys whose sha256 is lowest: deterministic, and stable when other rows come and go."""
    return sorted(keys, key=lambda key: hashlib.sha256(key.encode()).digest())[:size]


def load_sample(index: Index, fingerprint: str, n) -> DominanceSample | None:
    """The stored sample for this encoder and N (the newest, if an interrupted refresh left two)."""
    if DOMINANCE_TABLE not in table_names(index.db):
        return None
    where = f"encoder = {sql_string(fingerprint)} AND n = {sql_string(granularity_label(n))}"
    rows = index.db.open_table(DOMINANCE_TABLE).search().where(where).limit(None).to_arrow().to_pylist()
    if not rows:
        return None
    newest = max(row["computed"] for row in rows)
    rows = [row for row in rows if row["computed"] == newest]
    values = {
        row["key"]: Dominance(row["key"], row["modality"], row["cos_text"], row["cos_image"]) for row in rows
    }
    hashes = {row["key"]: row["content_hash"] for row in rows}
    return DominanceSample(n, fingerprint, values, hashes, int(rows[0]["index_rows"]), newest)


def estimated_change(index: Index, sample: DominanceSample) -> float:
    """Estimated fraction of the sampled-from rows added, removed or edited since: the sample says
    which share of the old rows is gone or edited, the row count then says how many were added."""
    then = sample.index_rows
    now = index.count()
    if then == 0:
        return 0.0 if now == 0 else float("inf")
    keys = list(sample.content_hashes)
    current: dict[str, str] = {}
    for start in range(0, len(keys), _IN_CHUNK):
        rows = index.scan(["key", "content_hash"], keys_filter(keys[start : start + _IN_CHUNK]))
        current.update(zip(rows["key"].to_pylist(), rows["content_hash"].to_pylist(), strict=True))
    gone = sum(key not in current for key in keys) / len(keys) if keys else 0.0
    edited = sum(key in current and current[key] != h for key, h in sample.content_hashes.items())
    edited = edited / len(keys) if keys else 0.0
    removed = then * gone
    added = max(0.0, now - (then - removed))
    return (removed + added + then * edited) / then


def needs_refresh(index: Index, sample: DominanceSample | None) -> bool:
    return sample is None or estimated_change(index, sample) > STALE_FRACTION


def compute_sample(
    index: Index, encoder, n, size: int = SAMPLE_SIZE, batch_size: int | None = None
) -> DominanceSample | None:
    """Measure the sample now and store it (replacing older samples for this encoder and N)."""
    if n not in index.meta.ns:
        _refuse(index, n)
    fingerprint = str(encoder.fingerprint)
    if fingerprint != index.meta.fingerprint:
        raise ValueError(
            f"the encoder (fingerprint {fingerprint}) is not the one index {index.uri} was built with "
            f"({index.meta.fingerprint}); its dominance would describe other vectors"
        )
    total = index.count()
    chosen = sample_keys(index.scan(["key"])["key"].to_pylist(), size)
    column = vector_column(n)
    wanted = ["key", "id", "title", "source", "part", "collection", "segments", "content_hash", column]
    rows: list[dict] = []
    for start in range(0, len(chosen), _IN_CHUNK):
        rows += index.scan(wanted, keys_filter(chosen[start : start + _IN_CHUNK])).to_pylist()
    if not rows:
        return None
    docs = [row_to_doc(row) for row in rows]
    stored = np.array([row[column] for row in rows], dtype=np.float32)  # (S, D)
    measured = measure_dominance(encoder, docs, n=n, batch_size=batch_size, embeddings=stored)
    computed = datetime.now(UTC).isoformat(timespec="microseconds")  # tells two samples apart
    table = pa.Table.from_pylist(
        [
            {
                "encoder": fingerprint,
                "n": granularity_label(n),
                "key": row["key"],
                "content_hash": row["content_hash"],
                "title": row["title"] or row["id"],
                "modality": m.modality,
                "cos_text": m.cos_text,
                "cos_image": m.cos_image,
                "index_rows": total,
                "computed": computed,
            }
            for row, m in zip(rows, measured, strict=True)
        ],
        schema=_SCHEMA,
    )
    _store(index, table, fingerprint, n, computed)
    return load_sample(index, fingerprint, n)


def ensure_sample(index: Index, encoder, n, size: int = SAMPLE_SIZE) -> DominanceSample | None:
    """The stored sample for the index's encoder and N, computed first if missing or stale (None for
    an empty index)."""
    sample = load_sample(index, str(encoder.fingerprint), n)
    if needs_refresh(index, sample):
        sample = compute_sample(index, encoder, n, size)
    return sample


def _store(index: Index, table: pa.Table, fingerprint: str, n, computed: str) -> None:
    """Add the new sample, then drop older ones and any of another encoder (the index's vectors are
    of one encoder only): a reader in between sees the newest sample, by time."""
    if DOMINANCE_TABLE not in table_names(index.db):
        index.db.create_table(DOMINANCE_TABLE, schema=_SCHEMA, exist_ok=True)
    stored = index.db.open_table(DOMINANCE_TABLE)
    if table.num_rows:
        stored.add(table)
    label = granularity_label(n)
    this = f"encoder = {sql_string(fingerprint)} AND n = {sql_string(label)}"
    stored.delete(f"encoder != {sql_string(fingerprint)} OR ({this} AND computed != {sql_string(computed)})")


def _refuse(index: Index, n):
    stored = ", ".join(map(granularity_label, index.meta.ns))
    raise ValueError(f"N={granularity_label(n)} is not stored in index {index.uri}; stored N: {stored}")
