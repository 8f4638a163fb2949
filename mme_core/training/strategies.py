"""Granularity strategies: which (query N, document N) pairs a training step optimises.

Following the MME paper (arXiv 2502.12799, Sec. 4), with M candidate granularities:
- `random`: one N per step, drawn uniformly; query and document both at that N.
- `mrl`:    every N in the step, query and document at the same N; the M losses are averaged.
- `mean`:   all M x M (query N, document N) pairs; the M*M losses are averaged (the paper's best).

Each strategy answers one question, `plan(step)`, with a `GranularityPlan`. `random` draws from a
generator seeded by (seed, step), so a resumed run sees the same granularities as an unbroken one.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from dataclasses import dataclass
from itertools import product

from ..pooling import Granularity, parse_granularities


@dataclass(frozen=True)
class GranularityPlan:
    """The (query_n, doc_n) pairs whose losses are averaged in one step."""

    pairs: tuple[tuple[Granularity, Granularity], ...]

    @property
    def query_ns(self) -> tuple[Granularity, ...]:
        """Distinct query granularities, in first-use order: one query forward pass each."""
        return tuple(dict.fromkeys(q for q, _ in self.pairs))

    @property
    def doc_ns(self) -> tuple[Granularity, ...]:
        return tuple(dict.fromkeys(d for _, d in self.pairs))


class GranularityStrategy(ABC):
    name: str = ""

    def __init__(self, ns, seed: int = 0) -> None:
        self.ns = parse_granularities((ns,) if isinstance(ns, int) and not isinstance(ns, bool) else ns)
        self.seed = seed

    @abstractmethod
    def plan(self, step: int) -> GranularityPlan:
        """The pairs to optimise at optimisation step `step` (0-based)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(ns={self.ns})"


class RandomStrategy(GranularityStrategy):
    name = "random"

    def plan(self, step: int) -> GranularityPlan:
        n = random.Random(f"{self.seed}:{step}").choice(self.ns)
        return GranularityPlan(((n, n),))


class MRLStrategy(GranularityStrategy):
    name = "mrl"

    def plan(self, step: int) -> GranularityPlan:
        return GranularityPlan(tuple((n, n) for n in self.ns))


class MeanStrategy(GranularityStrategy):
    name = "mean"

    def plan(self, step: int) -> GranularityPlan:
        return GranularityPlan(tuple(product(self.ns, self.ns)))


class Curriculum(GranularityStrategy):
    """`early` plans the steps before `switch`, `late` the rest (e.g. small N first, then all N)."""

    name = "curriculum"

    def __init__(self, early: GranularityStrategy, late: GranularityStrategy, switch: int) -> None:
        super().__init__(late.ns, seed=late.seed)
        self.early, self.late, self.switch = early, late, switch

    def plan(self, step: int) -> GranularityPlan:
        return (self.early if step < self.switch else self.late).plan(step)

    def __repr__(self) -> str:
        return f"Curriculum({self.early!r} before step {self.switch}, then {self.late!r})"


STRATEGIES: dict[str, type[GranularityStrategy]] = {
    cls.name: cls for cls in (RandomStrategy, MRLStrategy, MeanStrategy)
}


def make_strategy(
    name: str, ns, seed: int = 0, curriculum_ns=(), curriculum_steps: int = 0
) -> GranularityStrategy:
    """The named strategy over `ns`; with a curriculum, over `curriculum_ns` for the first steps."""
    if name not in STRATEGIES:
        raise ValueError(f"unknown strategy {name!r}; valid strategies are {', '.join(STRATEGIES)}")
    strategy = STRATEGIES[name](ns, seed=seed)
    if curriculum_steps and curriculum_ns:
        return Curriculum(STRATEGIES[name](curriculum_ns, seed=seed), strategy, curriculum_steps)
    return strategy
