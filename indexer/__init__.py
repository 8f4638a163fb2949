"""Index and search interleaved collections in LanceDB (see `indexer.__main__` for the CLI)."""

from __future__ import annotations

from indexer.ann import AnnConfig
from indexer.build import DEFAULT_NS, BuildReport, build_index, parse_ns
from indexer.search import Hit, Searcher
from indexer.store import Index, IndexMeta, IndexMismatchError, IndexNotFoundError

__all__ = [
    "DEFAULT_NS",
    "AnnConfig",
    "BuildReport",
    "Hit",
    "Index",
    "IndexMeta",
    "IndexMismatchError",
    "IndexNotFoundError",
    "Searcher",
    "build_index",
    "parse_ns",
]
