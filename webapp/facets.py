"""What the searched collections hold that the Search tab has a filter for, so a filter is shown only
where it can change something: a person with plain notes sees no language choice and no date box.

- Languages: the languages of the translated pages (a page kept in several languages, each version
  naming the page it translates: `indexer.sources.site_languages`). A note whose script alone names
  its language (a Chinese note among English ones) has no other version to choose between, so it
  does not count.
- Photos by date: whether any note is a photo whose EXIF gave when it was taken (`taken`).

Both are read from the rows' properties JSON (`indexer.schema.doc_properties`), narrowed in the
query to the rows that hold the key, so an index without translations or photos reads nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from indexer.languages import NAMES, language_name, primary

_TRANSLATED = 'strpos(properties, \'"translation": "\') > 0'
_TAKEN = 'strpos(properties, \'"taken": "\') > 0'


@dataclass(frozen=True)
class Facets:
    languages: tuple[str, ...] = ()  # codes of the translated pages, as the site writes them
    photos_taken: bool = False  # some note is a photo with the date it was taken

    def language_choices(self) -> list[tuple[str, str]]:
        """(label, value) for the page's dropdown: the query's language first, then each by name."""
        return [("The query's language", "")] + [(language_name(code), code) for code in self.languages]

    def check_language(self, language: str) -> None:
        """A ValueError naming the languages there are, when no translated page is in `language`
        (compared as the search compares them: `zh` is `zh-hans`)."""
        if any(primary(code) == primary(language) for code in self.languages):
            return
        there = ", ".join(language_name(code) for code in self.languages)
        said = f"their translated pages are in {there}" if there else "they have no translated pages"
        raise ValueError(f"no page in language {language!r} in the collections searched: {said}")


def read_facets(index, scope: str | None) -> Facets:
    """The facets of the rows in `scope` (an SQL filter, None for the whole index)."""
    where = lambda clause: f"({scope}) AND {clause}" if scope else clause  # noqa: E731
    codes = set()
    for text in index.scan(["properties"], where(_TRANSLATED)).column("properties").to_pylist():
        properties = json.loads(text or "{}")
        if isinstance(properties.get("translation"), str) and properties.get("language"):
            codes.add(str(properties["language"]))
    taken = index.scan(["id"], where(_TAKEN)).num_rows > 0
    return Facets(tuple(sorted(codes, key=_by_name)), taken)


def _by_name(code: str) -> tuple[str, str]:
    return NAMES.get(primary(code), code).casefold(), code
