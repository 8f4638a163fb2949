"""Checkpoints a run resumes from exactly, and that load with `MMEEncoder.from_pretrained`.

A checkpoint directory `checkpoint-<step>/` holds
- the weights. LoRA runs: the peft adapter (`adapter_config.json`, `adapter_model.safetensors`),
  loadable as `MMEEncoder.from_pretrained(base, adapter=dir)`; full fine-tuning: a complete
  checkpoint (weights, tokenizer, image processor), loadable as `MMEEncoder.from_pretrained(dir)`;
- what `accelerator.save_state` writes: optimiser and scheduler state, the grad scaler (fp16 on a
  GPU), and the Python / NumPy / torch / CUDA RNG states (`random_states_0.pkl`) that LoRA dropout
  draws from. Without those a resumed run drops other units than the unbroken one would;
- `trainer_state.json`: optimiser steps and micro-batches done (the data position: batches and
  negatives are pure functions of the micro-batch index), and the run config.
accelerate saves the weights through our hooks, so a LoRA checkpoint holds the adapter and not the
full model. It is written to a temporary name and renamed: a crash never leaves half a checkpoint.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch

from mme_core.multivector import META_TOKENS_FILE, MetaTokenHead

from .model_setup import TrainableEncoder

STATE_FILE = "trainer_state.json"
RNG_FILE = "random_states_0.pkl"  # accelerate's name for process 0
OLD_STATE_FILE = "trainer_state.pt"  # before resume went through accelerate: weights only, no RNG
CHECKPOINT_PATTERN = re.compile(r"checkpoint-(\d+)")
RUN_KIND_KEYS = ("model", "finetune", "lora_r", "train_projector", "freeze_vision", "meta_tokens")


@dataclass(frozen=True)
class ResumePoint:
    step: int  # optimiser steps done
    micro_batches: int  # micro-batches consumed in total (fixes the data position)


def attach_weight_hooks(accelerator, trainable: TrainableEncoder) -> None:
    """Route the model part of `save_state` / `load_state` through our own weight format."""

    def save_hook(models, weights, output_dir) -> None:
        save_weights(Path(output_dir), trainable)
        weights.clear()  # accelerate would otherwise also write the full state dict

    def load_hook(models, input_dir) -> None:
        load_weights(Path(input_dir), trainable)
        models.clear()

    accelerator.register_save_state_pre_hook(save_hook)
    accelerator.register_load_state_pre_hook(load_hook)


def save_checkpoint(target: Path, accelerator, point: ResumePoint, config_dict: dict) -> Path:
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    accelerator.save_state(str(partial))
    state = {"step": point.step, "micro_batches": point.micro_batches, "config": config_dict}
    (partial / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return target


def save_weights(target: Path, trainable: TrainableEncoder) -> None:
    """Adapter only for LoRA; a full standalone checkpoint otherwise."""
    target.mkdir(parents=True, exist_ok=True)
    backbone = trainable.encoder.backbone
    trainable.module.save_pretrained(target)
    if trainable.encoder.meta_head is not None:  # beside the adapter or model: from_pretrained finds it
        trainable.encoder.meta_head.save(target)
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


def read_resume_point(source: Path, config_dict: dict) -> ResumePoint:
    """Where `source` stands; refuses a checkpoint of another kind of run before anything loads."""
    state_path = source / STATE_FILE
    if not state_path.is_file():
        if (source / OLD_STATE_FILE).is_file():
            raise ValueError(
                f"{source} was written by an older trainer without RNG states, so it cannot resume "
                "exactly; start a new run (its weights still load as an adapter or model)"
            )
        raise ValueError(f"{source} is not a training checkpoint (no {STATE_FILE})")
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
        point = ResumePoint(step=int(state["step"]), micro_batches=int(state["micro_batches"]))
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        raise ValueError(f"{state_path} is damaged ({err}); resume from another checkpoint") from err
    saved = state.get("config", {})
    for key in RUN_KIND_KEYS:
        if saved.get(key) != config_dict.get(key):
            raise ValueError(
                f"cannot resume from {source}: it was trained with {key}={saved.get(key)!r}, "
                f"this run has {key}={config_dict.get(key)!r}"
            )
    if not (source / RNG_FILE).is_file():
        raise ValueError(f"{source} holds no {RNG_FILE}: the RNG states an exact resume needs")
    return point


def load_checkpoint(source: Path, accelerator, config_dict: dict) -> ResumePoint:
    """Restore weights, optimiser, scheduler, grad scaler and RNG states in place."""
    point = read_resume_point(source, config_dict)
    accelerator.load_state(str(source))
    return point


def load_weights(source: Path, trainable: TrainableEncoder) -> None:
    from safetensors.torch import load_file

    head = trainable.encoder.meta_head
    if head is not None:  # in place: the optimiser holds these very parameters
        path = source / META_TOKENS_FILE
        saved = MetaTokenHead.load(path, head.hidden_size, shown_as=str(path))
        if saved.meta_tokens != head.meta_tokens:
            raise ValueError(f"{source}: meta tokens {saved.meta_tokens}, this run has {head.meta_tokens}")
        with torch.no_grad():
            head.query.copy_(saved.query)
            head.document.copy_(saved.document)

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
