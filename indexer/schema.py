"""The documents table, declared once: one row per document part, one vector column per N.

Columns: key (`id#part`, the upsert key), id (`collection/source`: unique across the index, so two
collections may both hold `index.md`), title, source (the path relative to its collection, as
readers give it), part, collection (the collection's *name*; its root folder lives in the index
metadata, so a moved folder is re-pointed, not re-embedded), segments (JSON: text, image paths and
their content hashes), content_hash, n_images, text (what keyword search reads: title, aliases and
body text, no image paths), tags (front matter and inline #tags), properties (JSON: other reader
metadata such as aliases), and one fixed-size-list float32 column per stored N (`vec_n3`,
`vec_full`, ...). Conversion between rows and `InterleavedDoc`s lives here too, so the layout is
known in one place.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath

import numpy as np
import pyarrow as pa

from indexer.keyword import fold, fold_version
from indexer.multivector import MultiKey, multivector_columns, multivector_fields
from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment

SCHEMA_VERSION = 3  # 2: named collections, text / tags / properties; 3: multi-vector columns (optional)
KEYWORD_TEXT = "names,tags,file"  # what the keyword text holds besides the body (see searchable_text)
OLDEST_READABLE = 2  # a schema-2 table is a schema-3 single-vector table: opened as it is


def vector_column(n: int | str) -> str:
    return "vec_full" if n == "full" else f"vec_n{int(n)}"


def granularity_label(n: int | str) -> str:
    return "full" if n == "full" else str(int(n))


def sql_string(value: str) -> str:
    """A SQL string literal for LanceDB filters (single quotes doubled)."""
    return "'" + value.replace("'", "''") + "'"


def row_key(doc_id: str, part: int) -> str:
    """Unique per row: ids already carry their collection's name."""
    return f"{doc_id}#{part}"


def qualified_id(collection: str, source_id: str) -> str:
    """A reader's collection-relative id made unique across the index: `notes/sub/a.md`."""
    return f"{collection}/{source_id}" if collection else source_id


def searchable_text(doc: InterleavedDoc) -> str:
    """What keyword search reads: the title (again, when the body repeats it as a heading: a title
    word is worth more), the note's aliases (other names a person gave it: Obsidian `aliases:`,
    Logseq `alias::`), its file's name when the title is another (a lab report titled
    "《C++程序设计》" saved as "C++实验报告10.docx" is searched by the name it was saved as), its
    tags (a Keep label, a front-matter tag: a person searching "recipes" expects the notes they
    labelled so, as Keep, Evernote and Obsidian find them), the text
    segments, then the words its pictures show, when the index reads them
    (`indexer.picture_words`), and a photo's place name (`sources.places`: not words the model
    reads; its names in other scripts are the query's business, `indexer.place_names`). Image
    paths never appear. Folded as `keyword.fold` folds (Chinese scripts, accents and points);
    `KEYWORD_TEXT` names this recipe."""
    names = [doc.title, *(alias for alias in doc.meta.get("aliases", ()) if isinstance(alias, str))]
    if (file_name := doc_file_name(doc)) and _bare(file_name) not in {_bare(name) for name in names}:
        names.append(file_name)
    head = "\n".join([*(name for name in names if name), *doc_tags(doc)])
    place = (doc.meta.get("properties") or {}).get("place_name")  # a photo's town (sources/places.py)
    extra = [*(doc.meta.get("picture_words") or ()), place]
    pictures = [words for words in extra if isinstance(words, str) and words]
    text = f"{head}\n{doc.text}" if head else doc.text
    return fold("\n".join([text, *pictures]) if pictures else text)


def _bare(name: str) -> str:
    """A name without case, spaces and punctuation: `deformable-detr` is "Deformable DETR"."""
    return re.sub(r"[\W_]+", "", name).casefold()


def doc_file_name(doc: InterleavedDoc) -> str:
    """The name of the file a document is (without folder and suffix: "C++实验报告10"), what its
    owner named it and searches; "" for one of a file's many notes (an Evernote export's)."""
    source, own = PurePosixPath(doc.source or ""), PurePosixPath(doc.id)
    return source.stem if source.name and source.name == own.name else ""


