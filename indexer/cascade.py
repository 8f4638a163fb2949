"""Multi-granularity cascade: search one stored N, re-score its best K over every stored N.

    hits = searcher.search(query, cascade=Cascade(k=50, fusion="mean", full_top=3))

Every N is stored anyway (one vision pass serves all), so a search can use them together:
1. first stage: the usual single-column search at `first_n` (ANN when that column has an index,
   exact otherwise), asked for `k` rows *with every stored vector column selected*, so LanceDB
   takes those rows' vectors in the same query and nothing else is read;
2. second stage: the K candidates re-scored exactly in numpy fp32 with a fusion of the stored
   columns: "mean" (mean cosine over every stored N) or "max-n" (cosine at the largest stored N);
3. optional last stage (`full_top` > 0): the best few re-encoded at full tokens (`n="full"`), the
   retrieval analogue of MM-Interleaved's fine-grained features on demand (`indexer.full_stage`).

Single-vector only: a multi-vector (MaxSim) query is refused, naming the way out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from indexer.multivector import MULTI
from indexer.schema import granularity_label, vector_column
from mme_core.pooling import check_granularity

FUSIONS = ("mean", "max-n")
DEFAULT_K = 100  # the smallest K measured to keep both fusions' exact top 10 at 100k rows (recall@10
# >= 0.99; K = 50: 0.95 / 0.77) for +13-20 ms; docs/BENCHMARKS.md, "Multi-granularity cascade"


@dataclass(frozen=True)
class Cascade:
    """Cascade parameters; checked when built, resolved against an index's N set by `for_ns`.

    first_n: the column searched first (None: the cheapest stored N).
    k: candidates the first stage hands to the exact re-score.
    fusion: "mean" (mean cosine over the stored N) or "max-n" (cosine at the largest stored N).
    full_top: how many of the best re-scored results to re-encode at full tokens (0: none).
    """

    first_n: int | str | None = None
    k: int = DEFAULT_K
    fusion: str = "mean"
    full_top: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.k, int) or isinstance(self.k, bool) or self.k < 1:
            raise ValueError(f"cascade K (candidates re-scored) must be a positive integer, got {self.k!r}")
        if self.fusion not in FUSIONS:
            raise ValueError(f"unknown cascade fusion {self.fusion!r}; fusions are {', '.join(FUSIONS)}")
        full = self.full_top
        if not isinstance(full, int) or isinstance(full, bool) or full < 0:
            raise ValueError(f"cascade full_top must be a whole number >= 0, got {full!r}")
        if self.first_n is not None:
            object.__setattr__(self, "first_n", check_granularity(self.first_n))

    def for_ns(self, ns) -> Cascade:
        """This cascade on an index storing `ns`: first_n chosen or checked against them."""
        stored = ", ".join(map(granularity_label, ns))
        if self.first_n is None:
            return Cascade(cheapest(ns), self.k, self.fusion, self.full_top)
        if self.first_n not in ns:
            raise ValueError(
                f"cascade first-stage N={granularity_label(self.first_n)} is not stored in this index; "
                f"stored N: {stored}"
            )
        return self

    def fused_ns(self, ns) -> tuple:
        """The stored N whose columns the second stage reads."""
        return tuple(ns) if self.fusion == "mean" else (largest(ns),)

    def query_ns(self, ns) -> tuple:
        """The N the query must be embedded at (first stage + fusion)."""
        return tuple(dict.fromkeys((self.first_n, *self.fused_ns(ns))))

    def describe(self) -> str:
        full = f", full tokens for the top {self.full_top}" if self.full_top else ""
        return f"cascade N={granularity_label(self.first_n)} top {self.k}, {self.fusion}{full}"


def _order(n) -> float:
    return float("inf") if n == "full" else float(n)


def cheapest(ns) -> int | str:
    return min(ns, key=_order)


def largest(ns) -> int | str:
    return max(ns, key=_order)


def as_cascade(value) -> Cascade | None:
    """None / False: no cascade; True: the defaults; a dict (from the API): its fields; a Cascade."""
    if value is None or value is False:
        return None
    if value is True:
        return Cascade()
    if isinstance(value, Cascade):
        return value
    if isinstance(value, dict):
        unknown = set(value) - set(Cascade.__dataclass_fields__)
        if unknown:
            fields = ", ".join(Cascade.__dataclass_fields__)
            raise ValueError(f"unknown cascade option {sorted(unknown)[0]!r}; options are {fields}")
        return Cascade(**value)
    raise ValueError(f"cascade must be true, a Cascade or a dict of its options, got {type(value).__name__}")


def resolve_cascade(value, meta, mode=None, vectors=None, budget=None, model: bool = True) -> Cascade | None:
    """The cascade asked for (`as_cascade`) resolved against an index's metadata, or a refusal
    naming the problem, before any model is loaded or query encoded. `model`: one is available."""
    cascade = as_cascade(value)
    if cascade is None:
        return None
    if mode not in (None, "semantic"):
        raise ValueError(f"the cascade re-ranks semantic search; use mode 'semantic', not {mode!r}")
    if budget is not None or vectors == MULTI or (vectors is None and meta.vectors == MULTI):
        raise ValueError(
            "the cascade re-scores single vectors, not multi-vector (MaxSim) queries; search with "
            "vectors='single' (a multi-vector index stores one vector per N beside its multi-vectors)"
        )
    if cascade.full_top and not model:
        raise ValueError("the cascade's full-token stage re-encodes documents and needs a model loaded")
    return cascade.for_ns(meta.ns)


def rescore(query: dict, rows: pa.Table, ns: tuple) -> tuple[np.ndarray, np.ndarray]:
    """(order, fused scores in that order) of the first stage's rows; ties keep first-stage order.

    `query[n]` is the query's (dim,) vector at N; the fused score is the mean cosine (fp32) over
    `ns`, which is every stored N for "mean" and only the largest for "max-n" (`Cascade.fused_ns`)."""
    columns = []
    for n in ns:
        docs = rows[vector_column(n)].combine_chunks()
        docs = docs.values.to_numpy().reshape(len(docs), -1)  # (K, dim)
        q = np.asarray(query[n], dtype=np.float32)  # (dim,)
        cos = (docs @ q) / (np.linalg.norm(docs, axis=1) * np.linalg.norm(q))  # (K,)
        columns.append(cos.astype(np.float32))
    per_n = np.stack(columns)  # (len(ns), K)
    fused = per_n.mean(axis=0)  # (K,)
    order = np.argsort(-fused, kind="stable")
    return order, fused[order]
