"""The page's multi-vector parts: the budget control beside the N slider (shown only when the index
holds multi-vector columns) and the comparison of the multi-vector ranking with the single-vector
ranking of the same query, so a person sees what the extra vectors change."""

from __future__ import annotations

from html import escape

import gradio as gr

SINGLE_CHOICE = 0  # the budget control's "one vector" position: single-vector search


def budget_control(budgets: tuple[int, ...]) -> gr.Radio:
    """Budgets of the index plus "1 (single)"; the largest budget is the default (best ranking)."""
    choices = [("single vector", SINGLE_CHOICE)] + [(str(b), b) for b in budgets]
    return gr.Radio(
        choices,
        value=max(budgets) if budgets else SINGLE_CHOICE,
        label="Vectors per document (multi-vector budget)",
        info="MaxSim over the first k meta-token vectors of query and document; more is finer, slower",
        visible=bool(budgets),
        elem_id="mme-budget",
    )


def budget_choice(value) -> tuple[str | None, int | None]:
    """The page's control value -> (vectors, budget) for `SearchService.search`."""
    if value in (None, "", SINGLE_CHOICE, str(SINGLE_CHOICE)):
        return "single", None
    return "multi", _as_budget(value)


def api_vector_choice(vectors, budget) -> tuple[str | None, int | None]:
    """/search's `vectors` ("", "single", "multi") and `budget` (None or 0: the default)."""
    if vectors is not None and not isinstance(vectors, str):
        raise ValueError(f"vectors must be 'single', 'multi' or '', got {vectors!r}")
    budget = None if budget in (None, "", 0) else _as_budget(budget)
    return vectors or None, budget


def _as_budget(value) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"budget must be a whole number of vectors, got {value!r}")
    return value


def comparison_html(service, state) -> str:
    """Multi-vector ranking beside the single-vector ranking of the same query, N, filters and k;
    documents found by both are marked. Empty (nothing shown) for single-vector searches."""
    if not state or not state.get("budget"):
        return ""
    choices = state["choices"]
    try:
        single = service.search(
            state["query"], state["n"], choices["k"], "semantic", choices["collections"],
            choices["folders"], choices["tags"], vectors="single",
        ).hits  # fmt: skip
    except ValueError as err:
        return f'<div class="mme-error" role="alert">{escape(str(err))}</div>'
    multi = state["hits"]
    both = {hit.id for hit in multi} & {hit.id for hit in single}
    rows = []
    for rank in range(max(len(multi), len(single))):
        cells = [_cell(hits[rank] if rank < len(hits) else None, both) for hits in (multi, single)]
        rows.append(f"<tr><td>{rank + 1}</td>{''.join(cells)}</tr>")
    head = f"<tr><th>#</th><th>multi-vector, budget {int(state['budget'])}</th><th>single vector</th></tr>"
    note = f"{len(both)} of {len(multi)} in both rankings (marked ●) · N = {escape(str(state['n']))}"
    return (
        f'<details class="mme-compare" open><summary>Single vs multi-vector: {note}</summary>'
        f'<table class="mme-compare-table">{head}{"".join(rows)}</table></details>'
    )


def _cell(hit, both: set[str]) -> str:
    if hit is None:
        return "<td></td>"
    mark = "● " if hit.id in both else ""
    title = escape(hit.doc.title or hit.id)
    return f'<td title="{escape(hit.id)}">{mark}{title} <small>{hit.score:.3f}</small></td>'
