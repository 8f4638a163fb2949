"""Build a synthetic benchmark: test corpus, queries and qrels, plus train/dev triples, in TIIR format.

The three splits are drawn from independent random streams of one seed, from disjoint clusters,
so no train or dev tutorial is a test tutorial. Document ids are assigned after a seeded shuffle:
neither an id nor a position in docs.jsonl tells which member of its cluster a document is.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from mme_data.synthetic.tutorials import (
    CLUSTER_SIZE,
    Query,
    TitleIndex,
    Tutorial,
    hard_negatives,
    make_cluster,
    make_query,
)
from mme_data.synthetic.writing import DatasetWriter

GENERATOR_VERSION = 1


@dataclass(frozen=True)
class SyntheticConfig:
    """Sizes and knobs of one generated benchmark (defaults: the benchmark the reports quote)."""

    docs: int = 5000  # test corpus size
    queries: int = 1000  # test queries, one relevant document each
    train: int = 6000  # training triples (query, positive, hard negatives)
    dev: int = 300  # development triples, for model selection while training
    seed: int = 0
    image_size: int = 64  # pixels per side of every picture
    min_steps: int = 4
    max_steps: int = 6

    def __post_init__(self) -> None:
        for name in ("docs", "queries", "train", "dev", "seed"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
        if self.docs < 1:
            raise ValueError(f"docs must be at least 1, got {self.docs}")
        if self.queries > self.docs:
            raise ValueError(
                f"queries ({self.queries}) cannot exceed docs ({self.docs}): each has its own target"
            )
        if not 32 <= self.image_size <= 512:
            raise ValueError(f"image_size must be between 32 and 512 px, got {self.image_size}")
        if not 2 <= self.min_steps <= self.max_steps <= 8:
            raise ValueError(
                "need 2 <= min_steps <= max_steps <= 8 (a topic has 8 steps), "
                f"got {self.min_steps}..{self.max_steps}"
            )


@dataclass(frozen=True)
class GenerationReport:
    out_dir: Path
    docs: int
    queries: int
    train: int
    dev: int
    images: int
    bytes: int
    seconds: float


def generate(out_dir: str | Path, config: SyntheticConfig = SyntheticConfig(), overwrite: bool = False):
    """Write the benchmark to `out_dir` atomically (a half-built directory is never left behind)."""
    start = time.perf_counter()
    with DatasetWriter(Path(out_dir), config.image_size, overwrite=overwrite) as writer:
        write_test_split(writer, config)
        for split, size in (("train", config.train), ("dev", config.dev)):
            write_triples(writer, split, size, config)
        writer.write_json(
            "synthetic.json", {"generator_version": GENERATOR_VERSION, "config": asdict(config)}
        )
    return GenerationReport(
        Path(out_dir),
        config.docs,
        config.queries,
        config.train,
        config.dev,
        writer.images_written,
        writer.bytes_written,
        time.perf_counter() - start,
    )


def make_clusters(n_tutorials: int, rng: random.Random, config: SyntheticConfig) -> list[list[Tutorial]]:
    n_clusters = math.ceil(n_tutorials / CLUSTER_SIZE)
    clusters = [make_cluster(c, rng, (config.min_steps, config.max_steps)) for c in range(n_clusters)]
    surplus = n_clusters * CLUSTER_SIZE - n_tutorials
    if surplus:
        clusters[-1] = clusters[-1][: CLUSTER_SIZE - surplus]
    return clusters


def write_test_split(writer: DatasetWriter, config: SyntheticConfig) -> None:
    rng = random.Random(f"{config.seed}:test")
    clusters = make_clusters(config.docs, rng, config)
    tutorials = [t for cluster in clusters for t in cluster]
    rng.shuffle(tutorials)
    doc_ids = {t.key: f"d{i:05d}" for i, t in enumerate(tutorials)}
    for tutorial in tutorials:
        writer.write_doc(doc_ids[tutorial.key], tutorial)
    index = TitleIndex(tutorials)
    written = 0
    for target in pick_targets(clusters, config.queries, rng):
        query = make_query(target, index, rng)
        if query is None:
            continue  # vanishingly rare: no step subset tells the target from its twins
        qid = f"q{written:05d}"
        writer.write_query(qid, query, doc_ids[target.key], random.Random(rng.random()))
        written += 1
    if written < config.queries:  # retry on the documents not yet asked about, in a fixed order
        asked = set(writer.targets)
        for target in tutorials:
            if written == config.queries:
                break
            if doc_ids[target.key] in asked or (query := make_query(target, index, rng)) is None:
                continue
            writer.write_query(f"q{written:05d}", query, doc_ids[target.key], random.Random(rng.random()))
            written += 1
    if written < config.queries:
        raise ValueError(f"could only build {written} unambiguous queries for {config.docs} documents")


def pick_targets(clusters: list[list[Tutorial]], n: int, rng: random.Random) -> list[Tutorial]:
    """Spread queries over clusters (round robin), each cluster's members in random order."""
    queues = [rng.sample(cluster, len(cluster)) for cluster in clusters]
    rng.shuffle(queues)
    targets: list[Tutorial] = []
    while len(targets) < n:
        for queue in queues:
            if queue and len(targets) < n:
                targets.append(queue.pop())
    return targets


def write_triples(writer: DatasetWriter, split: str, size: int, config: SyntheticConfig) -> None:
    """`size` (query, positive, hard negatives) examples; each cluster member is asked about once."""
    if size == 0:
        return
    rng = random.Random(f"{config.seed}:{split}")
    clusters = make_clusters(size + CLUSTER_SIZE, rng, config)  # a spare cluster covers rare misses
    index = TitleIndex([t for cluster in clusters for t in cluster])
    examples: list[tuple[Query, list[Tutorial]]] = []
    for cluster in clusters:
        for target in cluster:
            query = make_query(target, index, rng)
            if query is not None:
                examples.append((query, hard_negatives(target, cluster)))
    if len(examples) < size:
        raise ValueError(f"could only build {len(examples)} {split} examples, {size} requested")
    rng.shuffle(examples)
    for number, (query, negatives) in enumerate(examples[:size]):
        writer.write_triple(split, f"{split[0]}{number:06d}", query, negatives, random.Random(rng.random()))
