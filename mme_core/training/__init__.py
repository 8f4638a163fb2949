"""Training MME: InfoNCE over granularity pairs, LoRA (or full) fine-tuning, checkpoints."""

from __future__ import annotations

from .config import TrainConfig
from .data import TrainingTriple, load_triples
from .loss import InfoNCELoss, info_nce_loss
from .strategies import (
    GranularityPlan,
    GranularityStrategy,
    MeanStrategy,
    MRLStrategy,
    RandomStrategy,
    make_strategy,
)

__all__ = [
    "GranularityPlan",
    "GranularityStrategy",
    "InfoNCELoss",
    "MRLStrategy",
    "MeanStrategy",
    "RandomStrategy",
    "TrainConfig",
    "TrainingTriple",
    "info_nce_loss",
    "load_triples",
    "make_strategy",
]
