"""What a search returns (`Hit`) and which rows it may return (`Filters`), shared by every way of
searching (`indexer.search`, `indexer.cascade_search`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from indexer.schema import normal_tag, sql_string
from mme_core.documents import InterleavedDoc

# what a search reads back for each hit; the last, `_distance`, only a vector search has
RESULT_COLUMNS = [
    "id",
    "title",
    "source",
    "part",
    "collection",
    "segments",
    "tags",
    "properties",
    "_distance",
]

# a date or its start: 2024, 2024-06, 2024-06-12 (no month 13: it would match nothing, unsaid)
_TAKEN = re.compile(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?")
_TAKEN_KEY = '"taken": "'
PARTS_PER_NOTE = 4  # parts fetched per note wanted, before each note keeps its best part


@dataclass(frozen=True)
class Hit:
    id: str
    score: float  # semantic: cosine in [-1, 1]; keyword: BM25; hybrid: reciprocal-rank fusion score;
    # picture: how many of the query's pictures the note shows (byte for byte); title: 1 (named exactly)
    doc: InterleavedDoc
    rank: int  # 1-based
    mode: str = "semantic"  # how this hit was found
    terms: tuple[str, ...] = ()  # the query's words, for highlighting what matched
    budget: int | None = None  # multi-vector search: the budget (score = MaxSim over that many vectors)
    stage: str = ""  # cascade: "fused" (stored N re-scored) or "full" (re-encoded at full tokens)
    note: str = ""  # cascade: why a hit could not be re-scored at full tokens (source gone, ...)
    translations: tuple[tuple[str, str], ...] = ()  # the page in other languages: (language, id), ...


@dataclass(frozen=True)
class Filters:
    """Which rows a search may return. Empty fields filter nothing; several values of one field are
    alternatives (any collection listed, any folder, any tag), different fields must all hold."""

    collections: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()  # path prefixes inside a collection, e.g. "garden" or "garden/roses"
    tags: tuple[str, ...] = ()  # without '#', matched case-insensitively
    source_prefix: str | None = None
    title_contains: str | None = None
    taken: tuple[str, ...] = ()  # a photo's date or its start ("2024-06"; see sources/photo_facts.py)

    def __post_init__(self) -> None:
        for when in self.taken:
            if not isinstance(when, str) or not _TAKEN.fullmatch(when):
                raise ValueError(f"taken {when!r}: give a date or its start, as 2024, 2024-06 or 2024-06-12")

    def sql(self) -> str | None:
        clauses = []
        if self.collections:
            clauses.append(f"collection IN ({', '.join(map(sql_string, self.collections))})")
        if self.folders:
            prefixes = [sql_string(folder.strip("/") + "/") for folder in self.folders if folder.strip("/")]
            if prefixes:
                clauses.append("(" + " OR ".join(f"starts_with(source, {p})" for p in prefixes) + ")")
        if self.tags:
            clauses.append(
                f"array_has_any(tags, [{', '.join(sql_string(normal_tag(t)) for t in self.tags)}])"
            )
        if self.taken:  # the properties JSON as `schema.doc_properties` writes it: `"taken": "2024-06-12T..`
            found = [f"strpos(properties, {sql_string(_TAKEN_KEY + when)}) > 0" for when in self.taken]
            clauses.append("(" + " OR ".join(found) + ")")
        if self.source_prefix:
            clauses.append(f"starts_with(source, {sql_string(self.source_prefix)})")
        if self.title_contains:
            clauses.append(f"strpos(lower(title), lower({sql_string(self.title_contains)})) > 0")
        return " AND ".join(clauses) or None


def as_filters(filters: Filters | None, fields: dict) -> Filters:
    """`filters`, or one made from keyword fields (`collections=("notes",)`, `title_contains=...`)."""
    if filters is not None and fields:
        raise ValueError("pass either filters=Filters(...) or filter keywords, not both")
    unknown = set(fields) - set(Filters.__dataclass_fields__)
    if unknown:
        raise ValueError(
            f"unknown filter {sorted(unknown)[0]!r}; filters are {', '.join(Filters.__dataclass_fields__)}"
        )
    tuples = {
        k: tuple([v] if isinstance(v, str) else v)
        for k, v in fields.items()
        if k in ("collections", "folders", "tags", "taken") and v
    }
    return filters or Filters(**(fields | tuples))


def check_k(k) -> None:
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")


def best_part_per_note(hits: list[Hit], k: int) -> list[Hit]:
    """Each note once, as its best-ranked part (a long note's parts often rank side by side), at
    most k, ranked 1..k again."""
    seen: set[str] = set()
    kept: list[Hit] = []
    for hit in hits:
        if hit.id not in seen and len(kept) < k:
            seen.add(hit.id)
            kept.append(replace(hit, rank=len(kept) + 1))
    return kept
