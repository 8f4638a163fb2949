"""The page and /search on a single-vector index: the budget control is hidden, a budget or
vectors='multi' is refused naming the value, and no comparison is drawn."""

from __future__ import annotations

import gradio as gr
import pytest

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
