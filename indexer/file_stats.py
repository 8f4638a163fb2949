"""The stat cache: what each note of a collection depended on when it was last read, kept in the index.

A no-op run must not read, parse, vet or hash anything, yet must notice every change that could alter
a note's document. So each note that was read and written completely gets one row in the
`file_stats` table: collection, source (the note, relative to its collection), the note's size and
mtime_ns, the number of rows (parts) it produced, a recipe (reader version, place data, token budget) and its
links, the way `ImageResolver` located each picture reference that depends on the file system:

    {"path": "img/a.png", "wiki": false, "real": "img/a.png", "outside": false, "nearest": [],
     "size": 123, "mtime_ns": 171...}

A later run takes the note as unchanged, without opening it, when its own stat is the same, every
link still locates to the same file (re-run with the resolver's own rules: a picture that appeared
where a link was missing, a nearer or new file of an ambiguous name, a new `.obsidian` folder all
change the answer) with the same stat, the recipe is the same and the index still holds exactly that
many rows of the note. Paths are relative to the collection root, so a moved folder keeps its cache.
A picture kept inside the note is recorded as `{"embedded": <its file in the picture cache>, ...}`:
the note is read again when that file has gone (see `indexer.sources.embedded`).

Rows are written at the end of a build, after the documents: a run killed earlier leaves the old
rows, whose stats no longer match what changed, so those notes are read again (their content hashes
then skip what was already written). Notes whose documents failed, or whose pictures' words could
not be read, are never cached (retried every run). A stat taken within `_RACY_NS` of a file's mtime
is not trusted (as git does): the file may be written again within the same timestamp tick.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field

import pyarrow as pa

from indexer.meta import table_names
from indexer.schema import sql_string

FILE_STATS_TABLE = "file_stats"
READER_VERSION = "16"  # bump when a reader's output for the same bytes changes: caches are then ignored
_RACY_NS = 50_000_000  # 50 ms: well above the coarsest kernel timestamp tick (10 ms)
_SCHEMA = pa.schema(
    [
        pa.field("collection", pa.string()),
        pa.field("source", pa.string()),
        pa.field("size", pa.int64()),
        pa.field("mtime_ns", pa.int64()),
        pa.field("parts", pa.int64()),
        pa.field("recipe", pa.string()),
        pa.field("links", pa.string()),
    ]
)


@dataclass
class NoteStat:
    source: str
    size: int
    mtime_ns: int
    links: list[dict] = field(default_factory=list)
    parts: int = 0


def file_stat(path: str) -> tuple[int, int] | None:
    """(size, mtime_ns), or None when the file is gone or its stat is too fresh to trust."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    if time.time_ns() - stat.st_mtime_ns < _RACY_NS:
        return None
    return stat.st_size, stat.st_mtime_ns


class StatCache:
    """One collection's stat rows: the previous run's (`known`) and this run's (`fresh`)."""

    def __init__(self, known: dict[str, NoteStat], recipe: str) -> None:
        self.known = known
        self.recipe = recipe
        self.fresh: dict[str, NoteStat] = {}
        self.kept: set[str] = set()  # notes taken as unchanged without being read
        self.row_sources: dict[str, str] = {}  # the index's row keys -> the file each came from
        self.read = 0  # notes read and parsed this run

    @classmethod
    def load(cls, db, collection: str, recipe: str) -> StatCache:
        known: dict[str, NoteStat] = {}
        if FILE_STATS_TABLE in table_names(db):
            where = f"collection = {sql_string(collection)} AND recipe = {sql_string(recipe)}"
            rows = db.open_table(FILE_STATS_TABLE).search().where(where).limit(None).to_arrow().to_pylist()
            for row in rows:
                known[row["source"]] = NoteStat(
                    row["source"], row["size"], row["mtime_ns"], json.loads(row["links"]), row["parts"]
                )
        return cls(known, recipe)

    def unchanged(self, path: str, name: str, resolver) -> bool:
        """True (and remembered) when note `name` at `path` and all it depended on are as recorded.
        `resolver` (an `ImageResolver`) re-runs its rules for each recorded link (`relocate`)."""
        entry = self.known.get(name)
        if entry is None or file_stat(path) != (entry.size, entry.mtime_ns):
            return False
        for link in entry.links:
            if "embedded" in link:  # a picture kept inside the note: its cached copy must still be there
                if not os.path.isfile(link["embedded"]):
                    return False
                continue
            real, outside, nearest = resolver.relocate(link, path)
            if (real, outside, nearest) != (link["real"], link["outside"], link["nearest"]):
                return False
            now = file_stat(os.path.join(resolver.root, real)) if real is not None else None
            if real is not None and now != (link["size"], link["mtime_ns"]):
                return False
        self.kept.add(name)
        return True

    def record(self, name: str, stat: tuple[int, int] | None, links: list[dict]) -> None:
        """This run read note `name`; `stat` was taken before reading (None: not cacheable)."""
        self.read += 1
        if stat is not None and all(link.get("size") is not None or link["real"] is None for link in links):
            self.fresh[name] = NoteStat(name, stat[0], stat[1], links)


def replace_stats(db, collection: str, entries: list[NoteStat], recipe: str) -> None:
    """The collection's rows become `entries` (delete, then add: a kill between loses only the cache)."""
    rows = pa.Table.from_pylist(
        [
            {
                "collection": collection,
                "source": entry.source,
                "size": entry.size,
                "mtime_ns": entry.mtime_ns,
                "parts": entry.parts,
                "recipe": recipe,
                "links": json.dumps(entry.links, ensure_ascii=False),
            }
            for entry in entries
        ],
        schema=_SCHEMA,
    )
    if FILE_STATS_TABLE not in table_names(db):
        db.create_table(FILE_STATS_TABLE, data=rows, schema=_SCHEMA, exist_ok=True)
        return
    table = db.open_table(FILE_STATS_TABLE)
    table.delete(f"collection = {sql_string(collection)}")
    if entries:
        table.add(rows)


def drop_stats(db, collection: str | None = None) -> None:
    """Forget the cache of one collection (or of all): its notes are read again next run."""
    if FILE_STATS_TABLE in table_names(db):
        table = db.open_table(FILE_STATS_TABLE)
        where = "true" if collection is None else f"collection = {sql_string(collection)}"
        if table.count_rows(where):  # no empty commit on every run of documents given directly
            table.delete(where)
