"""Tutorials in clusters of six, and interleaved queries that exactly one tutorial answers.

A cluster crosses two texts with three picture sequences:

    texts:     A = "How to repot a cactus" + its steps,  B = "How to repot a fern" + other steps
    pictures:  S (original),  P = S in a deranged step order,  E = S with one picture edited
    tutorials: (A,S) (A,P) (A,E) (B,S) (B,P) (B,E)

so a tutorial's text is shared by its two *text twins* (text alone cannot choose among them), its
pictures are shared by its *picture twin* and, in another order, by its *order twins* (pictures
alone, even in order, cannot choose), and only the pairing of each picture with its step decides.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from mme_data.synthetic.drawing import ImageSpec, random_spec
from mme_data.synthetic.vocabulary import (
    COLOURS,
    COUNTS,
    QUERY_CLOSERS,
    QUERY_CONNECTORS,
    QUERY_OPENERS,
    SHAPES,
    TOPICS,
)

TEXT_VARIANTS = ("A", "B")
PICTURE_VARIANTS = ("original", "permuted", "edited")
CLUSTER_SIZE = len(TEXT_VARIANTS) * len(PICTURE_VARIANTS)
MAX_QUERY_ATTEMPTS = 60


@dataclass(frozen=True)
class Tutorial:
    cluster: int
    text_variant: str  # "A" | "B"
    picture_variant: str  # "original" | "permuted" | "edited"
    title: str
    steps: tuple[str, ...]  # step sentences, without the "Step i." prefix
    specs: tuple[ImageSpec, ...]  # one picture per step

    @property
    def key(self) -> str:
        return f"{self.cluster}-{self.text_variant}-{self.picture_variant}"


@dataclass(frozen=True)
class Query:
    """A person's interleaved question about `target`, showing fresh pictures of some of its steps."""

    target: Tutorial
    shown: tuple[int, ...]  # step indices whose pictures the query shows, ascending
    opener: str
    connectors: tuple[str, ...]  # one per shown step, each ending just before its picture
    closer: str

    @property
    def shown_pairs(self) -> tuple[tuple[str, ImageSpec], ...]:
        """What the query asserts: (step sentence, picture) pairs, in order."""
        return tuple((self.target.steps[i], self.target.specs[i]) for i in self.shown)


def make_cluster(cluster: int, rng: random.Random, steps_range: tuple[int, int]) -> list[Tutorial]:
    topic = rng.choice(TOPICS)
    n_steps = rng.randint(*steps_range)
    specs = distinct_specs(rng, n_steps)
    pictures = {
        "original": specs,
        "permuted": permute(specs, derangement(rng, n_steps)),
        "edited": edit(rng, specs),
    }
    tutorials = []
    for variant, subject in zip(TEXT_VARIANTS, rng.sample(topic.subjects, 2), strict=True):
        chosen = sorted(rng.sample(range(len(topic.steps)), n_steps))
        steps = tuple(topic.steps[i].format(s=subject) for i in chosen)
        title = f"How to {topic.verb} {subject}"
        for picture_variant in PICTURE_VARIANTS:
            tutorials.append(
                Tutorial(cluster, variant, picture_variant, title, steps, pictures[picture_variant])
            )
    return tutorials


def distinct_specs(rng: random.Random, n: int) -> tuple[ImageSpec, ...]:
    """n random pictures whose (colour, shape) pairs differ, so every step's picture is recognisable."""
    specs: list[ImageSpec] = []
    while len(specs) < n:
        spec = random_spec(rng)
        if all((spec.colour, spec.shape) != (s.colour, s.shape) for s in specs):
            specs.append(spec)
    return tuple(specs)


def derangement(rng: random.Random, n: int) -> list[int]:
    """A permutation that moves every position, so every picture lands on another step."""
    while True:
        order = list(range(n))
        rng.shuffle(order)
        if all(order[i] != i for i in range(n)):
            return order


def permute(specs: tuple[ImageSpec, ...], order: list[int]) -> tuple[ImageSpec, ...]:
    return tuple(specs[j] for j in order)


def edit(rng: random.Random, specs: tuple[ImageSpec, ...]) -> tuple[ImageSpec, ...]:
    """Change the colour, shape or count of one picture, keeping all (colour, shape) pairs distinct."""
    step = rng.randrange(len(specs))
    old = specs[step]
    taken = {(s.colour, s.shape) for s in specs}
    while True:
        attribute = rng.choice(("colour", "shape", "count"))
        if attribute == "colour":
            new = ImageSpec(rng.choice(tuple(COLOURS)), old.shape, old.count, old.place, old.tool)
        elif attribute == "shape":
            new = ImageSpec(old.colour, rng.choice(SHAPES), old.count, old.place, old.tool)
        else:
            new = ImageSpec(old.colour, old.shape, rng.choice(COUNTS), old.place, old.tool)
        if new != old and (attribute == "count" or (new.colour, new.shape) not in taken):
            return specs[:step] + (new,) + specs[step + 1 :]


def answers(tutorial: Tutorial, pairs: tuple[tuple[str, ImageSpec], ...], title: str) -> bool:
    """The oracle: does `tutorial` have this title and, in this order, steps with these pictures?"""
    if tutorial.title != title:
        return False
    position = 0
    for sentence, spec in pairs:
        while position < len(tutorial.steps) and tutorial.steps[position] != sentence:
            position += 1
        if position == len(tutorial.steps) or tutorial.specs[position] != spec:
            return False
        position += 1
    return True


class TitleIndex:
    """Tutorials grouped by title, for the uniqueness check of every query."""

    def __init__(self, tutorials: list[Tutorial]) -> None:
        self.by_title: dict[str, list[Tutorial]] = defaultdict(list)
        for tutorial in tutorials:
            self.by_title[tutorial.title].append(tutorial)

    def answering(self, query: Query) -> list[Tutorial]:
        pairs = query.shown_pairs
        return [t for t in self.by_title[query.target.title] if answers(t, pairs, query.target.title)]


def make_query(target: Tutorial, index: TitleIndex, rng: random.Random) -> Query | None:
    """A query that only `target` answers, or None when none was found in MAX_QUERY_ATTEMPTS tries."""
    n_steps = len(target.steps)
    for _ in range(MAX_QUERY_ATTEMPTS):
        shown = tuple(sorted(rng.sample(range(n_steps), rng.randint(2, min(4, n_steps)))))
        query = Query(
            target=target,
            shown=shown,
            opener=rng.choice(QUERY_OPENERS).format(title=lower_first(target.title.removeprefix("How to "))),
            connectors=tuple(
                rng.choice(QUERY_CONNECTORS).format(action=lower_first(target.steps[i])) for i in shown
            ),
            closer=rng.choice(QUERY_CLOSERS),
        )
        if index.answering(query) == [target]:
            return query
    return None


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def hard_negatives(target: Tutorial, cluster: list[Tutorial]) -> list[Tutorial]:
    """Hardest first: same text in another picture order, same pictures under the other text, the edit."""

    def find(text_variant: str, picture_variant: str) -> Tutorial | None:
        return next(
            (t for t in cluster if (t.text_variant, t.picture_variant) == (text_variant, picture_variant)),
            None,
        )

    other_text = "B" if target.text_variant == "A" else "A"
    order_twin = "permuted" if target.picture_variant != "permuted" else "original"
    third = next(v for v in PICTURE_VARIANTS if v not in (target.picture_variant, order_twin))
    wanted = [
        (target.text_variant, order_twin),
        (other_text, target.picture_variant),
        (target.text_variant, third),
    ]
    return [t for t in (find(*w) for w in wanted) if t is not None]