def keyword_text_version() -> str:
    """Names what `searchable_text` writes (the fold's map and `KEYWORD_TEXT`): the index records it
    (`IndexMeta.text_fold`), and the next `add` rewrites the keyword text where it differs."""
    return f"{fold_version()}+{KEYWORD_TEXT}"


def document_schema(dim: int, ns: tuple, budgets: tuple = ()) -> pa.Schema:
    """The documents table, declared once. `key` is unique per row and is the merge_insert key.
    With `budgets` (a multi-vector index), one multivector column per N and budget follows
    (`indexer.multivector`)."""
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
        pa.field("text", pa.string()),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("properties", pa.string()),
    ]
    fields += [pa.field(vector_column(n), pa.list_(pa.float32(), dim)) for n in ns]
    fields += multivector_fields(dim, ns, budgets) if budgets else []
    return pa.schema(fields, metadata={"mme.schema_version": str(SCHEMA_VERSION)})


def normal_tag(tag: str) -> str:
    """Tags compare as Obsidian compares them: without the '#', case-insensitively."""
    return str(tag).strip().lstrip("#").lower()


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
        meta=row_meta(row),
    )


def row_meta(row: dict) -> dict:
    """Reader metadata back from a row (whatever columns the query selected)."""
    meta = {"collection": row.get("collection") or ""}
    if row.get("tags"):
        meta["tags"] = list(row["tags"])
    if row.get("properties"):
        meta.update(json.loads(row["properties"]))
    return meta


def doc_properties(doc: InterleavedDoc) -> str:
    """Reader metadata other than tags and the collection, as JSON (aliases, front-matter keys)."""
    kept = {
        k: v for k, v in doc.meta.items() if k not in ("tags", "collection") and v not in (None, "", [], {})
    }
    return json.dumps(kept, ensure_ascii=False, default=str)


def doc_tags(doc: InterleavedDoc) -> list[str]:
    return sorted({normal_tag(t) for t in doc.meta.get("tags") or ()} - {""})


def row_metadata(doc: InterleavedDoc) -> tuple[str, tuple[str, ...], str]:
    """What a row holds besides its content and vectors: title, tags, properties. A note whose front
    matter alone changed has the same content hash, yet its row must be rewritten (vectors reused)."""
    return doc.title or "", tuple(doc_tags(doc)), doc_properties(doc)


def docs_to_rows(
    docs: list[InterleavedDoc], hashes: list[str], vectors: dict, collection: str, schema: pa.Schema
) -> pa.Table:
    """Rows for `docs` (ids already qualified); `vectors[n]` is (len(docs), dim) float32 and, on a
    multi-vector index, `vectors[MultiKey(n)]` is (len(docs), M, dim), stored once per budget."""
    columns: dict[str, list | pa.Array] = {
        "key": [row_key(d.id, d.part) for d in docs],
        "id": [d.id for d in docs],
        "title": [d.title for d in docs],
        "source": [d.source for d in docs],
        "part": [d.part for d in docs],
        "collection": [collection] * len(docs),
        "segments": [segments_json(d) for d in docs],
        "content_hash": hashes,
        "n_images": [len(d.images) for d in docs],
        "text": [searchable_text(d) for d in docs],
        "tags": [doc_tags(d) for d in docs],
        "properties": [doc_properties(d) for d in docs],
    }
    budgets = [int(name.rpartition("_b")[2]) for name in schema.names if name.startswith("mv_")]
    for n, matrix in vectors.items():
        if isinstance(n, MultiKey):
            columns |= multivector_columns(n.n, matrix, sorted(set(budgets)), len(docs))
            continue
        matrix = np.ascontiguousarray(matrix, dtype=np.float32)  # (B, dim)
        if matrix.shape[0] != len(docs):
            raise ValueError(f"encoder gave {matrix.shape[0]} vectors at N={n} for {len(docs)} documents")
        flat = pa.array(matrix.ravel())  # (B * dim,)
        columns[vector_column(n)] = pa.FixedSizeListArray.from_arrays(flat, matrix.shape[1])
    return pa.table({name: columns[name] for name in schema.names}, schema=schema)
