"""Checkpoints a run can resume from, and that load with `MMEEncoder.from_pretrained`.

A checkpoint directory `checkpoint-<step>/` holds
- LoRA runs: the peft adapter (`adapter_config.json`, `adapter_model.safetensors`), loadable as
  `MMEEncoder.from_pretrained(base, adapter=dir)`;
- full fine-tuning: a complete checkpoint (weights, tokenizer, image processor), loadable as
  `MMEEncoder.from_pretrained(dir)`;
- `trainer_state.pt`: optimiser and scheduler state, step and epoch position, and the run config.
It is written to a temporary name and renamed, so a crash never leaves a half-written checkpoint.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch

from .model_setup import TrainableEncoder

STATE_FILE = "trainer_state.pt"
CHECKPOINT_PATTERN = re.compile(r"checkpoint-(\d+)")


@dataclass(frozen=True)
class ResumePoint:
    step: int  # optimiser steps done
    micro_batches: int  # micro-batches consumed in total (fixes the data position)


def save_checkpoint(
    target: Path, trainable: TrainableEncoder, optimizer, scheduler, point: ResumePoint, config_dict: dict
) -> Path:
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    save_weights(partial, trainable)
    torch.save(
        {
            "step": point.step,
            "micro_batches": point.micro_batches,
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "config": config_dict,
        },
        partial / STATE_FILE,
    )
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return target


def save_weights(target: Path, trainable: TrainableEncoder) -> None:
    """Adapter only for LoRA; a full standalone checkpoint otherwise."""
    target.mkdir(parents=True, exist_ok=True)
    backbone = trainable.encoder.backbone
    trainable.module.save_pretrained(target)
    if trainable.module is backbone.model:  # full fine-tuning: make the directory self-contained
        backbone.tokenizer.save_pretrained(target)
        backbone.image_processor.save_pretrained(target)


def latest_checkpoint(out_dir: Path) -> Path | None:
    found = [
        (int(match.group(1)), path)
        for path in out_dir.glob("checkpoint-*")
        if (match := CHECKPOINT_PATTERN.fullmatch(path.name)) and (path / STATE_FILE).is_file()
    ]
    return max(found)[1] if found else None


def load_checkpoint(
    source: Path, trainable: TrainableEncoder, optimizer, scheduler, config_dict: dict
) -> ResumePoint:
    """Restore weights, optimiser and scheduler in place; refuse a checkpoint of another kind of run."""
    state_path = source / STATE_FILE
    if not state_path.is_file():
        raise ValueError(f"{source} is not a training checkpoint (no {STATE_FILE})")
    state = torch.load(state_path, map_location="cpu", weights_only=False)
    saved = state.get("config", {})
    for key in ("model", "finetune", "lora_r", "train_projector", "freeze_vision"):
        if saved.get(key) != config_dict.get(key):
            raise ValueError(
                f"cannot resume from {source}: it was trained with {key}={saved.get(key)!r}, "
                f"this run has {key}={config_dict.get(key)!r}"
            )
    load_weights(source, trainable)
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    return ResumePoint(step=int(state["step"]), micro_batches=int(state["micro_batches"]))


def load_weights(source: Path, trainable: TrainableEncoder) -> None:
    from safetensors.torch import load_file

    if trainable.module is trainable.encoder.backbone.model:
        files = sorted(source.glob("model*.safetensors"))
        if not files:
            raise ValueError(f"{source} holds no model*.safetensors")
        state = {}
        for file in files:
            state.update(load_file(file))
        missing, unexpected = trainable.module.load_state_dict(state, strict=False)
        real_missing = [k for k in missing if "lm_head" not in k]  # tied/unsaved heads are fine
        if real_missing or unexpected:
            raise ValueError(
                f"checkpoint {source} does not match the model: {real_missing[:3]} {unexpected[:3]}"
            )
    else:
        from peft import set_peft_model_state_dict

        adapter = source / "adapter_model.safetensors"
        if not adapter.is_file():
            raise ValueError(f"{source} holds no adapter_model.safetensors")
        set_peft_model_state_dict(trainable.module, load_file(adapter))
