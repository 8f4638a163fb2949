"""One result per translated page, in the query's language.

A documentation site translated into several languages keeps each page once per language, and the
translations keep the original's code, UI names and untranslated paragraphs: an English query found
the English page and then its copies (AdGuard VPN's knowledge base, the Dify docs), and a Chinese
query could get the English original above its Chinese translation. The readers give each such page
a translation key its translations share (`indexer.sources.site_languages`); a search then keeps one
hit per key and collection, in the ranking's place of the best-ranked of them:
- the one in the query's language, read from its script (`indexer.languages.query_languages`:
  kana Japanese, Han Chinese then Japanese, Hangul Korean...), or the language asked for;
- for a Latin-script query (many languages), the site's original language (`site_language`), else
  English, else a Latin-script language;
- else the best ranked.
The one chosen need not have been ranked (a Chinese page whose English original matched): all the
versions of the pages kept are looked up in one scan, which also gives the other languages the card
names ("also in"). A chosen version that was not ranked shows the page's best score. The slots freed
are filled by the next pages, so k results are k pages. Notes without a key are never grouped.
"""

from __future__ import annotations

import json
from dataclasses import replace

from indexer.hits import RESULT_COLUMNS, Hit
from indexer.languages import NON_LATIN, check_language, primary, query_languages
from indexer.schema import row_to_doc, sql_string
from mme_core.documents import InterleavedDoc, TextSegment

COLUMNS = RESULT_COLUMNS[:-1]  # rows from a scan: no `_distance`


def page_key(hit: Hit) -> tuple[str, str] | None:
    """(collection, translation key) of the page a hit is a version of, or None (no translations)."""
    key = hit.doc.meta.get("translation")
    return (hit.doc.meta.get("collection") or "", key) if isinstance(key, str) and key else None


def wanted_languages(query: InterleavedDoc, language: str | None) -> tuple[str, ...]:
    """The languages to show a page in, most wanted first: `language` when given (checked), else the
    query's words' script's; () means the site's original (a Latin-script query, or no words)."""
    if check_language(language):
        return (language,)
    return query_languages(" ".join(s.text for s in query.segments if isinstance(s, TextSegment)))


def one_per_page(notes: list[Hit], k: int) -> list[list[Hit]]:
    """The ranked notes grouped by page, in the order of each page's best-ranked version: at most k
    groups, each its versions best first (a note without a key is a group of its own)."""
    groups: list[list[Hit]] = []
    at: dict[tuple[str, str], int] = {}
    for hit in notes:
        key = page_key(hit)
        if key is not None and key in at:
            groups[at[key]].append(hit)
        elif len(groups) < k:
            if key is not None:
                at[key] = len(groups)
            groups.append([hit])
    return groups


def choose(versions: list[Hit], wanted: tuple[str, ...]) -> Hit:
    """The version to show: in a wanted language (exactly as written first, then by its first part:
    `zh` is `zh-hans`), else for no wanted language the original, English, a Latin-script one; else
    the first (best ranked)."""
    languages = [str(hit.doc.meta.get("language") or "") for hit in versions]
    if wanted:
        tests = [lambda code, w=w: _same(code, w) for w in wanted]
        tests += [lambda code, w=w: primary(code) == primary(w) for w in wanted]
    else:
        sites = [hit.doc.meta.get("site_language") for hit in versions]
        site = next((str(code) for code in sites if code), "")
        tests = [
            lambda code: bool(site) and _same(code, site),
            lambda code: primary(code) == "en",
            lambda code: bool(primary(code)) and primary(code) not in NON_LATIN,
        ]
    for test in tests:
        for hit, code in zip(versions, languages, strict=True):
            if test(code):
                return hit
    return versions[0]


def _same(code: str, other: str) -> bool:
    return code.replace("_", "-").lower() == other.replace("_", "-").lower()


def in_language(index, scope: str | None, groups: list[list[Hit]], wanted: tuple[str, ...]) -> list[Hit]:
    """One hit per group, ranked 1.., in the chosen language, naming the page's other versions in
    `Hit.translations`; every version of the grouped pages (in `scope`) is looked up in one scan."""
    keys = {key for group in groups if (key := page_key(group[0])) is not None}
    versions = _versions(index, scope, keys)
    kept = []
    for rank, group in enumerate(groups, start=1):
        key = page_key(group[0])
        if key is None:
            kept.append(replace(group[0], rank=rank))
            continue
        best = group[0]
        ranked = {hit.id for hit in group}
        unranked = [
            Hit(doc.id, best.score, doc, rank, best.mode, best.terms)
            for doc in versions.get(key, ())
            if doc.id not in ranked
        ]
        every = group + unranked
        chosen = choose(every, wanted)
        others = sorted({(str(h.doc.meta.get("language") or "?"), h.id) for h in every if h.id != chosen.id})
        kept.append(replace(chosen, rank=rank, translations=tuple(others)))
    return kept


def _versions(index, scope: str | None, keys: set[tuple[str, str]]) -> dict[tuple[str, str], list]:
    """(collection, key) -> the documents of that page in every language (each note's first part)."""
    if not keys:
        return {}
    clauses = [
        f"(collection = {sql_string(collection)} AND strpos(properties, {sql_string(_property(key))}) > 0)"
        for collection, key in sorted(keys)
    ]
    where = "(" + " OR ".join(clauses) + ")" + (f" AND ({scope})" if scope else "")
    found: dict[tuple[str, str], dict[str, tuple[int, object]]] = {}
    for row in index.scan(COLUMNS, where).to_pylist():
        doc = row_to_doc(row)
        key = (row["collection"] or "", doc.meta.get("translation"))
        if key in keys:  # a front-matter property of that name is no key
            first = found.setdefault(key, {})
            if doc.id not in first or doc.part < first[doc.id][0]:
                first[doc.id] = (doc.part, doc)
    by_id = lambda first: sorted(first.values(), key=lambda found: found[1].id)  # noqa: E731
    return {key: [doc for _, doc in by_id(first)] for key, first in found.items()}


def _property(key: str) -> str:
    """The key as the row's properties JSON holds it (`schema.doc_properties`)."""
    return '"translation": ' + json.dumps(key, ensure_ascii=False)
