"""The demo build's recipe: its sizes and knobs, and which of them the command line may override.

`mme_data.build_demo` runs it; pilots (docs/BENCHMARKS.md, "how the issue-13 recipe was found")
change a few knobs from the command line. The defaults are what demo/ holds.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoRecipe:
    """Sizes of the demo build; the defaults are what demo/ holds."""

    seed: int = 0
    train_triples: int = 4000  # synthetic training triples (query, positive, 3 hard negatives)
    test_docs: int = 300  # test split used for the before/after report
    test_queries: int = 100
    collection_docs: int = 300  # the demo collection the app indexes
    collection_queries: int = 30  # example queries shipped beside it
    # A cap above what the corpus yields (BPE stops at ~26,300: the generator's ~1,160, one token per
    # common hanzi, the words below and their English pieces), so each word list gets all its merges
    vocab_size: int = 32000
    chinese_words: int = 13000  # jieba's most frequent 2-4 character words, one token each
    english_words: int = 2500  # wordfreq's most frequent English words, one token each (with a capital too)
    text_hidden: int = 128
    text_layers: int = 2
    vision_hidden: int = 32
    vision_layers: int = 2
    ns: tuple = (1, 2, 3, 4, 6)
    batch_size: int = 8
    num_negatives: int = 3  # all three cluster negatives of a triple (text twins and picture twin)
    title_negatives: int = 1  # extra hard negatives per triple: same title, another cluster's pictures
    # > 0: batches of same-title runs this long (TrainConfig.group_batches). Pilot with 4 (else the
    # defaults): MRR@10 at N=2/3 68.2/68.2 on a 5k seed-5 split (default 67.9/68.5), 70.1/69.9 on seed 0
    # (68.4/68.8), 81.2/78.2 on seed 11 (82.6/80.1): no gain, so off by default
    group_batches: int = 0
    max_steps: int = 600
    learning_rate: float = 1e-3
    warmup_steps: int = 40
    temperature: float = 0.05
    freeze_projector: bool = True  # features cached once per picture, steps cost only the LM
    train_vision: bool = False  # True: the vision tower learns too (each picture re-encoded every step)
    vision_steps: int = 300  # picture-only pre-training of the tower + projector first (mme_data.demo_vision)
    # > 0 (with train_vision, freeze_projector off): the tower and projector keep learning during the
    # retrieval training at this rate, below the language model's (pilot P5, BENCHMARKS.md); 0 = off
    vision_learning_rate: float = 0.0
    # > 0: after the retrieval training, this many more steps with the tower and projector learning
    # too (at vision_learning_rate) and the language model at vision_tune_lm_rate (pilot P5); 0 = off
    vision_tune_steps: int = 0
    vision_tune_lm_rate: float = 3e-4
    # curriculum over N: the first curriculum_steps train at curriculum_ns only (pilot P6); () = off
    curriculum_ns: tuple = ()
    curriculum_steps: int = 0

    def __post_init__(self) -> None:
        for name in (
            "train_triples",
            "test_docs",
            "test_queries",
            "collection_docs",
            "max_steps",
            "batch_size",
            "text_layers",
            "vocab_size",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an int >= 1, got {value!r}")
        for name in (
            "num_negatives",
            "title_negatives",
            "group_batches",
            "warmup_steps",
            "vision_steps",
            "curriculum_steps",
            "vision_tune_steps",
            "chinese_words",
            "english_words",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be an int >= 0, got {value!r}")
        # tiny.py gives the language model 4 heads, and rotary embeddings need an even head size
        if not isinstance(self.text_hidden, int) or self.text_hidden < 8 or self.text_hidden % 8:
            raise ValueError(
                f"text_hidden must be a multiple of 8 (4 heads, even head size), got {self.text_hidden!r}"
            )
        if self.vision_tune_steps and not self.vision_learning_rate > 0:
            raise ValueError("vision_tune_steps needs a vision_learning_rate > 0 (e.g. 1e-4)")
        for name in ("learning_rate", "temperature", "vision_tune_lm_rate"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)!r}")
        if self.test_queries > self.test_docs or self.collection_queries > self.collection_docs:
            raise ValueError("a split cannot have more queries than documents")


# Recipe knobs the command line may override (for pilots and sweeps; the defaults are the demo's).
RECIPE_OVERRIDES = {
    "num_negatives": int,
    "title_negatives": int,
    "group_batches": int,
    "batch_size": int,
    "learning_rate": float,
    "temperature": float,
    "warmup_steps": int,
    "freeze_projector": "yes_no",
    "train_vision": "yes_no",
    "vision_steps": int,
    "vision_learning_rate": float,
    "curriculum_ns": "ns",
    "curriculum_steps": int,
    "vision_tune_steps": int,
    "vision_tune_lm_rate": float,
    "test_docs": int,
    "test_queries": int,
    "text_hidden": int,
    "text_layers": int,
    "chinese_words": int,
    "english_words": int,
}


def granularity_list(text: str) -> tuple:
    """ "1,2,3" -> (1, 2, 3); the training config checks them against the recipe's ns."""
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise ValueError(f"expected granularities like 1,2,3, got {text!r}") from None


def yes_no(text: str) -> bool:
    if text not in ("yes", "no"):
        raise ValueError(f"expected yes or no, got {text!r}")
    return text == "yes"


PILOT = DemoRecipe(train_triples=600, test_docs=300, test_queries=100, max_steps=40, vision_steps=50)
