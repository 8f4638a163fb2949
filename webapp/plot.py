"""The dominance plot (paper Fig. 6): the index's parts as a histogram at the chosen N, with the query
and the top results marked in their bins.

Drawn by Gradio's own BarPlot (Vega-Lite in the browser), so titles in any script render with the
browser's fonts. The data is a plain table: one row per (bin, series) with a count and the names of
what it holds, which the tooltip shows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .service import DominanceView

SAMPLE = "documents (sample)"
QUERY = "your query"
RESULTS = "top results"
COLOURS = {SAMPLE: "#94a3b8", QUERY: "#dc2626", RESULTS: "#2563eb"}
COLUMNS = ["dominance", "parts", "series", "which", "order"]
BIN_WIDTH = 0.05
EXPLANATION = (
    "Grey bars: how the index's parts (a sample of up to 500) split between text and pictures, "
    "cos(e, e_text) − cos(e, e_image); right of zero an embedding sits closer to what its text alone "
    "says, left closer to what its pictures alone say. Red: your query; blue: the top results. Move the "
    "N slider to give every image more or fewer tokens and watch the distribution shift."
)


def dominance_table(view: DominanceView) -> pd.DataFrame:
    """Rows for gr.BarPlot: x = bin label, y = parts, colour = series; bins ordered by `order`."""
    scores = view.sample.scores()  # (M,)
    marks = [(QUERY, "query", view.query.score)]
    marks += [(RESULTS, label, value.score) for label, value in view.results if value is not None]
    placed = [score for _, _, score in marks if score is not None]
    low, high = _range(np.concatenate([scores, np.array(placed, dtype=np.float64)]))
    edges = np.arange(low, high + BIN_WIDTH / 2, BIN_WIDTH)  # (B + 1,)
    counts, _ = np.histogram(scores, bins=edges)  # (B,)
    rows = [
        {"dominance": _label(edges[i]), "parts": int(c), "series": SAMPLE, "which": "", "order": i}
        for i, c in enumerate(counts)
    ]
    for series in (QUERY, RESULTS):
        bins: dict[int, list[str]] = {}
        for kind, label, score in marks:
            if kind == series and score is not None:
                bins.setdefault(_bin_of(score, edges), []).append(label)
        rows += [
            {"dominance": _label(edges[i]), "parts": len(names), "series": series, "which": "; ".join(names)}
            | {"order": i}
            for i, names in sorted(bins.items())
        ]
    return pd.DataFrame(rows, columns=COLUMNS)


def bin_order(table: pd.DataFrame) -> list[str]:
    """The bins left to right (the x axis is categorical, so its order is given)."""
    return list(dict.fromkeys(table.sort_values("order")["dominance"]))


def plot_title(n: object, tokens_per_image: int) -> str:
    return f"Text vs image dominance at N = {n} ({tokens_per_image} tokens/image)"


def unplaced(view: DominanceView) -> list[str]:
    """What the plot cannot place: a query or result with one modality only, a result outside the sample."""
    notes = [] if view.query.score is not None else [f"your query ({view.query.modality} only)"]
    for label, value in view.results:
        if value is None:
            notes.append(f"{label} (not in the sample)")
        elif value.score is None:
            notes.append(f"{label} ({value.modality} only)")
    return notes


def _range(values: np.ndarray) -> tuple[float, float]:
    """Bin edges on multiples of BIN_WIDTH covering every value and zero."""
    values = np.append(values, 0.0)
    low = np.floor(values.min() / BIN_WIDTH) * BIN_WIDTH
    high = np.ceil(values.max() / BIN_WIDTH) * BIN_WIDTH
    return float(low), float(max(high, low + BIN_WIDTH))


def _bin_of(score: float, edges: np.ndarray) -> int:
    return int(np.clip(np.searchsorted(edges, score, side="right") - 1, 0, len(edges) - 2))


def _label(left: float) -> str:
    return f"{left + BIN_WIDTH / 2:+.3f}"  # the bin's centre
