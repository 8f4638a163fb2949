"""A query naming a place in another language or script also searches the name its photos carry.

A photo's keyword text holds its place as GeoNames names it ("Kyoto, Japan": `sources.places`).
People type 京都, Киото, Kioto, 교토; Lisboa for Lisbon, 東京旅行 for a trip to Tokyo. The town's names
in other languages and scripts are kept with each photo (`meta["place_names"]`, ~30 for a city,
up to ~90 for a capital) but not written into its text: measured on 357 real photos ("Photos by
place" in docs/BENCHMARKS.md), writing them there made every other search of those photos worse (a
month typed as "October 2008" found 247 of its 273 photos in its top, 265 without them: the names'
n-grams match unrelated words, and a longer text weighs each of its words less).

So the query is expanded instead, from the names of the places the index's photos were taken
(never the whole gazetteer: a word that names a town the person has no photo of adds nothing):
where a run of the query's words (up to four), or a stretch of a Chinese, Japanese or Korean run
(东京旅行 holds 东京), is one of those names, compared as the index compares (Traditional and
Simplified alike, without case or accents), the name it stands for joins the keyword query
("Kyoto"), as `vocabulary.with_variants` adds the other strait's words. Latin-letter names of
fewer than four letters are left out ("Rom", "Tun": too often a word of another meaning).
The names are read from the index once per table version (one scan of the rows holding them).
"""

from __future__ import annotations

import json
import re
import unicodedata

from indexer.keyword import CJK_CHARS, fold, words
from indexer.schema import sql_string

_MAX_WORDS = 4  # "Lutetia Parisorum", "Ciudad de México": names of up to this many words
_MAX_RUN = 8  # characters of a CJK name (大不列颠及北爱尔兰联合王国 aside, towns are shorter)
_WHERE = "properties LIKE " + sql_string('%"place_names"%')
_CJK = re.compile(f"[{CJK_CHARS}]")


def name_key(text: str) -> str:
    """A name as compared: folded (Chinese scripts, marks), its words, without case or accents."""
    decomposed = unicodedata.normalize("NFKD", " ".join(words(fold(text))).casefold())
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


class PlaceNames:
    """Other names -> the names the photos carry, for the places an index's photos were taken."""

    def __init__(self, pairs: dict[str, str]) -> None:
        self.names: dict[str, set[str]] = {}
        for other, name in pairs.items():
            key = name_key(other)
            if len(key) > 1 and not (key.isascii() and len(key) < 4):
                self.names.setdefault(key, set()).add(name)
            head = key.split()[0] if " " in key and _CJK.search(key) else ""
            if len(head) > 1:  # 교토 시 (Kyoto City) as 교토
                self.names.setdefault(head, set()).add(name)

    @classmethod
    def from_rows(cls, properties: list[str | None]) -> PlaceNames:
        """From the rows' `properties` JSON (a photo's `place_names`: {"京都": "Kyoto", ...})."""
        pairs: dict[str, str] = {}
        for text in properties:
            found = json.loads(text or "{}").get("place_names")
            if isinstance(found, dict):
                pairs.update((k, v) for k, v in found.items() if isinstance(k, str) and isinstance(v, str))
        return cls(pairs)

    def expand(self, text: str) -> list[str]:
        """The names the query's place names stand for, that it does not hold already."""
        if not self.names or not text:
            return []
        tokens = name_key(text).split()
        found: dict[str, None] = {}
        for start in range(len(tokens)):
            for width in range(1, _MAX_WORDS + 1):
                found |= dict.fromkeys(self.names.get(" ".join(tokens[start : start + width]), ()))
            if _CJK.search(tokens[start]):  # a stretch of the run: 东京旅行 holds 东京
                run = tokens[start]
                for i in range(len(run)):
                    for j in range(i + 2, min(len(run), i + _MAX_RUN) + 1):
                        found |= dict.fromkeys(self.names.get(run[i:j], ()))
        held = set(tokens)
        return [name for name in found if not set(name_key(name).split()) <= held]


def index_place_names(index) -> PlaceNames:
    """The index's photos' place names (one scan of the rows that hold them)."""
    rows = index.scan(["properties"], _WHERE)["properties"].to_pylist()
    return PlaceNames.from_rows(rows)


def with_places(text: str, names: PlaceNames) -> str:
    """`text` (a keyword query's words) followed by the names its place names stand for."""
    return " ".join([text, *names.expand(text)]) if text else text
