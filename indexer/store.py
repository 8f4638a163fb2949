"""The LanceDB store: an index is a LanceDB database (a local directory or any LanceDB URI)
holding the documents table (`indexer.schema`) and its metadata (`indexer.meta`).

`Index` opens or creates one, refuses an encoder other than the one it was built with, and reads,
upserts and removes rows. Every write is one LanceDB commit, so a reader never sees half of one.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa

from indexer.meta import (
    META_TABLE,
    IndexMeta,
    IndexMismatchError,
    IndexNotFoundError,
    now_iso,
    read_meta,
    table_names,
    write_meta,
)
from indexer.schema import (
    document_schema,
    granularity_label,
    keys_filter,
    row_to_doc,
    sql_string,
    vector_column,
)
from indexer.uri import connect, is_local
from mme_core.documents import InterleavedDoc

__all__ = ["Index", "IndexMeta", "IndexMismatchError", "IndexNotFoundError", "create_table"]

_IN_CHUNK = 500  # keys per `IN (...)` clause


class Index:
    """An open index: metadata plus the documents table. Create with `open` / `open_or_create`."""

    def __init__(
        self, uri: str, db, meta: IndexMeta, pending: IndexMeta | None = None, staged_for=None
    ) -> None:
        """`meta` describes this object's table. A staged index (a rebuild in progress) writes into
        the pending table while `staged_for`, the active index, keeps serving searches."""
        self.uri = uri
        self.db = db
        self.meta = meta
        self.pending = pending
        self.staged_for: IndexMeta | None = staged_for
        self.table = db.open_table(meta.table)

    # --- opening ---------------------------------------------------------------------------------
    @staticmethod
    def exists(uri: str | Path) -> bool:
        uri = str(uri)
        if is_local(uri) and not Path(uri.removeprefix("file://")).is_dir():
            return False
        return META_TABLE in table_names(connect(uri))

    @classmethod
    def open(cls, uri: str | Path) -> Index:
        uri = str(uri)
        if not cls.exists(uri):
            raise IndexNotFoundError(
                f"no index at {uri}; create one with: python -m indexer add PATH --index {uri}"
            )
        db = connect(uri)
        active, pending = read_meta(db)
        return cls(uri, db, active, pending)

    @classmethod
    def open_or_create(cls, uri: str | Path, meta: IndexMeta) -> Index:
        """Open (checking the encoder and N set) or create an index described by `meta`."""
        uri = str(uri)
        if cls.exists(uri):
            index = cls.open(uri)
            index.check_compatible(meta)
            return index
        db = connect(uri)
        create_table(db, meta)
        write_meta(db, meta, None)
        return cls(uri, db, meta)

    def check_compatible(self, wanted: IndexMeta) -> None:
        have, pending = self.meta, self.pending
        if (have.fingerprint, have.dim) != (wanted.fingerprint, wanted.dim):
            if pending is not None and (pending.fingerprint, pending.dim) == (wanted.fingerprint, wanted.dim):
                raise IndexMismatchError(
                    f"index {self.uri} is still being rebuilt for {wanted.describe()} and serves "
                    f"{have.describe()} until then; finish the rebuild with: python -m indexer rebuild "
                    f"--index {self.uri} --model {wanted.model_id}"
                )
            raise IndexMismatchError(
                f"index {self.uri} was built with {have.describe()}, but the loaded encoder is "
                f"{wanted.describe()}. Load the index's model (--model {have.model_id}"
                f"{f' --adapter {have.adapter}' if have.adapter else ''}) or re-embed everything with the "
                f"new one: python -m indexer rebuild --index {self.uri} --model {wanted.model_id}"
            )
        if set(have.ns) != set(wanted.ns):
            raise IndexMismatchError(
                f"index {self.uri} stores N = {', '.join(map(granularity_label, have.ns))}, not "
                f"{', '.join(map(granularity_label, wanted.ns))}; keep its N set or change it with: "
                f"python -m indexer rebuild --index {self.uri} --ns "
                f"{','.join(map(granularity_label, wanted.ns))}"
            )

    def check_encoder(self, encoder) -> None:
        self.check_compatible(IndexMeta.for_encoder(encoder, self.meta.ns))

    # --- reading ---------------------------------------------------------------------------------
    def count(self, where: str | None = None) -> int:
        return self.table.count_rows(where)

    def scan(self, columns: list[str], where: str | None = None) -> pa.Table:
        query = self.table.search().select(columns).limit(None)
        return (query.where(where) if where else query).to_arrow()

    def content_hashes(self, collection: str | None = None) -> dict[str, str]:
        """key -> content hash, for one collection (or all rows)."""
        where = None if collection is None else f"collection = {sql_string(collection)}"
        rows = self.scan(["key", "content_hash"], where)
        return dict(zip(rows["key"].to_pylist(), rows["content_hash"].to_pylist(), strict=True))

    def documents(self, where: str | None = None) -> list[InterleavedDoc]:
        rows = self.scan(["id", "title", "source", "part", "collection", "segments"], where)
        return [row_to_doc(row) for row in rows.to_pylist()]

    def vectors(self, n, keys: list[str] | None = None) -> dict[str, np.ndarray]:
        column = vector_column(n)
        where = None if keys is None else keys_filter(keys)
        rows = self.scan(["key", column], where)
        vectors = rows[column].to_numpy(zero_copy_only=False)
        return {
            key: np.asarray(vec, dtype=np.float32)
            for key, vec in zip(rows["key"].to_pylist(), vectors, strict=True)
        }

    # --- writing ---------------------------------------------------------------------------------
    def upsert(self, rows: pa.Table) -> None:
        """Insert or replace rows by key in one commit: a re-run never duplicates a row."""
        (
            self.table.merge_insert("key")
            .when_matched_update_all()
            .when_not_matched_insert_all()
            .execute(rows.cast(self.table.schema))
        )

    def delete_keys(self, keys: list[str]) -> None:
        for start in range(0, len(keys), _IN_CHUNK):
            self.table.delete(keys_filter(keys[start : start + _IN_CHUNK]))

    def remove(self, target: str) -> int:
        """Remove a document id, a collection, or a file / folder inside one. Returns rows removed."""
        where = f"id = {sql_string(target)}"
        path = Path(target).expanduser().resolve()
        for collection in self.meta.collections:
            if path == Path(collection):
                where += f" OR collection = {sql_string(collection)}"
            elif path.is_relative_to(collection):
                relative = path.relative_to(collection).as_posix()
                folder = sql_string(relative + "/")
                inside = f"source = {sql_string(relative)} OR starts_with(source, {folder})"
                where += f" OR (collection = {sql_string(collection)} AND ({inside}))"
        removed = self.count(where)
        if removed:
            self.table.delete(where)
        if str(path) in self.meta.collections:  # forget it, so `rebuild` does not read it back
            self.update_meta(collections=tuple(c for c in self.meta.collections if c != str(path)))
        return removed

    def update_meta(self, **changes) -> IndexMeta:
        self.meta = replace(self.meta, updated=now_iso(), **changes)
        if self.staged_for is not None:
            write_meta(self.db, self.staged_for, self.meta)
        else:
            write_meta(self.db, self.meta, self.pending)
        return self.meta

    def stats(self) -> dict:
        rows = self.scan(["id", "n_images"])
        meta = self.meta
        return {
            "uri": self.uri,
            "documents": len(set(rows["id"].to_pylist())),
            "parts": rows.num_rows,
            "images": int(sum(rows["n_images"].to_pylist())),
            "ns": list(meta.ns),
            "model": meta.model_id,
            "adapter": meta.adapter,
            "family": meta.family,
            "fingerprint": meta.fingerprint,
            "dim": meta.dim,
            "created": meta.created,
            "updated": meta.updated,
            "collections": list(meta.collections),
            "table_version": self.table.version,
            "rebuild_pending": self.pending is not None,
        }


def create_table(db, meta: IndexMeta):
    schema = document_schema(meta.dim, meta.ns)
    schema = schema.with_metadata(schema.metadata | {"mme.fingerprint": meta.fingerprint})
    return db.create_table(meta.table, schema=schema, exist_ok=True)
