"""The training loop: InfoNCE over the strategy's (query N, document N) pairs, with accelerate.

Per micro-batch, every distinct image is decoded and run through the vision tower + projector once
(`enc.visual_grids`) - or, when the tower is frozen, once per run (`VisualFeatureCache`); each
granularity N pools those grids once for both sides. Queries
are embedded once per query N and documents (positives + hard negatives) once per document N;
the strategy's pairs only recombine those embeddings, so `mean` costs M forward passes per side,
not M*M.
"""

from __future__ import annotations

import json
import math
import random
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from accelerate import Accelerator
from accelerate.state import AcceleratorState
from accelerate.utils import set_seed
from tqdm.auto import tqdm
from transformers import get_linear_schedule_with_warmup

from mme_core.documents import TextSegment
from mme_core.encoder import MMEEncoder

from .checkpoints import (
    ResumePoint,
    attach_weight_hooks,
    latest_checkpoint,
    load_checkpoint,
    save_checkpoint,
    save_weights,
)
from .config import TrainConfig
from .data import TrainingTriple, load_triples
from .loss import info_nce_loss
from .model_setup import TrainableEncoder, make_trainable
from .strategies import GranularityPlan, make_strategy
from .visual_cache import VisualFeatureCache

LOSS_LOG = "loss_log.jsonl"
CONFIG_FILE = "train_config.json"


@dataclass(frozen=True)
class TrainResult:
    out_dir: Path
    final_dir: Path  # adapter dir (LoRA) or full checkpoint dir
    steps: int
    log_path: Path
    losses: tuple[float, ...]  # per optimiser step, this run only


@dataclass(frozen=True)
class StepLoss:
    loss: torch.Tensor  # mean over the plan's pairs
    by_pair: dict[str, float]  # "q_n/d_n" -> loss, for the log


@dataclass(frozen=True)
class EmbeddedBatch:
    """One micro-batch embedded at the plan's granularities: columns 0..size-1 of `docs[n]` are the
    queries' positives, the rest their hard negatives (K per query, in query order)."""

    queries: dict  # n -> query embeddings (a tensor, or MultiVectors with `multi`)
    docs: dict  # n -> candidate embeddings, positives first
    size: int
    ignore: torch.Tensor | None  # see same_as_positive


def embed_triples(
    trainable: TrainableEncoder,
    triples: list[TrainingTriple],
    plan: GranularityPlan,
    num_negatives: int,
    rng: random.Random,
    features: VisualFeatureCache,
    multi: bool = False,
) -> EmbeddedBatch:
    """Sample the hard negatives and embed queries and candidates at every N the plan pairs."""
    encoder = trainable.encoder
    queries = [t.query for t in triples]
    positives = [t.positive for t in triples]
    negatives = [doc for t in triples for doc in t.sample_negatives(num_negatives, rng)]
    docs = positives + negatives
    paths = list(dict.fromkeys(seg.path for doc in queries + docs for seg in doc.images))
    # Each N pooled once for both sides (embed_batch then finds grids already N x N and keeps them),
    # from features computed once per distinct image of the run when the visual path is frozen.
    pooled = features.pooled_grids(paths, list(dict.fromkeys([*plan.query_ns, *plan.doc_ns])))
    query_emb = {
        n: encoder.embed_batch(queries, n, pooled[n], prompt_name="query", multi=multi) for n in plan.query_ns
    }
    doc_emb = {n: encoder.embed_batch(docs, n, pooled[n], multi=multi) for n in plan.doc_ns}
    return EmbeddedBatch(query_emb, doc_emb, len(triples), same_as_positive(positives, docs))


def batch_loss(
    trainable: TrainableEncoder,
    triples: list[TrainingTriple],
    plan: GranularityPlan,
    num_negatives: int,
    temperature: float,
    rng: random.Random,
    features: VisualFeatureCache,
) -> StepLoss:
    """Loss of one micro-batch; differentiable w.r.t. whatever the trainable encoder trains."""
    embedded = embed_triples(trainable, triples, plan, num_negatives, rng, features)
    batch, losses = embedded.size, {}
    for q_n, d_n in plan.pairs:
        candidates = embedded.docs[d_n]  # (B + B*K, D)
        hard = candidates[batch:].reshape(batch, num_negatives, -1) if num_negatives else None  # (B, K, D)
        losses[f"{q_n}/{d_n}"] = info_nce_loss(
            embedded.queries[q_n], candidates[:batch], hard, temperature, embedded.ignore
        )
    loss = torch.stack(list(losses.values())).mean()
    return StepLoss(loss, {key: round(value.item(), 5) for key, value in losses.items()})


