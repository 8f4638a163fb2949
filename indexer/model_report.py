"""What a model built here says about itself (`training_report.json` beside its weights, written by
`python -m mme_data.build_demo`): where a search starts when the person has not chosen an N, and
whether the model knows only the generated how-to world (then keyword search suits a person's own
notes better; `Searcher.default_mode`)."""

from __future__ import annotations

import json
from pathlib import Path

from mme_core.pooling import Granularity


def training_report(model_id: str) -> dict:
    """The build report a model built here keeps beside its weights (`training_report.json`, written
    by `python -m mme_data.build_demo`); {} for a hub id, no model, or an unreadable report."""
    report = Path(model_id) / "training_report.json" if model_id else None  # no model: not the cwd's
    try:
        found = json.loads(report.read_text(encoding="utf-8")) if report and report.is_file() else {}
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def synthetic_world_model(model_id: str) -> bool:
    """True for a model built by `python -m mme_data.build_demo`: it knows only the generated
    how-to world (its report holds the build's recipe)."""
    return "recipe" in training_report(model_id)


def preferred_n(model_id: str, ns) -> Granularity:
    """The N a search starts at when the person has not chosen: among the stored `ns`, the one
    where the model's own training report measured the best MRR@10; else 3 when stored; else the
    first stored N."""
    trained = training_report(model_id).get("trained")
    try:
        scores = {n: float(trained[str(n)]["MRR@10"]) for n in ns if str(n) in trained}
    except (ValueError, KeyError, TypeError):
        scores = {}  # an unreadable report is no reason to refuse a search
    if scores:
        return max(scores, key=scores.get)
    return 3 if 3 in ns else ns[0]
