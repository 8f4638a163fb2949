"""The LanceDB store: one row per document part, one vector column per stored granularity N.

An index is a LanceDB database (a local directory or any LanceDB URI) holding two tables:

- the documents table (named in the metadata, `documents` at first), declared once in
  `document_schema`: key (`collection|id#part`, the upsert key), id, title, source (relative to
  its collection, as readers give it), part, collection (the folder it was read from),
  segments (JSON: text, image paths and their content hashes), content_hash, n_images and one
  fixed-size-list float32 column per N (`vec_n3`, `vec_full`, ...);
- `index_meta`, a single row of JSON: the active `IndexMeta` (model, adapter, encoder fingerprint,
  dim, N set, created/updated, collections) and, while a rebuild is under way, the pending one.

Only the fingerprint and dim decide whether an encoder may write to or search an index: vectors of
another model live in another space, so mixing them would silently return garbage.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import lancedb
import numpy as np
import pyarrow as pa

from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment

META_TABLE = "index_meta"
DEFAULT_TABLE = "documents"
SCHEMA_VERSION = 1
_IN_CHUNK = 500  # keys per `IN (...)` clause


def vector_column(n: int | str) -> str:
    return "vec_full" if n == "full" else f"vec_n{int(n)}"


def granularity_label(n: int | str) -> str:
    return "full" if n == "full" else str(int(n))


def sql_string(value: str) -> str:
    """A SQL string literal for LanceDB filters (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def row_key(collection: str, doc_id: str, part: int) -> str:
    """Unique per row: readers' ids are paths relative to their collection, so two collections may
    both hold `index.md`."""
    return f"{collection}|{doc_id}#{part}"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def document_schema(dim: int, ns: tuple) -> pa.Schema:
    """The documents table, declared once. `key` is unique per row and is the merge_insert key."""
    fields = [
        pa.field("key", pa.string(), nullable=False),
        pa.field("id", pa.string(), nullable=False),
        pa.field("title", pa.string()),
        pa.field("source", pa.string()),
        pa.field("part", pa.int32()),
        pa.field("collection", pa.string()),
        pa.field("segments", pa.string()),
        pa.field("content_hash", pa.string()),
        pa.field("n_images", pa.int32()),
    ]
    fields += [pa.field(vector_column(n), pa.list_(pa.float32(), dim)) for n in ns]
    return pa.schema(fields, metadata={"mme.schema_version": str(SCHEMA_VERSION)})


class IndexMismatchError(ValueError):
    """The index was built with another encoder (or N set) than the one offered."""


class IndexNotFoundError(ValueError):
    pass


@dataclass(frozen=True)
class IndexMeta:
    """What an index was built with. `fingerprint` + `dim` decide compatibility."""

    model_id: str
    fingerprint: str
    dim: int
    ns: tuple
    adapter: str | None = None
    family: str = ""
    table: str = DEFAULT_TABLE
    created: str = field(default_factory=now_iso)
    updated: str = field(default_factory=now_iso)
    collections: tuple[str, ...] = ()
    ann_indices: dict = field(default_factory=dict)  # vector column -> {"trained_rows", "partitions"}

    @classmethod
    def for_encoder(cls, encoder, ns, **extra) -> IndexMeta:
        adapter = getattr(encoder, "adapter", None)
        return cls(
            model_id=str(encoder.model_id),
            fingerprint=str(encoder.fingerprint),
            dim=int(encoder.dim),
            ns=tuple(ns),
            adapter=str(adapter) if adapter else None,
            family=str(getattr(encoder, "family", "")),
            **extra,
        )

    def describe(self) -> str:
        adapter = f" + adapter {self.adapter}" if self.adapter else ""
        return f"{self.model_id}{adapter} (fingerprint {self.fingerprint}, dim {self.dim})"

    def to_dict(self) -> dict:
        return asdict(self) | {"ns": list(self.ns), "collections": list(self.collections)}

    @classmethod
    def from_dict(cls, data: dict) -> IndexMeta:
        ns = tuple(n if n == "full" else int(n) for n in data["ns"])
        return cls(**(data | {"ns": ns, "collections": tuple(data.get("collections", ()))}))


def describe_encoder(encoder) -> str:
    adapter = getattr(encoder, "adapter", None)
    adapter = f" + adapter {adapter}" if adapter else ""
    return f"{encoder.model_id}{adapter} (fingerprint {encoder.fingerprint}, dim {encoder.dim})"


def _is_local(uri: str) -> bool:
    return "://" not in uri


def table_names(db) -> set[str]:
    names: set[str] = set()
    token = None
    while True:
        response = db.list_tables(page_token=token)
        names.update(response.tables)
        token = response.page_token
        if not token:
            return names


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
        if _is_local(uri) and not Path(uri).is_dir():
            return False
        return META_TABLE in table_names(lancedb.connect(uri))

    @classmethod
    def open(cls, uri: str | Path) -> Index:
        uri = str(uri)
        if not cls.exists(uri):
            raise IndexNotFoundError(
                f"no index at {uri}; create one with: python -m indexer add PATH --index {uri}"
            )
        db = lancedb.connect(uri)
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
        db = lancedb.connect(uri)
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


# --- metadata table ----------------------------------------------------------------------------
_META_SCHEMA = pa.schema([pa.field("active", pa.string()), pa.field("pending", pa.string())])


def read_meta(db) -> tuple[IndexMeta, IndexMeta | None]:
    rows = db.open_table(META_TABLE).to_arrow().to_pylist()
    if len(rows) != 1:
        raise ValueError(f"corrupt index metadata: expected one row in {META_TABLE}, found {len(rows)}")
    pending = rows[0]["pending"]
    return (
        IndexMeta.from_dict(json.loads(rows[0]["active"])),
        IndexMeta.from_dict(json.loads(pending)) if pending else None,
    )


def write_meta(db, active: IndexMeta, pending: IndexMeta | None) -> None:
    """Overwrite the single metadata row; a LanceDB overwrite is one atomic commit."""
    row = {"active": json.dumps(active.to_dict()), "pending": pending and json.dumps(pending.to_dict())}
    data = pa.Table.from_pylist([row], schema=_META_SCHEMA)
    if META_TABLE in table_names(db):
        db.open_table(META_TABLE).add(data, mode="overwrite")
    else:
        db.create_table(META_TABLE, data=data)


def create_table(db, meta: IndexMeta):
    schema = document_schema(meta.dim, meta.ns)
    schema = schema.with_metadata(schema.metadata | {"mme.fingerprint": meta.fingerprint})
    return db.create_table(meta.table, schema=schema, exist_ok=True)


# --- rows <-> documents ------------------------------------------------------------------------
def keys_filter(keys: list[str]) -> str:
    return f"key IN ({', '.join(sql_string(k) for k in keys)})" if keys else "false"


def segments_json(doc: InterleavedDoc) -> str:
    items = [
        {"text": s.text} if isinstance(s, TextSegment) else {"image": s.path, "sha256": s.content_hash()}
        for s in doc.segments
    ]
    return json.dumps(items, ensure_ascii=False)


def row_to_doc(row: dict) -> InterleavedDoc:
    segments = tuple(
        TextSegment(item["text"]) if "text" in item else ImageSegment(item["image"])
        for item in json.loads(row["segments"])
    )
    return InterleavedDoc(
        segments,
        id=row["id"],
        title=row["title"] or "",
        source=row["source"] or "",
        part=int(row["part"] or 0),
        meta={"collection": row.get("collection") or ""},
    )


def docs_to_rows(
    docs: list[InterleavedDoc], hashes: list[str], vectors: dict, collection: str, schema: pa.Schema
) -> pa.Table:
    """Rows for `docs`; `vectors[n]` is (len(docs), dim) float32 from one `encode_all` pass."""
    columns: dict[str, list | pa.Array] = {
        "key": [row_key(collection, d.id, d.part) for d in docs],
        "id": [d.id for d in docs],
        "title": [d.title for d in docs],
        "source": [d.source for d in docs],
        "part": [d.part for d in docs],
        "collection": [collection] * len(docs),
        "segments": [segments_json(d) for d in docs],
        "content_hash": hashes,
        "n_images": [len(d.images) for d in docs],
    }
    for n, matrix in vectors.items():
        matrix = np.ascontiguousarray(matrix, dtype=np.float32)  # (B, dim)
        if matrix.shape[0] != len(docs):
            raise ValueError(f"encoder gave {matrix.shape[0]} vectors at N={n} for {len(docs)} documents")
        flat = pa.array(matrix.ravel())  # (B * dim,)
        columns[vector_column(n)] = pa.FixedSizeListArray.from_arrays(flat, matrix.shape[1])
    return pa.table({name: columns[name] for name in schema.names}, schema=schema)