def same_as_positive(positives: list, candidates: list) -> torch.Tensor | None:
    """(B, C) True where candidate j has the same content as query i's positive but is not column i.

    Two queries of a batch may share a relevant document (wikiHow-TIIR has several queries per
    tutorial): its other copies must not count as negatives. None when nothing needs masking.
    """
    keys = [doc.segments for doc in candidates]
    mask = torch.tensor([[j != i and keys[j] == positive.segments for j in range(len(keys))]
                         for i, positive in enumerate(positives)])  # fmt: skip
    return mask if bool(mask.any()) else None


def micro_batch(
    triples: list[TrainingTriple], batch_size: int, seed: int, index: int, group: int = 0
) -> list[TrainingTriple]:
    """The `index`-th micro-batch of the run: epochs are seeded shuffles, so resuming lands exactly.

    `group` > 0: the epoch's order is made of runs of `group` triples whose positives open with the
    same text (a tutorial's title), so a batch of k * group triples holds k titles and each query's
    in-batch negatives include the other tutorials of its title. Each triple still comes once an epoch.
    """
    per_epoch = math.ceil(len(triples) / batch_size)
    epoch, position = divmod(index, per_epoch)
    order = list(range(len(triples)))
    rng = random.Random(f"{seed}:epoch{epoch}")
    rng.shuffle(order)
    if group:
        order = grouped_order(order, [opening_text(triples[i].positive) for i in order], group, rng)
    return [triples[i] for i in order[position * batch_size : (position + 1) * batch_size]]


def opening_text(doc) -> str:
    """The document's first text segment (its title in wikiHow-style tutorials), "" when it has none."""
    return next((s.text for s in doc.segments if isinstance(s, TextSegment)), "")


def grouped_order(order: list[int], keys: list[str], group: int, rng: random.Random) -> list[int]:
    """`order` regrouped into shuffled runs of `group` items sharing a key; the items left over
    (fewer than `group` of a key) come last, so every full run lands in one batch when the batch
    size is a multiple of `group`."""
    by_key: dict[str, list[int]] = {}
    for item, key in zip(order, keys, strict=True):
        by_key.setdefault(key, []).append(item)
    runs, rest = [], []
    for items in by_key.values():
        whole = len(items) - len(items) % group
        runs += [items[i : i + group] for i in range(0, whole, group)]
        rest += items[whole:]
    rng.shuffle(runs)
    rng.shuffle(rest)
    return [item for run in runs for item in run] + rest


def truncate_log(log_path: Path, step: int) -> None:
    """Keep the loss-log rows of steps <= `step`: a run resumed from an earlier checkpoint redoes the
    later steps and must not log them twice. Unreadable rows (a line cut by a crash) go too."""
    if step == 0 or not log_path.is_file():
        log_path.unlink(missing_ok=True)
        return
    kept = []
    for line in log_path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict) and isinstance(row.get("step"), int) and row["step"] <= step:
            kept.append(line + "\n")
    partial = log_path.with_name(log_path.name + ".partial")
    partial.write_text("".join(kept), encoding="utf-8")
    partial.replace(log_path)


