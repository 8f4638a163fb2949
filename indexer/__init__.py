"""Index and search interleaved collections in LanceDB (see `indexer.__main__` for the CLI).

Public names are imported on first use, so that `python -m indexer` answers usage errors without
first importing torch, transformers and LanceDB.
"""

from __future__ import annotations

from importlib import import_module

_EXPORTS = {
    "AnnConfig": "indexer.ann",
    "DEFAULT_NS": "indexer.build",
    "BuildReport": "indexer.build",
    "Cascade": "indexer.cascade",
    "build_index": "indexer.build",
    "rebuild_index": "indexer.rebuild",
    "Hit": "indexer.hits",
    "Searcher": "indexer.search",
    "Index": "indexer.store",
    "IndexMeta": "indexer.meta",
    "IndexMismatchError": "indexer.meta",
    "IndexNotFoundError": "indexer.meta",
    "QUERY_BUDGET": "indexer.query",
    "QueryTooLongError": "indexer.query",
    "clean_query_text": "indexer.query",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'indexer' has no attribute {name!r}")
    value = getattr(import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
