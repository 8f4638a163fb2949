"""The words a query is searched by, and the terms its results' cards mark.

A query's text is widened before the keyword ranking sees it: the other community's spelling of
its Chinese words (软件 also 軟體: `indexer.vocabulary`), the umlauts of German words typed as two
letters (Kaesespaetzle also Käsespätzle: `indexer.umlauts`) and the names in other languages of the
places the index's photos were taken (京都 also "Kyoto": `indexer.place_names`). On an index that
reads the words in pictures, the query's pictures' words join them outside pure semantic search
(`indexer.picture_words`).
"""

from __future__ import annotations

from indexer.keyword import keyword_text, query_terms
from indexer.picture_words import query_picture_words
from indexer.place_names import PlaceNames, with_places
from indexer.umlauts import with_umlauts
from indexer.vocabulary import with_variants
from mme_core.documents import InterleavedDoc, TextSegment


def query_words(index, query: InterleavedDoc, mode: str, places: PlaceNames) -> tuple[str, tuple[str, ...]]:
    """(the words to rank by, the terms to mark) for `query` searched in `mode` over `index`."""
    typed = keyword_text([s.text for s in query.segments if isinstance(s, TextSegment)])
    words = with_umlauts(with_variants(typed))
    words = with_places(words, places)
    terms = tuple(query_terms(words))
    if mode != "semantic" and query.images and index.meta.picture_words:
        # a pictures-only query's cards mark its pictures' words; a query with text marks only its
        # text (a screenshot's every word would be noise)
        shown = keyword_text([query_picture_words(index.db, query.images)])
        terms = terms or tuple(query_terms(shown))
        words = f"{words} {shown}".strip()
    return words, terms
