"""Pre-train the demo's small vision tower on the synthetic world's pictures, before MME training.

Real MME starts from a vision tower that was pre-trained contrastively (SigLIP, CLIP): its pooled
tokens already tell pictures apart. The demo's tower starts random, and the retrieval loss alone
reaches it only through the language model: after 300 steps a jittered step picture still finds
its own spec among 150 canonical ones only 28-84 % of the time (N = 1-6; `bench.demo_vision_probe`).
This stage gives the demo what a real checkpoint brings: the tower and projector learn, with a
symmetric InfoNCE at every N, that a freshly jittered rendering (what a query shows) and the
canonical rendering (what a document shows) of one spec are the same picture and that specs
differing in one colour, shape or count are not. It sees only pictures (no text, no test split).

    python -m mme_data.demo_vision MODEL_DIR OUT_DIR [--steps 300]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch
import torch.nn.functional as F

from mme_core.encoder import MMEEncoder
from mme_core.pooling import pool_grids
from mme_data.synthetic.drawing import ImageSpec, random_spec, render
from mme_data.synthetic.vocabulary import COLOURS, COUNTS, SHAPES

NS = (1, 2, 3, 4, 6)
# Written beside the checkpoint: what this stage did (build_demo's report reads it).
REPORT = "vision_pretraining.json"


def spec_group(rng: random.Random, size: int) -> list[ImageSpec]:
    """`size` distinct specs that differ from a first one in one colour, shape or count each: the
    edits that tell a document from its edited twin, so every batch holds such near misses."""
    base = random_spec(rng)
    group = {base: None}  # a dict keeps the base first
    while len(group) < size:
        kind = rng.choice(("colour", "shape", "count"))
        value = rng.choice({"colour": tuple(COLOURS), "shape": SHAPES, "count": COUNTS}[kind])
        group[replace(base, **{kind: value})] = None
    return list(group)


def batch_loss(encoder: MMEEncoder, specs: list[ImageSpec], rng: random.Random, ns, temperature: float):
    """Mean over N of the symmetric InfoNCE between jittered and canonical renderings."""
    canonical = [render(spec) for spec in specs]
    jittered = [render(spec, jitter=random.Random(rng.random())) for spec in specs]
    grids = encoder.visual_grids(canonical + jittered)
    targets = torch.arange(len(specs))
    losses = []
    for n in ns:
        flat = torch.stack([g.flatten() for g in pool_grids(grids, n)]).float()
        docs, queries = F.normalize(flat[: len(specs)], dim=1), F.normalize(flat[len(specs) :], dim=1)
        logits = queries @ docs.T / temperature
        losses.append((F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)) / 2)
    return torch.stack(losses).mean()


def pretrain_vision(
    model_dir: str | Path,
    out_dir: str | Path,
    steps: int = 300,
    groups: int = 8,
    group_size: int = 4,
    learning_rate: float = 2e-3,
    temperature: float = 0.05,
    ns=NS,
    seed: int = 0,
    progress: bool = True,
) -> list[float]:
    """Train the vision tower and projector of `model_dir`; write the whole checkpoint to `out_dir`.
    Returns the loss per step."""
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    torch.manual_seed(seed)
    rng = random.Random(f"{seed}:demo-vision")
    encoder = MMEEncoder.from_pretrained(str(model_dir), device="cpu", dtype="float32")
    model = encoder.backbone.model
    visual = [p for name, p in model.named_parameters() if "vision" in name or "aligner" in name]
    for param in model.parameters():
        param.requires_grad_(False)
    for param in visual:
        param.requires_grad_(True)
    optimiser = torch.optim.AdamW(visual, lr=learning_rate, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, learning_rate, total_steps=steps, pct_start=0.1)
    model.train()
    losses, started = [], time.perf_counter()
    for step in range(1, steps + 1):
        specs = list(dict.fromkeys(s for _ in range(groups) for s in spec_group(rng, group_size)))
        loss = batch_loss(encoder, specs, rng, ns, temperature)
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(visual, 1.0)
        optimiser.step()
        schedule.step()
        losses.append(round(loss.item(), 4))
        if progress and (step % 25 == 0 or step == steps):
            recent = sum(losses[-25:]) / len(losses[-25:])
            print(f"vision step {step}/{steps}: loss {recent:.3f} ({time.perf_counter() - started:.0f}s)")
    model.eval()
    out = Path(out_dir)
    model.save_pretrained(out)
    encoder.backbone.tokenizer.save_pretrained(out)
    encoder.backbone.image_processor.save_pretrained(out)
    record = {"steps": steps, "groups": groups, "group_size": group_size, "learning_rate": learning_rate,
              "temperature": temperature, "ns": list(ns), "seed": seed, "losses": losses,
              "seconds": round(time.perf_counter() - started, 1)}  # fmt: skip
    (out / REPORT).write_text(json.dumps(record) + "\n", encoding="utf-8")
    return losses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mme_data.demo_vision", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("model", help="a DeepSeek-VL-family checkpoint directory (e.g. a build's init)")
    parser.add_argument("out", help="directory for the checkpoint with the pre-trained tower")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    args = parser.parse_args(argv)
    try:
        pretrain_vision(args.model, args.out, steps=args.steps, learning_rate=args.learning_rate)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
