"""Index metadata: what an index was built with, kept in a one-row `index_meta` table beside it.

The row holds the active `IndexMeta` (model, adapter, encoder fingerprint, dim, N set,
created/updated, collections by name with their root folders, ANN state) and, while a rebuild is
under way, the pending one. Only the fingerprint and dim decide whether an encoder may write to
or search an index: vectors of another model live in another space, and mixing them would
silently return garbage. The descriptive fields (model, adapter, dim, dtype, meta tokens) only
explain a refusal: the fingerprint is a hash and cannot say what changed (`mismatch_reasons`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

META_TABLE = "index_meta"
DEFAULT_TABLE = "documents"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


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
    collections: dict = field(default_factory=dict)  # name -> {"root", "updated", "demo"?}
    ann_indices: dict = field(default_factory=dict)  # vector column -> {"trained_rows", "partitions"}
    vectors: str = "single"  # "multi": MetaEmbed-style multi-vector columns beside the single vectors
    budgets: tuple = ()  # a multi-vector index's nested budgets, ascending, e.g. (1, 2, 4, 8, 16)
    dtype: str = ""  # the weights' dtype when embedding ("float32", "bfloat16"); "" in older indexes
    meta_tokens: tuple = ()  # a multi-vector model's (query, document) meta-token counts
    picture_words: bool = False  # the words in pictures are read into keyword text (indexer.picture_words)
    text_fold: str = ""  # how the keyword text was written (schema.keyword_text_version); "" unfolded

    @classmethod
    def for_encoder(cls, encoder, ns, **extra) -> IndexMeta:
        adapter = getattr(encoder, "adapter", None)
        multi = bool(getattr(encoder, "multi_vector", False))
        if multi:
            extra = {"vectors": "multi", "budgets": tuple(encoder.budgets)} | extra
            extra = {"meta_tokens": tuple(encoder.meta_tokens)} | extra
        dtype = getattr(encoder, "dtype", None)
        extra = {"dtype": str(dtype).removeprefix("torch.") if dtype is not None else ""} | extra
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
        dtype = f"{self.dtype}, " if self.dtype else ""
        multi = (
            f", multi-vector budgets {','.join(map(str, self.budgets))}" if self.vectors == "multi" else ""
        )
        return f"{self.model_id}{adapter} ({dtype}fingerprint {self.fingerprint}, dim {self.dim}{multi})"

    def load_options(self, differing_from: IndexMeta) -> str:
        """The CLI options that load this encoder, naming --dim and --dtype only where they differ."""
        options = [f"--model {self.model_id}"] + ([f"--adapter {self.adapter}"] if self.adapter else [])
        if self.dim != differing_from.dim:
            options.append(f"--dim {self.dim}")
        if self.dtype and self.dtype != differing_from.dtype:
            options.append(f"--dtype {self.dtype}")
        return " ".join(options)

    def to_dict(self) -> dict:
        return asdict(self) | {
            "ns": list(self.ns),
            "budgets": list(self.budgets),
            "meta_tokens": list(self.meta_tokens),
        }

    @classmethod
    def from_dict(cls, data: dict) -> IndexMeta:
        ns = tuple(n if n == "full" else int(n) for n in data["ns"])
        collections = data.get("collections") or {}
        if isinstance(collections, list):  # schema 1 listed root folders; name them by their folder
            collections = {Path(root).name: {"root": root} for root in collections}
        budgets = tuple(int(b) for b in data.get("budgets") or ())  # schema 2: single vectors
        meta_tokens = tuple(int(m) for m in data.get("meta_tokens") or ())
        fields = {"ns": ns, "collections": collections, "budgets": budgets, "meta_tokens": meta_tokens}
        return cls(**(data | fields))


def mismatch_reasons(have: IndexMeta, wanted: IndexMeta) -> list[str]:
    """What differs between the encoder an index was built with (`have`) and the one offered, in
    words; the fingerprints differ, so when nothing recorded does, the reason is the weights (or
    tokenizer, image settings, document prompt) themselves, which only the fingerprint covers."""
    reasons = []
    if have.model_id != wanted.model_id:
        reasons.append(
            f"the index was embedded by model {have.model_id}, the loaded encoder is {wanted.model_id}"
        )
    if have.adapter != wanted.adapter:
        built = f"with adapter {have.adapter}" if have.adapter else "without an adapter"
        loaded = f"adapter {wanted.adapter}" if wanted.adapter else "no adapter"
        reasons.append(f"the index was embedded {built}, the loaded encoder has {loaded}")
    if have.family and wanted.family and have.family != wanted.family:
        reasons.append(f"the index's model is a {have.family} model, the loaded one a {wanted.family} model")
    if have.dim != wanted.dim:
        reasons.append(f"the index holds {have.dim}-d vectors, the loaded encoder gives {wanted.dim}-d")
    if have.dtype and wanted.dtype and have.dtype != wanted.dtype:
        reasons.append(
            f"the index was embedded with {have.dtype} weights, the loaded encoder runs {wanted.dtype} "
            "(the same model in another precision gives other vectors)"
        )
    tokens = have.meta_tokens and wanted.meta_tokens and have.meta_tokens != wanted.meta_tokens
    if tokens or (have.vectors, have.budgets) != (wanted.vectors, wanted.budgets):
        reasons.append(
            f"the index holds {_vector_kind(have)}, the loaded encoder gives {_vector_kind(wanted)}"
        )
    if reasons:
        return reasons
    same = "model, adapter, dim and dtype" if have.dtype else "model, adapter and dim"
    if not have.dtype and wanted.dtype:  # an index from before dtypes were recorded
        same += (
            f" (its dtype is not recorded: the loaded encoder runs {wanted.dtype}, another would explain it)"
        )
    return [
        f"the same {same} as recorded, yet other weights: the model's files (weights, tokenizer, image "
        "settings or document prompt) changed since the index was built, or this program version "
        "embeds differently"
    ]


def _vector_kind(meta: IndexMeta) -> str:
    if meta.vectors != "multi":
        return "single vectors (no meta tokens)"
    tokens = (
        f"{meta.meta_tokens[0]} query / {meta.meta_tokens[1]} document meta tokens, "
        if meta.meta_tokens
        else ""
    )
    return f"multi-vector rows ({tokens}budgets {','.join(map(str, meta.budgets))})"


def table_names(db) -> set[str]:
    names: set[str] = set()
    token = None
    while True:
        response = db.list_tables(page_token=token)
        names.update(response.tables)
        token = response.page_token
        if not token:
            return names


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


def meta_written(db) -> bool:
    """Whether the index's metadata table holds a first version. LanceDB lists a table's folder a
    moment before that version is committed: an `add` killed in that moment left a folder that is
    not yet an index (the next `add` creates it again)."""
    if META_TABLE not in table_names(db):
        return False
    try:
        db.open_table(META_TABLE)
    except ValueError:  # "Table 'index_meta' was not found": listed, never committed
        return False
    return True


def write_meta(db, active: IndexMeta, pending: IndexMeta | None) -> None:
    """Overwrite the single metadata row; a LanceDB overwrite is one atomic commit."""
    row = {"active": json.dumps(active.to_dict()), "pending": pending and json.dumps(pending.to_dict())}
    data = pa.Table.from_pylist([row], schema=_META_SCHEMA)
    if meta_written(db):
        db.open_table(META_TABLE).add(data, mode="overwrite")
        return
    if META_TABLE in table_names(db):
        db.drop_table(META_TABLE)  # a creation killed before its first commit: nothing in it
    db.create_table(META_TABLE, data=data)
