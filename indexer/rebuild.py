"""Re-embed a whole index with another encoder or N set, without ever leaving it unusable.

The new vectors go into a fresh staging table recorded as `pending` in the index metadata; the old
table keeps serving searches (with the old encoder) until the last document is embedded, then one
metadata commit makes the new table active and the old one is dropped. A killed rebuild is resumed
by running it again with the same encoder and N set: the staging build is incremental like any other.
"""

from __future__ import annotations

import time
from pathlib import Path

from indexer.ann import AnnConfig
from indexer.build import BuildReport, build_into
from indexer.meta import DEFAULT_TABLE, IndexMeta, table_names, write_meta
from indexer.prepare import DEFAULT_BUDGET, Prepared, prepare_docs
from indexer.schema import sql_string
from indexer.store import Index, create_table, pictures_folder, prune_unreferenced
from mme_core.pooling import parse_granularities


def rebuild_index(
    index_uri,
    encoder,
    ns=None,
    progress: bool = True,
    *,
    batch_size: int | None = None,
    write_batch: int = 64,
    budget: int = DEFAULT_BUDGET,
    ann: AnnConfig | None = None,
) -> list[BuildReport]:
    """Re-read every collection recorded in the index (documents added as objects are re-embedded
    from their stored segments) and embed everything with `encoder` at `ns` (default: the index's)."""
    active = Index.open(index_uri, any_version=True)  # an older schema is re-read into the new one
    ns = parse_granularities(ns if ns is not None else active.meta.ns, encoder.granularities)
    roots = {name: entry["root"] for name, entry in active.meta.collections.items() if entry.get("root")}
    given = ["", *(name for name in active.meta.collections if name not in roots)]  # documents given directly
    missing = [f"{name} ({root})" for name, root in roots.items() if not Path(root).exists()]
    if missing:
        raise ValueError(
            f"cannot rebuild: collection(s) not found: {', '.join(missing)}; restore them, or "
            f"drop them from the index first with: python -m indexer remove NAME --index {active.uri}"
        )
    kept = {"collections": active.meta.collections, "picture_words": active.meta.picture_words}
    wanted = IndexMeta.for_encoder(encoder, ns, **kept)
    pending = active.pending
    resumable = pending is not None and (pending.fingerprint, pending.dim, set(pending.ns)) == (
        wanted.fingerprint,
        wanted.dim,
        set(ns),
    )
    if not resumable:
        pending = IndexMeta.for_encoder(encoder, ns, **kept, table=f"{DEFAULT_TABLE}_{time.time_ns()}")
    for stale in table_names(active.db) - {active.meta.table, pending.table}:
        if stale.startswith(f"{DEFAULT_TABLE}_"):
            active.db.drop_table(stale)  # staging tables of abandoned rebuilds
    create_table(active.db, pending)
    write_meta(active.db, active.meta, pending)
    staged = Index(active.uri, active.db, pending, staged_for=active.meta)

    reports = []
    for name in given:  # re-embedded from their stored segments
        direct = active.documents(f"collection = {sql_string(name)}")
        demo = bool(active.meta.collections.get(name, {}).get("demo"))
        if direct:
            prepared = Prepared(direct, name)
            reports.append(
                build_into(staged, prepared, encoder, progress, batch_size, write_batch, ann, demo=demo)
            )
    for name, root in roots.items():
        prepared = prepare_docs(root, encoder, ns, budget, name=name, pictures=pictures_folder(active.uri))
        demo = bool(active.meta.collections[name].get("demo"))
        reports.append(
            build_into(staged, prepared, encoder, progress, batch_size, write_batch, ann, demo=demo)
        )
    write_meta(active.db, staged.meta, None)  # the switch: one atomic commit
    active.db.drop_table(active.meta.table)
    prune_unreferenced(Index.open(active.uri), vision=False)  # pictures only the old rows showed
    return reports
