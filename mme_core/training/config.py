"""Training configuration: one frozen dataclass, and the one place a peft `LoraConfig` is made.

Building a `TrainConfig` has no side effects; it checks its values and nothing else. It can be
read from a JSON or YAML file (`TrainConfig.from_file`), with command-line flags layered on top.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from ..multivector import parse_budgets, parse_meta_tokens
from ..pooling import parse_granularities
from .loss import check_temperature
from .strategies import STRATEGIES

FINETUNE_MODES = ("lora", "full", "head")
MIXED_PRECISION = ("no", "bf16", "fp16")

# LoRA goes on the language model's attention projections only. A plain list of names
# ["q_proj", ...] would also hit the SigLIP vision tower (it has q_proj/k_proj/v_proj too), so we
# match the full module path; peft applies `re.fullmatch` to a string `target_modules`.
LANGUAGE_ATTENTION_REGEX = r"(.*\.)?language_model\.layers\.\d+\.self_attn\.(q_proj|k_proj|v_proj|o_proj)"

# The vision-to-language projector of each family (trained fully when `train_projector` is set).
PROJECTOR_MODULES = {"deepseek_vl": "aligner", "qwen2_vl": "merger", "qwen3_vl": "merger"}


@dataclass(frozen=True)
class TrainConfig:
    """Everything a training run needs. Defaults follow the MME paper where it gives one."""

    model: str  # hub id or local checkpoint directory
    data: str  # a train.jsonl file or a directory containing one
    out: str  # output directory: adapters/checkpoints, loss log, config
    strategy: str = "mean"  # granularity strategy: random | mrl | mean (paper's best)
    ns: tuple = (1, 2, 3, 4, 6)  # candidate granularities N (N x N visual tokens per image)
    temperature: float = 0.05  # InfoNCE temperature (paper: 0.05)
    # "lora" (adapter on LM attention), "full" (all weights; from-scratch models) or "head" (only the
    # meta tokens of a multi-vector head: the model's weights, hence its single vectors, stay as they are)
    finetune: str = "lora"
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    train_projector: bool = False  # also train the vision-to-language projector (LoRA mode)
    freeze_vision: bool = True  # keep the vision tower frozen (in "full" mode too, unless False)
    # "full" mode: also keep the projector frozen, so every picture's pooled grids are computed once per
    # run and a step costs only the language model (the demo's cheap-steps recipe; see BENCHMARKS.md).
    freeze_projector: bool = False
    batch_size: int = 8  # queries per micro-batch (each brings 1 positive + num_negatives)
    num_negatives: int = 1  # hard negatives per query taken from the data (0 = in-batch only)
    # > 0: batches are made of runs of this many triples whose positives share their opening text (a
    # tutorial's title), so in-batch negatives include same-title tutorials; 0 = plain shuffled batches
    group_batches: int = 0
    drop_short: bool = False  # skip triples with fewer hard negatives than num_negatives (else: error)
    learning_rate: float = 1e-4
    # > 0: the vision tower and projector, when they train, learn at this rate instead (a pre-trained
    # tower is nudged, not relearned, while the language model learns at `learning_rate`); 0 = one rate
    vision_learning_rate: float = 0.0
    # Curriculum over N: the first `curriculum_steps` optimiser steps apply the strategy to
    # `curriculum_ns` only (a subset of `ns`), later steps to all of `ns`; () / 0 = no curriculum
    curriculum_ns: tuple = ()
    curriculum_steps: int = 0
    weight_decay: float = 0.0
    warmup_steps: int = 0  # linear warm-up, then linear decay to 0
    epochs: int = 1
    max_steps: int = 0  # optimiser steps; 0 = run `epochs` full passes
    grad_accum: int = 1  # micro-batches per optimiser step
    max_grad_norm: float = 1.0  # 0 disables clipping
    mixed_precision: str = "no"  # no | bf16 | fp16 (accelerate)
    gradient_checkpointing: bool = False
    feature_cache_mb: int = 2048  # MB of frozen visual features kept across steps, on the device; 0 = off
    cpu: bool = False  # force CPU even when an accelerator is present
    save_every: int = 0  # optimiser steps between checkpoints; 0 = only the final one
    log_every: int = 1  # optimiser steps between loss-log rows
    seed: int = 0
    meta_tokens: tuple = ()  # (Q, D) meta tokens of a multi-vector head (MetaEmbed); () = single-vector
    budgets: tuple = ()  # nested vector budgets of the Matryoshka MaxSim loss; () = powers of two up to max

    def __post_init__(self) -> None:
        for name in ("model", "data", "out"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ValueError(f"{name} must be a non-empty string, got {value!r}")
        if self.strategy not in STRATEGIES:
            valid = ", ".join(STRATEGIES)
            raise ValueError(f"unknown strategy {self.strategy!r}; valid strategies are {valid}")
        object.__setattr__(self, "ns", parse_granularities(self.ns))  # "1,2,full" or a list
        check_temperature(self.temperature)
        if self.meta_tokens not in ((), [], None, ""):
            counts = parse_meta_tokens(self.meta_tokens)
            object.__setattr__(self, "meta_tokens", counts)
            if self.budgets not in ((), [], None, ""):
                object.__setattr__(self, "budgets", parse_budgets(self.budgets, counts))
        elif self.budgets not in ((), [], None, ""):
            raise ValueError("budgets need meta_tokens (e.g. meta_tokens=16,16 budgets=1,2,4,8,16)")
        else:
            object.__setattr__(self, "meta_tokens", ())
            object.__setattr__(self, "budgets", ())
        if self.finetune not in FINETUNE_MODES:
            valid = ", ".join(FINETUNE_MODES)
            raise ValueError(f"unknown finetune mode {self.finetune!r}; valid modes are {valid}")
        if self.finetune == "head" and not self.meta_tokens:
            raise ValueError("finetune 'head' trains only the meta tokens: give meta_tokens too (e.g. 8,16)")
        if self.mixed_precision not in MIXED_PRECISION:
            valid = ", ".join(MIXED_PRECISION)
            raise ValueError(f"unknown mixed_precision {self.mixed_precision!r}; valid values are {valid}")
        positive = ("lora_r", "batch_size", "epochs", "grad_accum", "log_every")
        non_negative = (
            "num_negatives",
            "group_batches",
            "warmup_steps",
            "max_steps",
            "save_every",
            "feature_cache_mb",
        )
        for name in positive + non_negative:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValueError(f"{name} must be an int, got {value!r}")
            if value < (1 if name in positive else 0):
                raise ValueError(f"{name} must be {'>= 1' if name in positive else '>= 0'}, got {value}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")
        if not self.vision_learning_rate >= 0:
            raise ValueError(f"vision_learning_rate must be >= 0, got {self.vision_learning_rate}")
        self._check_curriculum()
        if self.weight_decay < 0 or self.max_grad_norm < 0:
            raise ValueError("weight_decay and max_grad_norm must be >= 0")
        if self.freeze_projector and not (self.finetune == "full" and self.freeze_vision):
            raise ValueError(
                "freeze_projector needs finetune='full' with freeze_vision (LoRA never trains it)"
            )
        if not 0 <= self.lora_dropout < 1:
            raise ValueError(f"lora_dropout must be in [0, 1), got {self.lora_dropout}")

    def _check_curriculum(self) -> None:
        if self.curriculum_ns in ((), [], None, ""):
            object.__setattr__(self, "curriculum_ns", ())
        else:
            object.__setattr__(self, "curriculum_ns", parse_granularities(self.curriculum_ns))
            outside = [n for n in self.curriculum_ns if n not in self.ns]
            if outside:
                raise ValueError(f"curriculum_ns {list(outside)} are not among ns {list(self.ns)}")
        steps = self.curriculum_steps
        if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
            raise ValueError(f"curriculum_steps must be an int >= 0, got {steps!r}")
        if bool(steps) != bool(self.curriculum_ns):
            raise ValueError("a curriculum needs curriculum_ns and curriculum_steps (e.g. 1,2,3 and 300)")

    # --- files ---------------------------------------------------------------------------------

    @classmethod
    def from_file(cls, path: str | Path, **overrides) -> TrainConfig:
        """Read a JSON or YAML mapping; `overrides` (e.g. from CLI flags) win over the file."""
        path = Path(path)
        if not path.is_file():
            raise ValueError(f"config file not found: {path}")
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() == ".json":
            try:
                values = json.loads(text)
            except json.JSONDecodeError as err:
                raise ValueError(f"config file {path} is not valid JSON: {err}") from err
        elif path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            try:
                values = yaml.safe_load(text)
            except yaml.YAMLError as err:
                raise ValueError(f"config file {path} is not valid YAML: {err}") from err
        else:
            raise ValueError(f"config file {path} must end in .json, .yaml or .yml")
        if not isinstance(values, dict):
            raise ValueError(f"config file {path} must hold a mapping of option names to values")
        return cls.from_dict({**values, **overrides})

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(
                f"unknown config option(s) {', '.join(unknown)}; valid options are {', '.join(sorted(known))}"
            )
        return cls(**values)

    def to_dict(self) -> dict:
        values = asdict(self)
        values["ns"], values["curriculum_ns"] = list(self.ns), list(self.curriculum_ns)
        values["meta_tokens"], values["budgets"] = list(self.meta_tokens), list(self.budgets)
        return values

    # --- LoRA ----------------------------------------------------------------------------------

    def lora_config(self, family: str):
        """The peft LoraConfig for `family` (made nowhere else)."""
        from peft import LoraConfig

        if family not in PROJECTOR_MODULES:
            raise ValueError(f"unknown family {family!r}; valid families are {', '.join(PROJECTOR_MODULES)}")
        return LoraConfig(
            r=self.lora_r,
            lora_alpha=self.lora_alpha,
            lora_dropout=self.lora_dropout,
            target_modules=LANGUAGE_ATTENTION_REGEX,
            modules_to_save=[PROJECTOR_MODULES[family]] if self.train_projector else None,
            bias="none",
        )
