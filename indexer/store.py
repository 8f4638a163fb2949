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

from indexer.file_stats import drop_stats
from indexer.meta import (
    IndexMeta,
    IndexMismatchError,
    IndexNotFoundError,
    meta_written,
    mismatch_reasons,
    now_iso,
    read_meta,
    table_names,
    write_meta,
)
from indexer.multivector import MULTI, MultiKey, mv_column
from indexer.schema import (
    OLDEST_READABLE,
    SCHEMA_VERSION,
    document_schema,
    granularity_label,
    keys_filter,
    row_to_doc,
    searchable_text,
    sql_string,
    vector_column,
)
from indexer.skipped import drop_skipped, read_skipped, replace_skipped
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
        return meta_written(connect(uri))

    @classmethod
    def open(cls, uri: str | Path, *, any_version: bool = False) -> Index:
        """Open an existing index; one written by an older schema only for `rebuild` (`any_version`)."""
        uri = str(uri)
        if not cls.exists(uri):
            raise IndexNotFoundError(
                f"no index at {uri}; create one with: python -m indexer add PATH --index {uri}"
            )
        db = connect(uri)
        active, pending = read_meta(db)
        index = cls(uri, db, active, pending)
        if not any_version and index.schema_version < OLDEST_READABLE:
            raise IndexMismatchError(
                f"index {uri} was written by an older version of this program (schema "
                f"{index.schema_version}, now {SCHEMA_VERSION}); re-read its collections into the new "
                f"layout with: python -m indexer rebuild --index {uri}"
            )
        return index

    @property
    def schema_version(self) -> int:
        metadata = self.table.schema.metadata or {}
        return int(metadata.get(b"mme.schema_version", b"1"))

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
                f"{wanted.describe()}: {'; '.join(mismatch_reasons(have, wanted))}. Load what the index "
                f"was built with ({have.load_options(wanted)}) or re-embed everything with the loaded "
                f"encoder: python -m indexer rebuild --index {self.uri} {wanted.load_options(have)}"
            )
        if (have.vectors, tuple(have.budgets)) != (wanted.vectors, tuple(wanted.budgets)):
            raise IndexMismatchError(
                f"index {self.uri} holds {have.vectors} vectors{_budgets(have)}, but the loaded encoder "
                f"gives {wanted.vectors} vectors{_budgets(wanted)}; re-embed with: python -m indexer "
                f"rebuild --index {self.uri} --model {wanted.model_id}"
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

    def row_sources(self, collection: str) -> dict[str, str]:
        """key -> source (the file a row's note came from), for one collection."""
        rows = self.scan(["key", "source"], f"collection = {sql_string(collection)}")
        return dict(zip(rows["key"].to_pylist(), rows["source"].to_pylist(), strict=True))

    def stored_rows(self, collection: str | None = None) -> dict[str, tuple[str, tuple]]:
        """key -> (content hash, (title, tags, properties)) in one scan: what a build compares each
        note with (`schema.row_metadata`: a note whose front matter alone changed keeps its hash)."""
        where = None if collection is None else f"collection = {sql_string(collection)}"
        rows = self.scan(["key", "content_hash", "title", "tags", "properties"], where).to_pylist()
        return {
            r["key"]: (r["content_hash"], (r["title"] or "", tuple(r["tags"] or ()), r["properties"] or ""))
            for r in rows
        }

    def vectors_by_hash(self, hashes: set[str]) -> dict[str, dict]:
        """content hash -> {n: vector} for rows already holding that content, anywhere in the index.

        Identical content (text and image bytes) embeds identically, so a copied, moved or renamed
        note reuses its vectors instead of running the encoder again.
        """
        if not hashes:
            return {}
        columns = [vector_column(n) for n in self.meta.ns]
        multi = self.meta.vectors == MULTI  # the largest budget's column holds every stored vector
        largest = {n: mv_column(n, max(self.meta.budgets)) for n in self.meta.ns} if multi else {}
        columns += list(largest.values())
        found: dict[str, dict] = {}
        wanted = sorted(hashes)
        for start in range(0, len(wanted), _IN_CHUNK):
            chunk = ", ".join(sql_string(h) for h in wanted[start : start + _IN_CHUNK])
            rows = self.scan(["content_hash", *columns], f"content_hash IN ({chunk})")
            for row in rows.to_pylist():
                found.setdefault(
                    row["content_hash"],
                    {n: np.asarray(row[vector_column(n)], np.float32) for n in self.meta.ns}
                    | {MultiKey(n): np.asarray(row[c], np.float32) for n, c in largest.items()},  # (M, dim)
                )
        return found

    def documents(self, where: str | None = None) -> list[InterleavedDoc]:
        return [row_to_doc(row) for row in self.scan(self._doc_columns(), where).to_pylist()]

    def _doc_columns(self, *extra: str) -> list[str]:
        """The columns `row_to_doc` reads (and `extra`), those this table has: an older schema lacks some."""
        wanted = ["id", "title", "source", "part", "collection", "segments", "tags", "properties", *extra]
        return [c for c in wanted if c in self.table.schema.names]

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

    def rewrite_keyword_text(self) -> int:
        """Write each row's `text` again from what the row holds (`searchable_text`: title, aliases,
        text, picture words, folded as this release folds), where it differs; nothing is embedded
        and no other column changes. For an index written before the fold (`IndexMeta.text_fold`).
        Returns the rows rewritten; merged on `key`, `_IN_CHUNK` rows at a time."""
        columns = self._doc_columns("key", "text")
        keys = self.scan(["key"])["key"].to_pylist()
        rewritten = 0
        for start in range(0, len(keys), _IN_CHUNK):
            rows = self.scan(columns, keys_filter(keys[start : start + _IN_CHUNK])).to_pylist()
            texts = {row["key"]: (searchable_text(row_to_doc(row)), row["text"]) for row in rows}
            changed = {key: text for key, (text, stored) in texts.items() if text != stored}
            if changed:
                update = pa.table({"key": list(changed), "text": list(changed.values())})
                self.table.merge_insert("key").when_matched_update_all().execute(update)
                rewritten += len(changed)
        return rewritten

    def delete_keys(self, keys: list[str]) -> None:
        for start in range(0, len(keys), _IN_CHUNK):
            self.table.delete(keys_filter(keys[start : start + _IN_CHUNK]))

    def remove(self, target: str) -> int:
        """Remove a collection (by name or root folder), a document id (`notes/a.md`), or a folder
        inside a collection (`notes/sub`, or its path on disk). Returns the rows removed."""
        where, collection = self.target_filter(target)
        removed = self.count(where) if where else 0
        if removed:
            self.table.delete(where)
            prune_unreferenced(self)
        if collection is not None:  # a whole collection: forget it, so `rebuild` does not read it back
            drop_skipped(self.db, table_names(self.db), collection)
            drop_stats(self.db, collection)
            self.update_meta(collections={k: v for k, v in self.meta.collections.items() if k != collection})
        return removed

    def target_filter(self, target: str) -> tuple[str | None, str | None]:
        """(SQL filter, collection name if `target` is a whole collection) for `remove`."""
        collections = self.meta.collections
        if target in collections:
            return f"collection = {sql_string(target)}", target
        path = Path(target).expanduser().resolve() if is_local(target) else None
        for name, entry in collections.items():
            root = entry.get("root", "")
            if path is not None and root and is_local(root) and path == Path(root):
                return f"collection = {sql_string(name)}", name
            if path is not None and root and is_local(root) and path.is_relative_to(root):
                return _inside(name, path.relative_to(root).as_posix()), None
        target = target.rstrip("/")
        name, _, relative = target.partition("/")
        where = f"id = {sql_string(target)} OR starts_with(id, {sql_string(target + '/')})"
        return (f"{where} OR {_inside(name, relative)}" if relative else where), None

    def update_meta(self, **changes) -> IndexMeta:
        self.meta = replace(self.meta, updated=now_iso(), **changes)
        if self.staged_for is not None:
            write_meta(self.db, self.staged_for, self.meta)
        else:
            write_meta(self.db, self.meta, self.pending)
        return self.meta

    def collections(self) -> list[dict]:
        """Per collection: name, root, documents, parts, images, skipped references, last update."""
        rows = self.scan(["id", "collection", "n_images"]).to_pylist()
        skipped = read_skipped(self.db, table_names(self.db))
        out = []
        for name, entry in self.meta.collections.items():
            mine = [row for row in rows if row["collection"] == name]
            out.append(
                {
                    "name": name,
                    "root": entry.get("root", ""),
                    "documents": len({row["id"] for row in mine}),
                    "parts": len(mine),
                    "images": sum(row["n_images"] for row in mine),
                    "skipped": sum(item["collection"] == name for item in skipped),
                    "updated": entry.get("updated", ""),
                    "demo": bool(entry.get("demo")),
                }
            )
        return out

    def skipped(self, collection: str | None = None) -> list[dict]:
        return read_skipped(self.db, table_names(self.db), collection)

    def record_skipped(self, collection: str, items: list) -> None:
        replace_skipped(self.db, table_names(self.db), collection, items)

    def stats(self) -> dict:
        rows = self.scan(["id", "n_images"])
        meta = self.meta
        return {
            "uri": self.uri,
            "documents": len(set(rows["id"].to_pylist())),
            "parts": rows.num_rows,
            "images": int(sum(rows["n_images"].to_pylist())),
            "picture_words": meta.picture_words,  # the words in pictures are read (add --read-pictures)
            "ns": list(meta.ns),
            "model": meta.model_id,
            "adapter": meta.adapter,
            "family": meta.family,
            "fingerprint": meta.fingerprint,
            "dim": meta.dim,
            "created": meta.created,
            "updated": meta.updated,
            "collections": self.collections(),
            "skipped": self.skipped(),
            "table_version": self.table.version,
            "rebuild_pending": self.pending is not None,
        }


def pictures_folder(index_uri: str) -> Path | None:
    """Where a local index keeps the pictures its notes hold inside them (notebook plots, `data:`
    images); None for an index on object storage (the user's picture cache is used)."""
    return Path(index_uri.removeprefix("file://")) / "pictures" if is_local(index_uri) else None


def prune_unreferenced(index: Index, *, vision: bool = True, pictures: bool = True) -> None:
    """Drop what no row of `index` shows any more: cached visual tokens and picture words (`vision`)
    and the stored pictures of notes that held them inside (`pictures`, see `pictures_folder`). The
    rows' picture hashes are read once for all, and not at all when none exists."""
    from indexer.picture_words import PICTURE_WORDS_TABLE, PictureWordsCache
    from indexer.sources.embedded import prune_pictures
    from indexer.vision_cache import VISION_CACHE_TABLE, LanceVisionCache, referenced_images

    tables = table_names(index.db)
    words = vision and PICTURE_WORDS_TABLE in tables
    vision = vision and VISION_CACHE_TABLE in tables
    folder = pictures_folder(index.uri) if pictures else None
    pictures = folder is not None and folder.is_dir()
    if not (vision or words or pictures):
        return
    referenced = referenced_images(index.scan(["segments"])["segments"].to_pylist())
    if vision:
        LanceVisionCache(index.db).prune(referenced)
    if words:
        PictureWordsCache(index.db).prune(referenced)
    if pictures:
        prune_pictures(folder, referenced)


def _inside(collection: str, relative: str) -> str:
    """Rows of a file, or of every file under a folder, inside one collection."""
    file, folder = sql_string(relative), sql_string(relative + "/")
    return f"(collection = {sql_string(collection)} AND (source = {file} OR starts_with(source, {folder})))"


def _budgets(meta: IndexMeta) -> str:
    return f" (budgets {', '.join(map(str, meta.budgets))})" if meta.vectors == MULTI else ""


def create_table(db, meta: IndexMeta):
    schema = document_schema(meta.dim, meta.ns, meta.budgets if meta.vectors == MULTI else ())
    schema = schema.with_metadata(schema.metadata | {"mme.fingerprint": meta.fingerprint})
    return db.create_table(meta.table, schema=schema, exist_ok=True)
