"""The app's one piece of state: the open index and encoder, and what the page has been shown.

Handlers in layout.py call these methods and format the results; nothing here knows Gradio.
Indexing swaps in a freshly opened Searcher under a lock, so searches running meanwhile keep using
the previous one and never see a half-built index.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mme_core.diagnostics import Dominance, measure_dominance
from mme_core.documents import InterleavedDoc

from .collection import DEFAULT_ZIP_LIMITS, ZipLimits, extract_zip, resolve_folder
from .media import MediaRegistry

MAX_K = 50


@dataclass(frozen=True)
class SearchOutcome:
    hits: list
    n: object
    tokens_per_image: int
    elapsed_ms: float


class SearchService:
    def __init__(
        self,
        searcher,
        encoder=None,
        *,
        media: MediaRegistry,
        index_uri: str | None = None,
        open_searcher: Callable[[str, object], object] | None = None,
        build_index: Callable | None = None,
        collections_roots: tuple[Path, ...] = (),
        uploads_dir: Path | None = None,
        zip_limits: ZipLimits = DEFAULT_ZIP_LIMITS,
    ):
        self._searcher = searcher
        self.encoder = encoder if encoder is not None else getattr(searcher, "encoder", None)
        if self.encoder is None:
            raise ValueError("SearchService needs the encoder the index was built with (pass encoder=...)")
        self.media = media
        self.index_uri = index_uri
        self._open_searcher = open_searcher
        self._build_index = build_index
        self.collections_roots = collections_roots
        self.uploads_dir = uploads_dir
        self.zip_limits = zip_limits
        self._swap_lock = threading.Lock()
        self._index_lock = threading.Lock()

    @property
    def searcher(self):
        with self._swap_lock:
            return self._searcher

    @property
    def ns(self) -> tuple:
        return tuple(self.searcher.ns)

    def tokens_per_image(self, n: object) -> int:
        return int(self.encoder.tokens_per_image(n))

    def stored_n(self, n: object) -> object:
        """The stored granularity `n` (checked like everywhere else by `mme_core.check_granularity`)."""
        return self.searcher.check_n(n)

    def search(self, query: InterleavedDoc, n: object, k: int = 10) -> SearchOutcome:
        n = self.stored_n(n)
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
            raise ValueError(f"k must be an integer from 1 to {MAX_K}, got {k!r}")
        started = time.perf_counter()
        hits = list(self.searcher.search(query, n=n, k=k))
        elapsed_ms = (time.perf_counter() - started) * 1000
        return SearchOutcome(hits, n, self.tokens_per_image(n), elapsed_ms)

    def dominance(
        self, query: InterleavedDoc, hits: Sequence, n: object, top: int = 5
    ) -> list[tuple[str, Dominance]]:
        """(label, Dominance) for the query and the first `top` hits, all at granularity n."""
        n = self.stored_n(n)
        shown = list(hits)[:top]
        rows = [("Query", measure_dominance(self.encoder, [query], n=n, is_query=True)[0])]
        if shown:
            measured = measure_dominance(self.encoder, [hit.doc for hit in shown], n=n)
            rows += [
                (f"#{hit.rank} {hit.doc.title or hit.id}", m) for hit, m in zip(shown, measured, strict=True)
            ]
        return rows

    def stats(self) -> dict:
        stats = dict(self.searcher.stats())
        if self.index_uri:
            stats.setdefault("index", self.index_uri)
        return stats

    # --- indexing --------------------------------------------------------------------------------

    def index_folder(self, path: str) -> object:
        return self._index(resolve_folder(path, self.collections_roots))

    def index_zip(self, zip_path: str) -> object:
        if self.uploads_dir is None:
            raise ValueError("zip uploads are disabled: the app was started without a data folder")
        return self._index(extract_zip(zip_path, self.uploads_dir, self.zip_limits))

    def _index(self, folder: Path) -> object:
        if self._build_index is None or self._open_searcher is None or not self.index_uri:
            raise ValueError("this app was started read-only: it cannot add to its index")
        if not self._index_lock.acquire(blocking=False):
            raise ValueError("another collection is being indexed right now; try again when it finishes")
        try:
            report = self._build_index(str(folder), self.index_uri, self.encoder, ns=self.ns, progress=True)
            fresh = self._open_searcher(self.index_uri, self.encoder)
            with self._swap_lock:
                self._searcher = fresh
            return report
        finally:
            self._index_lock.release()