def train(config: TrainConfig, resume: str | None = None, progress: bool = True) -> TrainResult:
    """Run training as configured. `resume`: a checkpoint dir, or "auto" for the latest in `out`."""
    out_dir = Path(config.out)
    set_seed(config.seed)
    triples = load_triples(config.data, min_negatives=config.num_negatives, drop_short=config.drop_short)
    if len(triples) < 2 and config.num_negatives == 0:
        raise ValueError(
            "need at least 2 training triples (or hard negatives): one alone has nothing to contrast"
        )
    if config.mixed_precision == "fp16" and (config.cpu or not torch.cuda.is_available()):
        # accelerate would silently train in fp32 (no fp16 autocast or grad scaler on a CPU)
        raise ValueError("mixed_precision='fp16' needs a CUDA device; use 'bf16' (or 'no') on a CPU")
    # accelerate keeps one process-wide state and refuses a second Accelerator with another
    # mixed_precision; a single-process run owns it, so a later train() in the same process may differ.
    AcceleratorState._reset_state()
    accelerator = Accelerator(
        mixed_precision=config.mixed_precision, gradient_accumulation_steps=config.grad_accum, cpu=config.cpu
    )
    if accelerator.num_processes > 1:
        raise ValueError("multi-process training is not supported yet; run on one device")
    encoder = MMEEncoder.from_pretrained(config.model, device=str(accelerator.device), dtype="float32")
    trainable = make_trainable(encoder, config)
    optimizer = torch.optim.AdamW(
        trainable.parameter_groups(config.vision_learning_rate),
        lr=config.learning_rate,
        weight_decay=config.weight_decay,
    )
    steps_per_epoch = math.ceil(math.ceil(len(triples) / config.batch_size) / config.grad_accum)
    total_steps = config.max_steps or steps_per_epoch * config.epochs
    scheduler = get_linear_schedule_with_warmup(optimizer, config.warmup_steps, total_steps)
    module, optimizer, scheduler = accelerator.prepare(trainable.module, optimizer, scheduler)
    attach_weight_hooks(accelerator, trainable)

    point = ResumePoint(0, 0)
    config_dict = config.to_dict()
    if resume is not None:
        source = latest_checkpoint(out_dir) if resume == "auto" else Path(resume)
        if source is not None:
            point = load_checkpoint(source, accelerator, config_dict)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / CONFIG_FILE).write_text(json.dumps(config_dict, indent=2) + "\n")
    log_path = out_dir / LOSS_LOG
    truncate_log(log_path, point.step)

    strategy = make_strategy(
        config.strategy, config.ns, config.seed, config.curriculum_ns, config.curriculum_steps
    )
    features = VisualFeatureCache(trainable, config.ns, config.feature_cache_mb * 2**20)
    trained, total = trainable.parameter_counts()
    bar = tqdm(total=total_steps, initial=point.step, desc=f"train {config.strategy}", disable=not progress)
    bar.write(f"training {trained:,} of {total:,} parameters on {len(triples)} triples, {total_steps} steps")
    step, micro, losses, window = point.step, point.micro_batches, [], []
    started = time.perf_counter()
    module.train()
    step_loss_fn = batch_loss
    if trainable.encoder.meta_head is not None and config.meta_tokens:
        from .multivector_step import multi_vector_batch_loss

        step_loss_fn = multi_vector_batch_loss
    while step < total_steps:
        plan = strategy.plan(step)
        rng = random.Random(f"{config.seed}:negatives:{micro}")
        batch = micro_batch(triples, config.batch_size, config.seed, micro, config.group_batches)
        with accelerator.accumulate(module):
            with accelerator.autocast():
                result = step_loss_fn(
                    trainable, batch, plan, config.num_negatives, config.temperature, rng, features
                )
            accelerator.backward(result.loss)
            if accelerator.sync_gradients and config.max_grad_norm > 0:
                accelerator.clip_grad_norm_(trainable.trainable_parameters(), config.max_grad_norm)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
        micro += 1
        window.append((result.loss.item(), result.by_pair))
        if not accelerator.sync_gradients:
            continue
        step += 1
        step_loss = sum(loss for loss, _ in window) / len(window)
        losses.append(step_loss)
        if step % config.log_every == 0 or step == total_steps:
            row = {
                "step": step,
                "epoch": round(micro * config.batch_size / len(triples), 3),
                "loss": round(step_loss, 5),
                "lr": scheduler.get_last_lr()[0],
                "pairs": window[-1][1],
                "elapsed_s": round(time.perf_counter() - started, 2),
            }
            with log_path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(row) + "\n")
        window = []
        bar.update(1)
        bar.set_postfix(loss=f"{step_loss:.4f}")
        if config.save_every and step % config.save_every == 0 and step < total_steps:
            target = out_dir / f"checkpoint-{step:06d}"
            save_checkpoint(target, accelerator, ResumePoint(step, micro), config_dict)
    bar.close()
    module.eval()
    final_dir = out_dir / ("adapter" if config.finetune == "lora" else "model")
    save_weights(final_dir, trainable)
    return TrainResult(out_dir, final_dir, step, log_path, tuple(losses))
