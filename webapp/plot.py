"""The dominance plot: one bar per embedding (the query, then the top results) at the chosen N."""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure  # the object API: no pyplot state shared between request threads

from mme_core.diagnostics import Dominance

TEXT_COLOUR = "#2563eb"
IMAGE_COLOUR = "#ea580c"
EXPLANATION = (
    "Each bar is cos(e, e_text) − cos(e, e_image): a bar to the right means the embedding sits closer to "
    "what its text alone says, to the left closer to what its pictures alone say; move the N slider to "
    "give every image more or fewer tokens and watch the balance shift."
)


def dominance_figure(rows: Sequence[tuple[str, Dominance]], n: object, tokens_per_image: int) -> Figure:
    """rows: (label, Dominance) pairs, drawn top to bottom in the order given."""
    labels = [_shorten(label) for label, _ in rows]
    figure = Figure(figsize=(7.2, 0.5 * max(len(rows), 2) + 1.1), dpi=144)
    axes = figure.subplots()
    positions = list(range(len(rows)))[::-1]  # first row on top
    limit = 0.05
    for y, (_, dominance) in zip(positions, rows, strict=True):
        score = dominance.score
        if score is None:
            axes.text(
                0, y, f"{dominance.modality} only", ha="center", va="center", fontsize=9, color="#6b7280"
            )
            continue
        limit = max(limit, abs(score))
        axes.barh(y, score, color=TEXT_COLOUR if score >= 0 else IMAGE_COLOUR, height=0.6)
        axes.text(score, y, f" {score:+.3f} ", ha="left" if score >= 0 else "right", va="center", fontsize=8)
    limit *= 1.45
    axes.set_xlim(-limit, limit)
    axes.set_yticks(positions, labels, fontsize=9)
    axes.axvline(0, color="#111827", linewidth=0.8)
    axes.set_xlabel(
        "← image-dominant        cos(e, e_text) − cos(e, e_image)        text-dominant →", fontsize=9
    )
    axes.set_title(f"Text vs image dominance at N = {n} ({tokens_per_image} tokens/image)", fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    return figure


def _shorten(label: str, width: int = 34) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"
