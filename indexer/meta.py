"""Index metadata: what an index was built with, kept in a one-row `index_meta` table beside it.

The row holds the active `IndexMeta` (model, adapter, encoder fingerprint, dim, N set,
created/updated, collections by name with their root folders, ANN state) and, while a rebuild is
under way, the pending one. Only the fingerprint and dim decide whether an encoder may write to
or search an index: vectors of another model live in another space, and mixing them would
silently return garbage.
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

    @classmethod
    def for_encoder(cls, encoder, ns, **extra) -> IndexMeta:
        adapter = getattr(encoder, "adapter", None)
        multi = bool(getattr(encoder, "multi_vector", False))
        extra = {"vectors": "multi", "budgets": tuple(encoder.budgets)} | extra if multi else extra
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
        multi = (
            f", multi-vector budgets {','.join(map(str, self.budgets))}" if self.vectors == "multi" else ""
        )
        return f"{self.model_id}{adapter} (fingerprint {self.fingerprint}, dim {self.dim}{multi})"

    def to_dict(self) -> dict:
        return asdict(self) | {"ns": list(self.ns), "budgets": list(self.budgets)}

    @classmethod
    def from_dict(cls, data: dict) -> IndexMeta:
        ns = tuple(n if n == "full" else int(n) for n in data["ns"])
        collections = data.get("collections") or {}
        if isinstance(collections, list):  # schema 1 listed root folders; name them by their folder
            collections = {Path(root).name: {"root": root} for root in collections}
        budgets = tuple(int(b) for b in data.get("budgets") or ())  # schema 2: single vectors
        return cls(**(data | {"ns": ns, "collections": collections, "budgets": budgets}))


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


def write_meta(db, active: IndexMeta, pending: IndexMeta | None) -> None:
    """Overwrite the single metadata row; a LanceDB overwrite is one atomic commit."""
    row = {"active": json.dumps(active.to_dict()), "pending": pending and json.dumps(pending.to_dict())}
    data = pa.Table.from_pylist([row], schema=_META_SCHEMA)
    if META_TABLE in table_names(db):
        db.open_table(META_TABLE).add(data, mode="overwrite")
    else:
        db.create_table(META_TABLE, data=data)
