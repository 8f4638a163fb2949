"""Evaluating MME: official wikiHow-TIIR metrics on plain dicts, exact ranking, ablations, reports.

`python -m mme_core.evaluation` is the CLI (`cli.py`): N sweep, shuffle ablations, views, baselines.
"""

from __future__ import annotations

from .metrics import DEFAULT_METRICS, evaluate_rankings
from .ranking import rank_exact

__all__ = ["DEFAULT_METRICS", "evaluate_rankings", "rank_exact"]
