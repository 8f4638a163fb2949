"""Turn a loaded MMEEncoder into a trainable one: LoRA adapter or full fine-tuning.

LoRA (default): peft injects adapters into the language model's attention projections in place, so
the encoder's backbone, which calls the HF model directly, runs through them. Full fine-tuning is
meant for small from-scratch models (the demo model); the vision tower stays frozen unless
`freeze_vision=False`. Head-only (`finetune="head"`) trains the meta tokens of a multi-vector head
and nothing else, so a shipped model gains a head without any of its single vectors changing.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from mme_core.encoder import MMEEncoder
from mme_core.multivector import MetaTokenHead

from .config import PROJECTOR_MODULES, TrainConfig

# Parameter-name prefixes of each family's vision tower, excluding the projector.
VISION_TOWER = {
    "deepseek_vl": ("model.vision_model.",),
    "qwen2_vl": ("model.visual.",),
    "qwen3_vl": ("model.visual.",),
}


def is_vision_tower(name: str, family: str) -> bool:
    projector = f".{PROJECTOR_MODULES[family]}."
    return name.startswith(VISION_TOWER[family]) and projector not in f".{name}"


@dataclass
class TrainableEncoder:
    encoder: MMEEncoder
    module: torch.nn.Module  # what the optimiser trains (peft model or the HF model itself)
    vision_needs_grad: bool  # whether visual_grids must run with autograd on

    def trainable_parameters(self) -> list[torch.nn.Parameter]:
        return [p for p in self._parameters() if p.requires_grad]

    def _parameters(self) -> list[torch.nn.Parameter]:
        head = self.encoder.meta_head  # outside the HF module: saved in its own file
        return list(self.module.parameters()) + (list(head.parameters()) if head is not None else [])

    def parameter_groups(self, vision_learning_rate: float = 0.0) -> list[dict]:
        """The optimiser's groups: one, or the visual path (tower + projector) apart at its own rate."""
        params = self.trainable_parameters()
        if not vision_learning_rate:
            return [{"params": params}]
        family = self.encoder.family
        projector = f".{PROJECTOR_MODULES[family]}."
        visual = {
            id(p)
            for name, p in self.module.named_parameters()
            if p.requires_grad and (is_vision_tower(name, family) or projector in f".{name}")
        }
        rest = [p for p in params if id(p) not in visual]
        seen = [p for p in params if id(p) in visual]
        return [{"params": rest}] + ([{"params": seen, "lr": vision_learning_rate}] if seen else [])

    def parameter_counts(self) -> tuple[int, int]:
        params = self._parameters()
        return sum(p.numel() for p in params if p.requires_grad), sum(p.numel() for p in params)


def meta_head_for(encoder: MMEEncoder, config: TrainConfig) -> MetaTokenHead | None:
    """The head to train: the model's own, or a new one (seeded) when `config.meta_tokens` asks for
    it; a model's head is kept (untrained) when the run does not ask for one."""
    head = encoder.meta_head
    if config.meta_tokens:
        if head is not None and head.meta_tokens != tuple(config.meta_tokens):
            raise ValueError(
                f"model {encoder.model_id!r} has {head.meta_tokens[0]},{head.meta_tokens[1]} meta tokens; "
                f"this run asks for {config.meta_tokens[0]},{config.meta_tokens[1]}"
            )
        if head is None:
            words = encoder.backbone.model.get_input_embeddings().weight
            std = float(words.detach().std())  # meta tokens start at the word embeddings' scale
            hidden = encoder.backbone.hidden_size
            head = MetaTokenHead(config.meta_tokens, hidden, init_std=std, seed=config.seed)
        if config.budgets:
            head.budgets = tuple(config.budgets)
        head.to(encoder.device).requires_grad_(True)
    elif head is not None:
        head.requires_grad_(False)
    return head


def make_trainable(encoder: MMEEncoder, config: TrainConfig) -> TrainableEncoder:
    if encoder.adapter is not None:
        raise ValueError("train from a base model, not from an encoder that already carries an adapter")
    family = encoder.family
    hf_model = encoder.backbone.model
    head = meta_head_for(encoder, config)
    if config.finetune == "lora":
        from peft import get_peft_model

        module = get_peft_model(hf_model, config.lora_config(family))
        trained = MMEEncoder(
            encoder.backbone, encoder.model_id, peft_model=module, dim=encoder.dim, meta_head=head
        )
        vision_needs_grad = config.train_projector
    else:
        head_only = config.finetune == "head"
        projector = f".{PROJECTOR_MODULES[family]}."
        for name, parameter in hf_model.named_parameters():
            frozen = (
                head_only
                or (config.freeze_vision and is_vision_tower(name, family))
                or (config.freeze_projector and projector in f".{name}")
            )
            parameter.requires_grad_(not frozen)
        module, trained = hf_model, encoder
        encoder.meta_head = head
        # the projector (and maybe the tower) learns unless only the head or nothing visual trains
        vision_needs_grad = not (head_only or config.freeze_projector)
    if config.gradient_checkpointing:
        kwargs = {"use_reentrant": False}
        if hasattr(hf_model, "activation_checkpointing_enable"):  # the transformers 5 name
            hf_model.activation_checkpointing_enable(activation_checkpointing_kwargs=kwargs)
        else:
            hf_model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)
    return TrainableEncoder(trained, module, vision_needs_grad)
