"""The cascade through the page handlers and the /search API: same ranking as the library, and bad
cascade options refused as the person wrote them, before the query is encoded."""

from __future__ import annotations

import re

import gradio as gr
import pytest

from indexer.cascade import Cascade
from mme_core.documents import InterleavedDoc, TextSegment
from webapp.layout import cascade_mode

from .test_handlers import handlers  # noqa: F401  (fixture)


def test_api_cascade_equals_the_library_cascade(handlers, app_searcher):  # noqa: F811
    query = InterleavedDoc((TextSegment("Sort green triangles"),))
    library = app_searcher.search(query, k=4, cascade=Cascade(k=6, fusion="max-n"))
    records = handlers.api_search("Sort green triangles", 2, 4, "", cascade={"k": 6, "fusion": "max-n"})
    assert [r["id"] for r in records] == [h.id for h in library]
    assert [r["score"] for r in records] == pytest.approx([h.score for h in library], abs=1e-6)
    assert {r["stage"] for r in records} == {"fused"} and {r["note"] for r in records} == {""}
    assert {r["stage"] for r in handlers.api_search("Sort green triangles", 2, 4)} == {""}  # no cascade


@pytest.mark.parametrize(
    ("cascade", "mode", "message"),
    [
        ({"k": 0}, "", "cascade K (candidates re-scored) must be a positive integer, got 0"),
        ({"fusion": "median"}, "", "unknown cascade fusion 'median'; fusions are mean, max-n"),
        ({"depth": 3}, "", "unknown cascade option 'depth'"),
        ({"first_n": 8}, "", "cascade first-stage N=8 is not stored in this index"),
        (True, "keyword", "the cascade re-ranks semantic search; use mode 'semantic', not 'keyword'"),
        ("yes", "", "cascade must be true, a Cascade or a dict"),
    ],
)
def test_api_refuses_bad_cascade_options_before_encoding(handlers, monkeypatch, cascade, mode, message):  # noqa: F811
    def never(*args, **kwargs):
        raise AssertionError("the query was encoded before the refusal")

    # on the class: patching the session encoder instance would leave a bound method behind on it
    monkeypatch.setattr(type(handlers.service.searcher.encoder), "encode_all", never)
    with pytest.raises(gr.Error, match=re.escape(message)):
        handlers.api_search("Sort green triangles", 2, 4, mode, cascade=cascade)


def test_page_cascade_box_ranks_like_the_library_and_says_so(handlers, app_searcher):  # noqa: F811
    value = [{"type": "text", "text": "Paint a blue square"}]
    html, _ = handlers.search(value, 3, 4, "semantic", (), "", (), None, True)
    library = app_searcher.search(InterleavedDoc((TextSegment("Paint a blue square"),)), k=4, cascade=True)
    assert re.findall(r'data-id="([^"]+)"', html) == [h.id for h in library]
    assert "cascade N=1 top 100, mean" in html
    html, state = handlers.search(value, 3, 4, "hybrid", (), "", (), None, True)
    assert state is None and "choose &quot;Meaning&quot; under Match by, or untick it" in html
    assert cascade_mode(True, "hybrid") == "semantic" and cascade_mode(False, "hybrid") == "hybrid"
