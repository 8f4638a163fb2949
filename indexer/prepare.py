"""A collection made ready to build: read (or taken as documents), named, split to the token budget.

`read_docs` reads a folder through `indexer.sources`, recording what its readers skip, and with the
index's stat cache leaves unchanged notes unread (`indexer.file_stats`); `split_docs` cuts documents to
the token budget at the largest stored N; `place_collection` decides whether a folder's documents
re-point a moved or renamed collection instead of becoming a new one (nothing is embedded again).
"""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from indexer.file_stats import READER_VERSION, StatCache
from indexer.schema import qualified_id, row_key, sql_string
from indexer.skipped import Skipped
from indexer.sources.places import data_version as places_version
from indexer.sources.remote import RemotePictures
from indexer.store import Index
from mme_core.documents import InterleavedDoc

DEFAULT_BUDGET = 4096  # the most tokens a stored document part costs (`indexer.query` matches it)


@dataclass
class Prepared:
    """A collection read and split, ready to build: what `prepare_docs` returns."""

    docs: list[InterleavedDoc]
    collection: str
    root: str = ""
    failed: list = field(default_factory=list)  # (id, reason) of documents that cannot be measured
    skipped: list[Skipped] = field(default_factory=list)
    stats: StatCache | None = None  # a folder read against the index's stat cache: notes kept unread
    retry: set[str] = field(default_factory=set)  # sources indexed, yet to be read again next run
    downloads: bool = False  # its notes' web pictures were downloaded (`add --fetch-pictures`)


def check_collection_name(name: str) -> str:
    name = name.strip()
    if not name or "/" in name or "#" in name or name in (".", ".."):
        raise ValueError(f"invalid collection name {name!r}: use a non-empty name without '/' or '#'")
    return name


def folder_collection(root: Path, name: str | None) -> str:
    """The collection a folder (or one file) is added as: `name`, else the folder's name or the
    file's without its suffix ("Recipes" for Recipes.enex)."""
    default = root.stem if root.is_file() else root.name
    return check_collection_name(name if name is not None else default or "notes")


def read_docs(
    docs_or_path,
    name: str | None,
    index: Index | None = None,
    budget: int = DEFAULT_BUDGET,
    *,
    cache=False,
    pictures: Path | None = None,
    words: bool = False,
    remote: RemotePictures | None = None,
) -> Prepared:
    """Read a collection folder (recording what its readers skip) or check documents given directly.

    Ids become `name/relative path`. Documents given directly keep their ids unless a name is given.
    With `cache`, a folder's notes that the stat cache of `index` (None: a new index) finds unchanged
    are not read (`prepared.stats`). `pictures`: where pictures kept inside notes are stored (the
    index's own folder, `store.pictures_folder`). `words`: this run reads the words in pictures (a
    note cached without them, or with them, is read again when that changes). `remote`: downloads
    the pictures notes show from the web (`sources.remote`; notes read again when that changes).
    """
    from indexer.sources import CollectionWarning, read_collection

    if isinstance(docs_or_path, (str, Path)):
        root = Path(docs_or_path).expanduser().resolve()
        collection = folder_collection(root, name)
        stats = load_stats(index, collection, budget, words, remote is not None) if cache else None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CollectionWarning)
            docs = read_collection(root, stats, pictures, remote)
        skipped = [Skipped.from_warning(w) for w in caught if issubclass(w.category, CollectionWarning)]
        for other in (w for w in caught if not issubclass(w.category, CollectionWarning)):
            warnings.warn_explicit(other.message, other.category, other.filename, other.lineno)
        prepared = Prepared(docs, collection, str(root), skipped=skipped, stats=stats)
        prepared.downloads = remote is not None
    else:
        docs = list(docs_or_path)
        for position, doc in enumerate(docs):
            if not isinstance(doc, InterleavedDoc):
                raise ValueError(f"document {position} is a {type(doc).__name__}, not an InterleavedDoc")
            if not doc.id:
                raise ValueError(f"document {position} has no id; ids make incremental builds possible")
        prepared = Prepared(docs, check_collection_name(name) if name is not None else "")
    prepared.docs = [replace(doc, id=qualified_id(prepared.collection, doc.id)) for doc in prepared.docs]
    return prepared


