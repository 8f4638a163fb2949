"""The page and /search on a single-vector index: the budget control is hidden, a budget or
vectors='multi' is refused naming the value, and no comparison is drawn."""

from __future__ import annotations

from html import escape

import gradio as gr
import pytest

from mme_core.documents import InterleavedDoc, TextSegment
from webapp.handlers import Handlers
from webapp.layout import AppOptions, build_demo
from webapp.media import MediaRegistry
from webapp.multivector import api_vector_choice, budget_choice, budget_control
from webapp.service import SearchService


@pytest.fixture
def handlers(app_searcher, tiny_dsvl, upload_root):
    return Handlers(SearchService(app_searcher, tiny_dsvl, media=MediaRegistry(upload_root)))


def test_single_vector_index_hides_the_budget_and_draws_no_comparison(handlers, app_searcher, tiny_dsvl):
    assert handlers.service.budgets == ()
    value = [{"type": "text", "text": "Paint a blue square"}]
    html, state = handlers.search(value, 3, 4, "semantic", (), "", (), 0)
    assert state["budget"] is None and "multi-vector" not in html
    assert handlers.comparison(state) == ""
    demo = build_demo(app_searcher, tiny_dsvl, AppOptions(model_label="tiny"))
    budget = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "mme-budget")
    assert budget.visible is False


def test_budget_or_multi_on_a_single_vector_index_is_refused_naming_it(handlers):
    value = [{"type": "text", "text": "Paint a blue square"}]
    html, state = handlers.search(value, 3, 4, "semantic", (), "", (), 4)
    assert state is None and "budget 4 asks for multi-vector search" in html
    with pytest.raises(gr.Error, match="holds single vectors only"):
        handlers.api_search("Paint a blue square", 3, 4, "semantic", vectors="multi")
    with pytest.raises(gr.Error, match="budget 8 asks for multi-vector search"):
        handlers.api_search("Paint a blue square", 3, 4, "semantic", budget=8)
    with pytest.raises(gr.Error, match="budget must be a whole number of vectors, got 2.5"):
        handlers.api_search("Paint a blue square", 3, 4, "semantic", budget=2.5)
    with pytest.raises(gr.Error, match="unknown vectors 'many'; valid values are single, multi"):
        handlers.api_search("Paint a blue square", 3, 4, "semantic", vectors="many")
    assert len(handlers.api_search("Paint a blue square", 3, 4, "semantic", vectors="single")) == 4


def test_control_values_map_to_vectors_and_budget():
    assert budget_choice(0) == ("single", None) and budget_choice(None) == ("single", None)
    assert budget_choice(4) == ("multi", 4) and budget_choice("8") == ("multi", 8)
    assert api_vector_choice("", None) == (None, None) and api_vector_choice("multi", 0) == ("multi", None)
    control = budget_control((1, 2, 4))
    assert control.visible and control.value == 4
    assert [value for _, value in control.choices] == [0, 1, 2, 4]


def test_multi_vector_index_shows_the_budget_and_compares_with_single(tiny_multi, app_collection, tmp_path):
    from indexer import Searcher, build_index

    build_index(app_collection, tmp_path / "ix", tiny_multi, ns=(3,), progress=False)
    searcher = Searcher.open(tmp_path / "ix", tiny_multi, warm=False)
    handlers = Handlers(SearchService(searcher, tiny_multi, media=MediaRegistry(tmp_path)))
    assert handlers.service.budgets == (1, 2, 4, 8, 16)
    value = [{"type": "text", "text": "Paint a blue square"}]
    html, state = handlers.search(value, 3, 3, "semantic", (), "", (), 4)
    assert state["budget"] == 4 and "multi-vector budget 4" in html
    # the note titled as the query comes first, named, not scored by vectors; the rest at budget 4
    assert [(h.mode, h.budget) for h in state["hits"]] == [("title", None), ("semantic", 4), ("semantic", 4)]
    comparison = handlers.comparison(state)
    assert "multi-vector, budget 4" in comparison and "single vector" in comparison
    single = searcher.search(InterleavedDoc((TextSegment("Paint a blue square"),)), n=3, k=3, mode="semantic",
                             vectors="single")  # fmt: skip
    assert all(escape(hit.doc.title or hit.id) in comparison for hit in single)
    html, state = handlers.search(value, 3, 3, "keyword", (), "", (), 16)  # words only: no budget took part
    assert state["budget"] is None and "multi-vector" not in html and handlers.comparison(state) == ""
    html, state = handlers.search(value, 3, 3, "semantic", (), "", (), 0)  # "single vector" on the control
    assert state["budget"] is None and handlers.comparison(state) == ""
    records = handlers.api_search("Paint a blue square", 3, 2, "semantic", budget=16)
    assert len(records) == 2
    with pytest.raises(gr.Error, match="budget 3 is not one of this index's budgets"):
        handlers.api_search("Paint a blue square", 3, 2, "semantic", budget=3)
    demo = build_demo(searcher, tiny_multi, AppOptions(model_label="tiny"))
    budget = next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == "mme-budget")
    assert budget.visible and budget.value == 16
