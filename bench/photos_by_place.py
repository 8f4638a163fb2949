"""Photos by place: does a town's name, typed in one script or another, find the photos taken there?

    python -m bench.photos_by_place --index IDX [--index IDX_BEFORE]

For an index of photos (their `place` read from EXIF GPS, named by `indexer.sources.places`), every
town that names a photo is a query (and every country: its photos are the answer), typed as its
English name ("Paris") and as its name in each
other script the gazetteer holds for it (the first one: 巴黎, Париж, باريس, パリ, 파리, Παρίσι) and in
another Latin spelling (Parigi), searched by keyword alone; reported per script: how many of the
town's photos are among the first as many hits as the town has photos, and how often the first hit
is one of them. A second index (the same photos read before places were named) is searched with
the same queries. Nothing is written.
"""

from __future__ import annotations

import argparse
import json
import unicodedata
from collections import defaultdict

from indexer import Searcher
from indexer.sources.places import place_at
from mme_core.documents import InterleavedDoc, TextSegment


def script(name: str) -> str:
    """The script of a name's first letter: Latin, Han, Kana, Hangul, Cyrillic, Arabic, Greek, ..."""
    letter = next((c for c in name if c.isalpha()), "")
    kind = unicodedata.name(letter, "OTHER").split()[0] if letter else "OTHER"
    return {"CJK": "Han", "HIRAGANA": "Kana", "KATAKANA": "Kana"}.get(kind, kind.title())


def photos_by_place(searcher: Searcher) -> dict[str, tuple[set[str], dict[str, str]]]:
    """town, or "country: <name>" -> (photo ids, {script: the query typed in it})."""
    rows = searcher.index.table.search().select(["id", "properties"]).limit(1_000_000).to_list()
    found: dict[str, tuple[set[str], dict[str, str]]] = {}
    for row in rows:
        place = (json.loads(row["properties"] or "{}").get("properties") or {}).get("place", "")
        named = place and place_at(*map(float, place.split(",")))
        if not named:
            continue
        country = named.name.rpartition(", ")[2]
        for key, english in ((named.town, named.town), (f"country: {country}", country)):
            if not english:
                continue
            ids, queries = found.setdefault(key, (set(), {"English": english}))
            ids.add(row["id"])
            for other, stands_for in named.names:
                if stands_for == english:
                    kind = script(other)
                    queries.setdefault("Latin, another spelling" if kind == "Latin" else kind, other)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", required=True, action="append", help="the index; again for a 'before' one")
    args = parser.parse_args()
    searchers = [Searcher.open(uri, None, warm=False) for uri in args.index]
    places = photos_by_place(searchers[0])
    by_script: dict[tuple[bool, str], list] = defaultdict(list)
    for place, (ids, queries) in sorted(places.items()):
        for kind, query in queries.items():
            by_script[place.startswith("country: "), kind].append((place, ids, query))
    towns = [ids for place, (ids, _) in places.items() if not place.startswith("country: ")]
    print(f"{len(towns)} towns, {sum(map(len, towns))} photos; {len(places) - len(towns)} countries")
    for (country, kind), cases in sorted(by_script.items(), key=lambda item: (item[0][0], -len(item[1]))):
        what = "countries" if country else "towns"
        line = [f"{kind}: {len(cases)} {what} ({', '.join(q for _, _, q in cases[:4])}...)"]
        for searcher, uri in zip(searchers, args.index, strict=True):
            found = first = photos = 0
            for _, ids, query in cases:
                hits = searcher.search(InterleavedDoc((TextSegment(query),)), k=len(ids), mode="keyword")
                found += len({hit.id for hit in hits} & ids)
                first += bool(hits) and hits[0].id in ids
                photos += len(ids)
            line.append(f"{uri}: {found}/{photos} photos in top, first {first}/{len(cases)}")
        print(" | ".join(line))


if __name__ == "__main__":
    main()
