"""What a person names exactly comes first: the note titled as the query, the notes showing its picture.

A ranking (keyword, semantic or hybrid) scores how much a note is *about* the query; someone who
types a note's exact title, or drops in a photo from their own notes, wants *that* note, whatever
BM25 makes of a short page ("DETR" ranked its longer sibling "Deformable DETR" first on a real Logseq
graph) or a model makes of the picture (the demo knows only its synthetic world). Each step takes a
ranking (depth -> hits) and returns one with those notes first, then the rest in its order:
- `titles_first`: notes whose title or an alias is the query's text, compared by words (case,
  punctuation and Unicode form aside: "average precision (AP)" names "Average-Precision (AP)");
  mode "title", score 1. Found by a scan of the titles and properties holding the query's longest
  word (`strpos`, no index needed); then, among the ranking's own hits, notes whose title is the
  query's text but for accents, points or Chinese script (`matches.comparable`: "creme brulee" names
  "Crème brûlée", 紅燒肉 names 红烧肉) or German umlauts typed ae oe ue ("Allgaeuer Kueche" names
  "Allgäuer Küche", `indexer.umlauts`), which that scan cannot see.
- `pictures_first`: notes showing one of the query's pictures byte for byte (any file name; found
  by the picture's SHA-256, which every row's `segments` records); mode "picture", score = how many
  of the query's pictures they show.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace

from indexer.hits import RESULT_COLUMNS, Hit
from indexer.keyword import keyword_text, query_terms, words
from indexer.matches import comparable
from indexer.schema import row_to_doc, sql_string
from indexer.umlauts import umlaut_spelling
from indexer.vocabulary import with_variants
from mme_core.documents import InterleavedDoc, TextSegment

Ranking = Callable[[int], list[Hit]]
COLUMNS = RESULT_COLUMNS[:-1]  # no `_distance`: these rows come from a scan


def titles_first(index, scope: str, query: InterleavedDoc, ranked: Ranking) -> Ranking:
    text = " ".join(s.text for s in query.segments if isinstance(s, TextSegment))
    wanted = name_key(text)
    if not wanted:
        return ranked
    where = title_where(max(words(text), key=len))
    rows = index.scan(COLUMNS, where + (f" AND ({scope})" if scope else "")).to_pylist()
    named = [row for row in rows if wanted in _names(row)]
    ranked = _folded_titles_first(_folded(wanted), _terms(query), ranked)
    if spelled := umlaut_spelling(text):  # "Allgaeuer Kueche" names "Allgäuer Küche"
        ranked = _folded_titles_first(_folded(name_key(spelled)), _terms(query), ranked)
    return _first(named, {row["id"]: 1.0 for row in named}, "title", _terms(query), ranked)


def _folded_titles_first(wanted: str, terms, ranked: Ranking) -> Ranking:
    """`ranked` with its hits titled as `wanted` (compared folded) first, marked "title", score 1."""

    def ranking(depth: int) -> list[Hit]:
        hits = ranked(depth)
        named = [hit for hit in hits if wanted in _folded_names(hit)]
        if not named:
            return hits
        first = [replace(hit, score=1.0, mode="title", terms=terms) for hit in named]
        merged = first + [hit for hit in hits if hit not in named]
        return [replace(hit, rank=rank) for rank, hit in enumerate(merged, start=1)]

    return ranking


def _folded_names(hit: Hit) -> set[str]:
    return {_folded(name_key(name)) for name in _title_and_aliases(hit.doc.title, hit.doc.meta)}


def _folded(name: str) -> str:
    """A name compared folded, its spaces aside: a Persian word's non-joiner is typed as a space or
    not at all (می‌خواهم, می خواهم, میخواهم), and a title run together is still the title."""
    return comparable(name)[0].replace(" ", "")


def pictures_first(index, scope: str, query: InterleavedDoc, ranked: Ranking) -> Ranking:
    wanted = set()
    for image in query.images:
        try:
            wanted.add(image.content_hash())
        except (OSError, ValueError):  # unreadable: the encoder names it, or keyword search ignores it
            continue
    if not wanted:
        return ranked
    rows = index.scan(COLUMNS, picture_where(wanted) + (f" AND ({scope})" if scope else "")).to_pylist()
    shown = {row["id"]: float(sum(h in row["segments"] for h in wanted)) for row in rows}
    return _first(rows, shown, "picture", _terms(query), ranked)


def title_where(word: str) -> str:
    """The rows whose title or properties (aliases) hold `word`: the candidates `titles_first` compares."""
    probe = sql_string(word.lower())
    return f"(strpos(lower(title), {probe}) > 0 OR strpos(lower(properties), {probe}) > 0)"


def picture_where(digests) -> str:
    """The rows showing a picture of one of these SHA-256 digests."""
    return "(" + " OR ".join(f"segments LIKE {sql_string('%' + h + '%')}" for h in sorted(digests)) + ")"


def name_key(text: str) -> str:
    """A name as compared: its words, case-folded (NFC, punctuation aside; see `keyword.words`)."""
    return " ".join(words(text)).casefold()


def _names(row: dict) -> set[str]:
    properties = json.loads(row["properties"] or "{}")
    return {name_key(name) for name in _title_and_aliases(row["title"], properties)}


def _title_and_aliases(title: str | None, meta: dict) -> list[str]:
    """The names a note answers to: its title and its aliases (front matter `aliases:`)."""
    return [title or "", *(alias for alias in meta.get("aliases") or () if isinstance(alias, str))]


def _terms(query: InterleavedDoc) -> tuple[str, ...]:
    text = keyword_text([s.text for s in query.segments if isinstance(s, TextSegment)])
    return tuple(query_terms(with_variants(text)))  # as the ranking's own hits mark them


def _first(rows: list[dict], scores: dict[str, float], mode: str, terms, ranked: Ranking) -> Ranking:
    """`ranked` with `rows` first (highest score, then in `ranked`'s order), marked `mode`."""
    if not rows:
        return ranked

    def ranking(depth: int) -> list[Hit]:
        rest = ranked(depth)
        order = {hit.id: position for position, hit in enumerate(rest)}
        rows.sort(key=lambda row: (-scores[row["id"]], order.get(row["id"], len(order)), row["id"]))
        first = [Hit(row["id"], scores[row["id"]], row_to_doc(row), 0, mode, terms) for row in rows[:depth]]
        merged = first + [hit for hit in rest if hit.id not in scores]
        return [replace(hit, rank=rank) for rank, hit in enumerate(merged[:depth], start=1)]

    return ranking
