"""Evaluate an MME encoder (and/or single-modality baselines) on a TIIR-format split.

    python -m mme_core.evaluation --model M [--adapter A] --data DIR --ns 1,2,3,4,6,full \
        [--shuffle none,images,positions] [--views interleaved,text,images] \
        [--baselines bm25,histogram,rrf] [--vectors multi --budgets 1,2,4,8,16] --out results/

For each shuffle condition the corpus and the queries are encoded once at every N (`encode_all`:
one vision pass serves all N; queries with prompt_name="query"), ranked exactly by a matrix product and
scored with the official wikiHow-TIIR metrics. Writes results.json, results.md and nsweep.png.
`--vectors multi` (models with meta tokens) adds MaxSim runs at each budget beside the single vector.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from mme_core.documents import InterleavedDoc
from mme_core.evaluation.ablations import SHUFFLES, apply_shuffle
from mme_core.evaluation.first_hits import load_roles, top1_relations
from mme_core.evaluation.metrics import DEFAULT_METRICS, evaluate_rankings
from mme_core.evaluation.ranking import rank_exact
from mme_core.loading import ModelNotAvailableError
from mme_core.pooling import parse_granularities
from mme_core.tiir import TIIRSplit, load_tiir

VIEWS = ("interleaved", "text", "images")
BASELINES = ("bm25", "histogram", "rrf")  # rrf: BM25 and histogram fused by rank
VECTOR_KINDS = ("single", "multi")
RANK_DEPTH = 100  # the deepest cut of DEFAULT_METRICS (R@100)


@dataclass(frozen=True)
class EvalConfig:
    """One evaluation run; every choice is validated here, before any model loads."""

    data: Path
    out: Path
    model: str | None = None
    adapter: str | None = None
    dim: int | None = None  # Matryoshka output dim, for models trained for it
    ns: tuple | str = (1, 2, 3, 4, 6, "full")
    shuffles: tuple[str, ...] = ("none",)
    views: tuple[str, ...] = ("interleaved",)
    baselines: tuple[str, ...] = ()
    batch_size: int = 8
    device: str = "auto"
    dtype: str = "auto"
    seed: int = 0
    max_queries: int | None = None
    progress: bool = False
    metrics: tuple[str, ...] = field(default=DEFAULT_METRICS)
    vectors: str = "single"  # "multi": also rank by MaxSim over the meta-token vectors
    budgets: tuple[int, ...] = ()  # multi-vector budgets; () = the model's own

    def __post_init__(self) -> None:
        object.__setattr__(self, "ns", parse_granularities(self.ns))  # "1,2,full" or a list
        for name, chosen, valid in (
            ("shuffle", self.shuffles, SHUFFLES),
            ("view", self.views, VIEWS),
            ("baseline", self.baselines, BASELINES),
        ):
            for item in chosen:
                if item not in valid:
                    raise ValueError(f"unknown {name} {item!r}; valid choices are {', '.join(valid)}")
        if self.model is None and not self.baselines:
            raise ValueError("nothing to evaluate: give --model, --baselines, or both")
        if self.adapter is not None and self.model is None:
            raise ValueError("--adapter needs --model (the base the adapter was trained on)")
        if self.batch_size < 1:
            raise ValueError(f"batch size must be >= 1, got {self.batch_size}")
        if self.max_queries is not None and self.max_queries < 1:
            raise ValueError(f"max queries must be >= 1, got {self.max_queries}")
        if self.vectors not in VECTOR_KINDS:
            raise ValueError(f"unknown vectors {self.vectors!r}; valid choices are {', '.join(VECTOR_KINDS)}")
        if self.vectors == "multi" and self.model is None:
            raise ValueError("--vectors multi needs --model (a checkpoint with a multi-vector head)")
        if self.budgets and self.vectors != "multi":
            raise ValueError("--budgets needs --vectors multi")
        if self.model is not None and (not self.ns or not self.views or not self.shuffles):
            raise ValueError("a model run needs at least one N, one view and one shuffle condition")


def parse_list(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


def view_of(doc: InterleavedDoc, view: str) -> InterleavedDoc | None:
    if view == "interleaved":
        return doc
    return doc.text_only() if view == "text" else doc.images_only()


def encode_view(encoder, docs: list[InterleavedDoc], view: str, config: EvalConfig, prompt_name: str) -> dict:
    """{n: (len(docs), dim)}; a document with nothing in this view keeps a zero vector."""
    import numpy as np

    present = [(i, v) for i, d in enumerate(docs) if (v := view_of(d, view)) is not None]
    ns = config.ns[:1] if view == "text" else config.ns  # without images every N gives the same vector
    encoded = encoder.encode_all(
        [v for _, v in present], ns, config.batch_size, prompt_name=prompt_name, progress=config.progress
    )
    if view == "text":
        encoded = {n: encoded[ns[0]] for n in config.ns}
    rows = [i for i, _ in present]
    full = {}
    for n, vectors in encoded.items():
        full[n] = np.zeros((len(docs), encoder.dim), dtype=np.float32)  # (D, dim)
        full[n][rows] = vectors
    return full


def scored(rankings: dict, split: TIIRSplit, config: EvalConfig, roles: dict | None) -> dict:
    """The metrics, plus where the first hit lands on a generated split."""
    out = {"metrics": evaluate_rankings(rankings, split.qrels, config.metrics)}
    if roles is not None:
        out["top1"] = top1_relations(rankings, split.qrels, roles)
    return out


def model_runs(encoder, split: TIIRSplit, config: EvalConfig, roles: dict | None = None) -> list[dict]:
    runs = []
    doc_ids, query_ids = [d.id for d in split.docs], [q.id for q in split.queries]
    conditions = [(view, shuffle) for shuffle in config.shuffles for view in config.views]
    for view, shuffle in conditions:
        if view != "interleaved" and shuffle != "none":
            continue  # a single-modality view has no interleaving to shuffle
        start = time.perf_counter()
        docs = apply_shuffle(split.docs, shuffle, config.seed)
        queries = apply_shuffle(split.queries, shuffle, config.seed)
        doc_vectors = encode_view(encoder, docs, view, config, prompt_name="document")
        query_vectors = encode_view(encoder, queries, view, config, prompt_name="query")
        seconds = time.perf_counter() - start
        for n in config.ns:
            rankings = rank_exact(query_vectors[n], doc_vectors[n], query_ids, doc_ids, k=RANK_DEPTH)
            runs.append(
                {
                    "system": "MME",
                    "view": view,
                    "shuffle": shuffle,
                    "n": n,
                    "tokens_per_image": encoder.tokens_per_image(n),
                    **scored(rankings, split, config, roles),
                    "encode_seconds": round(seconds, 2),
                }
            )
    return runs


def baseline_runs(split: TIIRSplit, config: EvalConfig, roles: dict | None = None) -> list[dict]:
    from mme_core.evaluation.baselines import bm25_rankings, histogram_rankings, rrf_fusion

    systems = {
        "bm25": ("BM25 (bm25s)", "text", bm25_rankings),
        "histogram": ("colour-histogram MaxSim", "images", histogram_rankings),
    }
    computed: dict[str, tuple[dict, float]] = {}  # name -> (rankings, seconds): rrf reuses its parts

    def rankings_of(name: str) -> tuple[dict, float]:
        if name not in computed:
            start = time.perf_counter()
            if name == "rrf":
                parts = [rankings_of(part) for part in ("bm25", "histogram")]
                fused = rrf_fusion([rankings for rankings, _ in parts], k=RANK_DEPTH)
                computed[name] = (fused, time.perf_counter() - start + sum(s for _, s in parts))
            else:
                rankings = systems[name][2](split.docs, split.queries, k=RANK_DEPTH)
                computed[name] = (rankings, time.perf_counter() - start)
        return computed[name]

    runs = []
    for name in config.baselines:
        label, view = ("RRF(BM25, histogram)", "text+images") if name == "rrf" else systems[name][:2]
        rankings, seconds = rankings_of(name)
        runs.append(
            {
                "system": label,
                "view": view,
                "shuffle": "none",
                "n": None,
                "tokens_per_image": None,
                **scored(rankings, split, config, roles),
                "encode_seconds": round(seconds, 2),
            }
        )
    return runs


def limit_queries(split: TIIRSplit, max_queries: int | None) -> TIIRSplit:
    if max_queries is None or max_queries >= len(split.queries):
        return split
    queries = split.queries[:max_queries]
    return TIIRSplit(split.docs, queries, {q.id: split.qrels[q.id] for q in queries})


def evaluate(config: EvalConfig) -> dict:
    """Run everything `config` asks for and write the reports; returns the results dict."""
    from mme_core.evaluation.report import write_reports

    split = limit_queries(load_tiir(config.data), config.max_queries)
    roles = load_roles(config.data)  # only generated splits carry docs_meta.jsonl
    results: dict = {
        "data": {"dir": str(config.data), "docs": len(split.docs), "queries": len(split.queries)},
        "metrics": list(config.metrics),
        "model": None,
        "runs": [],
    }
    if config.model is not None:
        from mme_core.encoder import MMEEncoder

        encoder = MMEEncoder.from_pretrained(
            config.model, adapter=config.adapter, device=config.device, dtype=config.dtype, dim=config.dim
        )
        results["model"] = {
            "id": config.model,
            "adapter": config.adapter,
            "family": encoder.family,
            "dim": encoder.dim,
            "fingerprint": encoder.fingerprint,
        }
        if config.vectors == "multi":  # refuse a single-vector model or a bad budget before encoding
            from mme_core.evaluation.multi_vector import budgets_for, multi_vector_runs

            budgets_for(encoder, config.budgets)
        results["runs"] += model_runs(encoder, split, config, roles)
        if config.vectors == "multi":
            results["model"]["meta_tokens"] = list(encoder.meta_tokens or ())
            score = lambda rankings: scored(rankings, split, config, roles)  # noqa: E731
            results["runs"] += multi_vector_runs(encoder, split, config, score, RANK_DEPTH)
    results["runs"] += baseline_runs(split, config, roles)
    write_reports(results, config.out)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mme_core.evaluation", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--data", required=True, type=Path, help="directory with docs/queries/qrels.jsonl")
    parser.add_argument("--out", default=Path("results"), type=Path, help="where results.* and nsweep.png go")
    parser.add_argument("--model", help="hub id or local directory of an MME-capable checkpoint")
    parser.add_argument("--adapter", help="LoRA adapter directory or hub id")
    parser.add_argument("--dim", type=int, help="Matryoshka output dim (models trained for it)")
    parser.add_argument("--ns", default="1,2,3,4,6,full", help="granularities, e.g. 1,2,3,4,6,full")
    parser.add_argument("--shuffle", default="none", help=f"comma list of {', '.join(SHUFFLES)}")
    parser.add_argument("--views", default="interleaved", help=f"comma list of {', '.join(VIEWS)}")
    parser.add_argument("--baselines", default="", help=f"comma list of {', '.join(BASELINES)}")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--seed", type=int, default=0, help="seed of the shuffle ablations")
    parser.add_argument("--max-queries", type=int, help="evaluate only the first N queries")
    parser.add_argument("--progress", action="store_true", help="show encoding progress bars")
    parser.add_argument("--vectors", default="single", help="single, or multi (adds MaxSim runs per budget)")
    parser.add_argument(
        "--budgets", default="", help="multi-vector budgets, e.g. 1,2,4,8,16 (default: the model's)"
    )
    args = parser.parse_args(argv)
    try:
        budgets = tuple(int(b) for b in parse_list(args.budgets)) if args.budgets else ()
    except ValueError:
        print(
            f"error: budgets must be comma-separated integers, e.g. 1,2,4,8,16; got {args.budgets!r}",
            file=sys.stderr,
        )
        return 2
    try:
        config = EvalConfig(
            data=args.data,
            out=args.out,
            model=args.model,
            adapter=args.adapter,
            dim=args.dim,
            ns=args.ns,
            shuffles=parse_list(args.shuffle),
            views=parse_list(args.views),
            baselines=parse_list(args.baselines),
            batch_size=args.batch_size,
            device=args.device,
            dtype=args.dtype,
            seed=args.seed,
            max_queries=args.max_queries,
            progress=args.progress,
            vectors=args.vectors,
            budgets=budgets,
        )
        results = evaluate(config)
    except (ValueError, ModelNotAvailableError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    from mme_core.evaluation.report import markdown_report

    print(markdown_report(results))
    written = ", ".join(str(config.out / name) for name in results["files"])
    print(f"wrote {written}")
    return 0
