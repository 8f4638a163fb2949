"""The app's one piece of state: the open index and encoder, and what the page has been shown.

Handlers in layout.py call these methods and format the results; nothing here knows Gradio.
Indexing swaps in a freshly opened Searcher under a lock, so searches running meanwhile keep using
the previous one and never see a half-built index.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from indexer.archive_add import remove_unpack, unpack_root
from indexer.archives import mark_unpack_root
from indexer.cascade import Cascade, resolve_cascade
from indexer.dominance import DominanceSample, ensure_sample
from indexer.languages import check_language
from indexer.schema import row_key
from indexer.search import Filters
from indexer.store import Index
from mme_core.diagnostics import Dominance, measure_dominance
from mme_core.documents import InterleavedDoc

from .collection import DEFAULT_ZIP_LIMITS, ZipLimits, resolve_folder
from .facets import Facets, read_facets
from .media import MediaRegistry
from .query_vectors import QueryVectors
from .uploads import place_upload, tidy_after

MAX_K = 50


@dataclass(frozen=True)
class DominanceView:
    """What the dominance plot shows at one N: the index's sample, the query, the top results.

    A result outside the sample has no stored value (`None`): it is named, not measured per search.
    """

    sample: DominanceSample
    query: Dominance
    results: list[tuple[str, Dominance | None]]  # (label, value) best first


@dataclass(frozen=True)
class SearchOutcome:
    hits: list
    n: object
    tokens_per_image: int
    elapsed_ms: float
    mode: str = ""
    budget: int | None = None  # multi-vector search: vectors per query and document
    cascade: Cascade | None = None  # the multi-granularity cascade the hits come from


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
        if uploads_dir is not None and uploads_dir.is_dir():  # made by a release before the marker
            mark_unpack_root(uploads_dir)
        self.zip_limits = zip_limits
        self._swap_lock = threading.Lock()
        self._index_lock = threading.Lock()
        self._samples: dict[tuple, DominanceSample | None] = {}
        self._samples_lock = threading.Lock()  # one sample computed at a time, never twice
        self.query_vectors = QueryVectors()  # filled by searches, read by the dominance plot

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

    def search(
        self,
        query: InterleavedDoc,
        n: object,
        k: int = 10,
        mode: str | None = None,
        collections: Sequence[str] = (),
        folders: Sequence[str] = (),
        tags: Sequence[str] = (),
        vectors: str | None = None,
        budget: int | None = None,
        cascade: Cascade | bool | dict | None = None,
        language: str | None = None,
        translations: bool = True,
        taken: Sequence[str] = (),
    ) -> SearchOutcome:
        """Ranked hits; `mode` None or "" means the searcher's default, empty filters filter nothing
        (and no collection chosen means the searcher's default scope: never demo and own mixed).
        `cascade` (True, a dict of `indexer.cascade.Cascade` fields, or one): semantic search at the
        cascade's first N re-scored over every stored N; `n` then only labels the page's slider.
        A translated page comes back once, in `language` (one its collections have; None: the
        query's), or every version with `translations=False`; `taken` keeps photos of those dates."""
        n = self.stored_n(n)
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K:
            raise ValueError(f"k must be an integer from 1 to {MAX_K}, got {k!r}")
        searcher = self.searcher
        meta, model = searcher.index.meta, self.encoder is not None
        cascade = resolve_cascade(cascade, meta, mode or None, vectors or None, budget, model)
        mode = "semantic" if cascade else searcher.check_mode(mode or None)
        filters = Filters(
            collections=self._known_collections(_strings(collections, "collections")),
            folders=_strings(folders, "folders"),
            tags=tuple(tag.lstrip("#") for tag in _strings(tags, "tags")),
            taken=_strings(taken, "taken"),
        )
        language = _strings(language, "language")[0] if _strings(language, "language") else None
        if language:
            check_language(language)
            if translations:
                self.facets(filters.collections).check_language(language)
        started = time.perf_counter()
        kind = {"vectors": vectors or None, "budget": budget}
        remember = partial(self.query_vectors.put, query, n)
        hits = list(
            searcher.search(
                query,
                n=n,
                k=k,
                mode=mode,
                filters=filters,
                on_query_vector=remember,
                cascade=cascade,
                translations=_box(translations, "all translations"),
                language=language,
                **kind,
            )
        )
        elapsed_ms = (time.perf_counter() - started) * 1000
        budget = next((hit.budget for hit in hits if hit.budget), None if mode == "keyword" else budget)
        return SearchOutcome(hits, n, self.tokens_per_image(n), elapsed_ms, mode, budget, cascade)

    @property
    def budgets(self) -> tuple[int, ...]:
        """The index's multi-vector budgets; () for a single-vector index."""
        meta = self.searcher.index.meta
        return tuple(meta.budgets) if meta.vectors == "multi" else ()

    # --- collections -----------------------------------------------------------------------------

    def collections(self) -> list[dict]:
        """Each collection: name, root, documents, parts, images, skipped, updated, demo."""
        return self.searcher.index.collections()

    def default_collections(self) -> list[str]:
        """What a search covers with no choice made: the person's own collections, else the demo."""
        searcher = self.searcher
        names = [entry["name"] for entry in self.collections()]
        scope = searcher.default_scope(Filters()).collections
        return [name for name in names if name in scope] if scope else names

    def default_mode(self) -> str:
        return self.searcher.default_mode

    def tags(self) -> list[str]:
        """Every tag in the index, sorted, for the page's tag filter."""
        rows = self.searcher.index.scan(["tags"]).column("tags").to_pylist()
        return sorted({tag for tags in rows for tag in tags or ()}, key=str.casefold)

    def facets(self, collections: Sequence[str] = ()) -> Facets:
        """What the collections searched (the default scope when none is chosen) hold that the page
        has a filter for: translated pages' languages, photos with a date (`webapp.facets`)."""
        searcher = self.searcher
        chosen = self._known_collections(_strings(collections, "collections"))
        return read_facets(searcher.index, searcher.default_scope(Filters(collections=chosen)).sql())

    def skipped(self, collection: str | None = None) -> list[dict]:
        """What the build recorded as not indexed, for one collection or (None) every one."""
        return self.searcher.index.skipped(collection)

    def remove_collection(self, name: str) -> tuple[int, Path | None]:
        """Remove a whole collection from the index -> (rows removed, the uploaded or unpacked files
        removed with it, or None: a folder indexed from disk stays as it is)."""
        if not isinstance(name, str) or not name.strip():
            raise ValueError("choose a collection to remove")
        self._known_collections((name,))
        with self._indexing():
            root = self.searcher.index.meta.collections.get(name, {}).get("root", "")
            removed = self.searcher.index.remove(name)
            self._swap_in(self._open_searcher(self.index_uri, self.encoder))
            files = remove_unpack(Path(root), self.unpack_roots, self._collections_now()) if root else None
        return removed, files

    @property
    def unpack_roots(self) -> tuple[Path, ...]:
        """Where this app's uploads and the CLI's `add ARCHIVE` unpack for this index: files there
        belong to the collections read from them (see `indexer.archive_add`)."""
        roots = (self.uploads_dir,) if self.uploads_dir is not None else ()
        return roots + ((unpack_root(self.index_uri),) if self.index_uri else ())

    def uploaded(self, name: str) -> bool:
        """Whether collection `name` reads from an upload (or an unpack), whose files go with it."""
        root = self.searcher.index.meta.collections.get(name, {}).get("root", "")
        return bool(root) and any(Path(root).resolve().is_relative_to(r.resolve()) for r in self.unpack_roots)

    def _collections_now(self) -> dict:
        """The index's collections as written, not as the searcher opened them (a failed build may
        have registered one)."""
        return Index.open(self.index_uri, any_version=True).meta.collections

    def _known_collections(self, names: tuple[str, ...]) -> tuple[str, ...]:
        known = set(self.searcher.index.meta.collections)  # no scan of the rows
        for name in names:
            if name not in known:
                listed = ", ".join(sorted(known)) or "none yet"
                raise ValueError(f"no collection named {name!r} in this index; collections: {listed}")
        return names

    def dominance(
        self, query: InterleavedDoc, hits: Sequence, n: object, top: int = 5
    ) -> DominanceView | None:
        """The index's dominance sample at N (computed on first view, then read from the index) with
        the query and the first `top` hits placed on it; None for an empty index.

        The query's own embedding is the one its search just computed, so only its text-only and
        image-only views are encoded here; the hits' values are looked up in the stored sample."""
        n = self.stored_n(n)
        sample = self.dominance_sample(n)
        if sample is None:
            return None
        known = self.query_vectors.get(query, n)
        embeddings = None if known is None else known[None, :]  # (1, D)
        [measured] = measure_dominance(self.encoder, [query], n=n, prompt_name="query", embeddings=embeddings)
        results = [
            (f"#{hit.rank} {hit.doc.title or hit.id}", sample.values.get(row_key(hit.id, hit.doc.part)))
            for hit in list(hits)[:top]
        ]
        return DominanceView(sample, measured, results)

    def dominance_sample(self, n: object) -> DominanceSample | None:
        """The stored sample at N, checked against the index once per table version."""
        index = self.searcher.index
        memo = (index.uri, str(self.encoder.fingerprint), n, index.table.version)
        with self._samples_lock:
            if memo not in self._samples:
                self._samples = {k: v for k, v in self._samples.items() if k[:3] != memo[:3]}
                self._samples[memo] = ensure_sample(index, self.encoder, n)
            return self._samples[memo]

    def stats(self) -> dict:
        stats = dict(self.searcher.stats())
        if self.index_uri:
            stats.setdefault("index", self.index_uri)
        return stats

    # --- indexing --------------------------------------------------------------------------------

    def index_folder(
        self, path: str, name: str | None = None, on_progress=None, **options: bool | None
    ) -> object:
        """Index a folder (or one file) under an allowed root as collection `name` (default: the
        folder's name, or the file's without its suffix). `options`: `read_pictures`,
        `fetch_pictures` (see `build_index`)."""
        name = name.strip() if isinstance(name, str) and name.strip() else None
        return self._index(resolve_folder(path, self.collections_roots), name, on_progress, **options)

    def index_upload(
        self, paths: list[str], name: str | None = None, on_progress=None, **options: bool | None
    ) -> object:
        """Index uploaded files (one zip of a folder, or notes, documents and pictures) as collection
        `name` (default: the zip's name, or the first note's); files left out are in the report. A
        newer upload of a collection replaces its earlier folder, which is removed (`webapp.uploads`)."""
        if self.uploads_dir is None:
            raise ValueError("uploads are disabled: the app was started without a data folder")
        named = name.strip() if isinstance(name, str) and name.strip() else None
        roots = self.unpack_roots
        with self._indexing():
            known = self.searcher.index.meta.collections
            upload = place_upload(paths, named, self.uploads_dir, roots, known, self.zip_limits)
            try:
                report = self._build(upload.folder, named or upload.name, on_progress, **options)
            except BaseException:
                tidy_after(upload, "", roots, self._collections_now())  # its folder, unless indexed
                raise
            moved = report.moved_from
            if moved and tidy_after(upload, moved, roots, self.searcher.index.meta.collections):
                moved = "the earlier upload (its files deleted)"  # not a server path the person never saw
        return replace(report, moved_from=moved, skipped=(*upload.left_out, *report.skipped))

    def reads_pictures(self) -> bool:
        """Whether the index reads the words in pictures (`indexer.picture_words`)."""
        return self.searcher.index.meta.picture_words

    def _index(self, folder: Path, name: str | None, on_progress=None, **options: bool | None) -> object:
        with self._indexing():
            return self._build(folder, name, on_progress, **options)

    def _build(self, folder: Path, name: str | None, on_progress, **options: bool | None) -> object:
        """`options`: `read_pictures`, `fetch_pictures` (None: as the index or collection chose)."""
        if options.get("fetch_pictures") and not self.collections_roots:
            raise ValueError("this server downloads no pictures from the web on a visitor's behalf")
        extra = {"on_progress": on_progress} if on_progress is not None else {}  # per-document phases
        extra |= {key: value for key, value in options.items() if value is not None}
        report = self._build_index(
            str(folder), self.index_uri, self.encoder, ns=self.ns, progress=True, name=name, **extra
        )
        self._swap_in(self._open_searcher(self.index_uri, self.encoder))
        return report

    @contextmanager
    def _indexing(self):
        """One change to the index at a time; refused (not queued) while another runs."""
        if self._build_index is None or self._open_searcher is None or not self.index_uri:
            raise ValueError("this app was started read-only: it cannot change its index")
        if not self._index_lock.acquire(blocking=False):
            raise ValueError("another collection is being indexed right now; try again when it finishes")
        try:
            yield
        finally:
            self._index_lock.release()

    def _swap_in(self, fresh) -> None:
        with self._swap_lock:
            self._searcher = fresh


def _box(value, what: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{what} is on or off: send true or false, got {value!r}")
    return value


def _strings(values, what: str) -> tuple[str, ...]:
    """A list of names from the page or the API (None or one string allowed), blanks dropped."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
        raise ValueError(f"{what} must be a list of strings, got {values!r}")
    return tuple(v.strip() for v in values if v.strip())