def load_stats(
    index: Index | None, collection: str, budget: int, words: bool = False, downloads: bool = False
) -> StatCache:
    """The collection's stat cache, minus notes whose rows the index no longer holds in full
    (removed by hand, or never all written): those are read again."""
    # the gazetteer's release too: new place data names the photos again (nothing re-embedded)
    recipe = f"reader {READER_VERSION}, {places_version()}, budget {budget}"
    recipe += ", picture words" if words else ""
    recipe += ", web pictures downloaded" if downloads else ""  # notes read again when that changes
    if index is None:
        return StatCache({}, recipe)
    stats = StatCache.load(index.db, collection, recipe)
    if stats.known:  # each row's file: one file may hold many notes (an Evernote export)
        stats.row_sources = index.row_sources(collection)
        held = Counter(stats.row_sources.values())
        stats.known = {name: entry for name, entry in stats.known.items() if held[name] == entry.parts}
    return stats


def split_docs(prepared: Prepared, encoder, ns: tuple, budget: int) -> Prepared:
    """Split to the token budget at the largest N; documents whose images cannot even be measured
    are recorded as failed (left as they are in the index) and skipped."""
    from indexer.sources import split_to_budget

    largest = max(ns, key=encoder.tokens_per_image)
    tokens: dict[int, int] = {}  # id(doc) -> tokens, so split_to_budget does not count twice
    countable = []
    for doc in prepared.docs:
        try:
            tokens[id(doc)] = encoder.count_tokens(doc, largest)
            countable.append(doc)
        except ValueError as err:
            prepared.failed.append((doc.id, str(err)))
            prepared.skipped.append(Skipped.from_failure(doc.source or doc.id, str(err)))

    def count(doc: InterleavedDoc) -> int:
        known = tokens.get(id(doc))
        return known if known is not None else encoder.count_tokens(doc, largest)

    prepared.docs = split_to_budget(countable, count, budget)
    keys = [row_key(doc.id, doc.part) for doc in prepared.docs]
    if len(set(keys)) != len(keys):
        twice = sorted({doc.id for doc, key in zip(prepared.docs, keys, strict=True) if keys.count(key) > 1})
        raise ValueError(f"document ids must be unique; listed more than once: {', '.join(twice[:5])}")
    return prepared


def prepare_docs(
    docs_or_path, encoder, ns: tuple, budget: int, name: str | None = None, pictures: Path | None = None
) -> Prepared:
    """Read (or take) documents and split them to the token budget at the largest N."""
    return split_docs(read_docs(docs_or_path, name, pictures=pictures), encoder, ns, budget)


def place_collection(prepared: Prepared, index: Index | None, name_given: bool) -> str:
    """Decide where a folder's documents go; returns the old root when this re-points a collection.

    - a name that exists with another root: re-pointed when the person named it, or when its old
      root is gone (the folder moved); refused otherwise (two different folders, one name);
    - a new name whose documents are mostly those of a collection whose root is gone (the folder
      was renamed): that collection is re-pointed and keeps its name.
    Re-pointing keeps every row and vector: nothing is embedded again.
    """
    if not prepared.root or index is None:
        return ""
    collections = index.meta.collections
    entry = collections.get(prepared.collection)
    if entry is not None:
        old = entry.get("root", "")
        if old == prepared.root:
            return ""
        if name_given or not Path(old).exists():
            return old
        raise ValueError(
            f"a collection named '{prepared.collection}' already holds {old}; add {prepared.root} under "
            f"another name with --name NAME, or re-point '{prepared.collection}' to it with "
            f"--name {prepared.collection}"
        )
    if name_given:
        return ""
    sources = {doc.source for doc in prepared.docs}
    for name, entry in collections.items():
        old = entry.get("root", "")
        if old and not Path(old).exists() and sources:
            known = set(index.scan(["source"], f"collection = {sql_string(name)}")["source"].to_pylist())
            if known and len(sources & known) * 2 >= len(known):
                prepared.collection = name
                prepared.docs = [
                    replace(doc, id=qualified_id(name, doc.id.partition("/")[2])) for doc in prepared.docs
                ]
                return old
    return ""


def downloads_pictures(docs_or_path, name: str | None, index: Index | None, asked: bool | None) -> bool:
    """Whether this run downloads the web pictures of the collection's notes: as asked, else as
    the collection was added (its entry's `fetch_pictures`), else not."""
    if asked is not None or not isinstance(docs_or_path, (str, Path)) or index is None:
        return bool(asked)
    collection = folder_collection(Path(docs_or_path).expanduser().resolve(), name)
    return bool(index.meta.collections.get(collection, {}).get("fetch_pictures"))
