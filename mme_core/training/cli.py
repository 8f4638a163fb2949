"""CLI: train an MME adapter (or a small model in full) on TIIR-style triples.

    python -m mme_core.training --model deepseek-community/deepseek-vl-1.3b-chat --data DIR --out runs/mme \\
        [--strategy mean] [--ns 1,2,3,4,6] [--batch-size 8] [--mixed-precision bf16] ...
    python -m mme_core.training --config train.yaml [--max-steps 100]      # flags override the file
    python -m mme_core.training --config train.yaml --resume auto          # continue the latest checkpoint

Every option of `TrainConfig` is a flag (`lora_r` -> `--lora-r`); booleans take `--x/--no-x`.
Exit code 2 with a message on bad options or data; nothing is written before they are checked.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import MISSING, fields

from mme_core.training.config import TrainConfig


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mme_core.training", description="Train MME with InfoNCE over granularity pairs."
    )
    parser.add_argument("--config", help="JSON or YAML file of TrainConfig options (flags override it)")
    parser.add_argument(
        "--resume", help="checkpoint directory to continue from, or 'auto' for the latest in --out"
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    for field in fields(TrainConfig):
        flag = "--" + field.name.replace("_", "-")
        default = None if field.default is MISSING else field.default
        help_text = f"(default: {default})" if default is not None else "(required unless in --config)"
        if field.name in ("ns", "curriculum_ns"):
            parser.add_argument(flag, type=str, default=None, help=f"comma-separated N list {help_text}")
        elif field.name in ("meta_tokens", "budgets"):
            what = "Q,D meta tokens (multi-vector head)" if field.name == "meta_tokens" else "vector budgets"
            parser.add_argument(flag, type=str, default=None, help=f"comma-separated {what}")
        elif isinstance(default, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=help_text)
        else:
            kind = type(default) if default is not None else str
            parser.add_argument(flag, type=kind, default=None, help=help_text)
    parser.add_argument(
        "--lr", dest="learning_rate", type=float, default=None, help="alias of --learning-rate"
    )
    return parser


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    given = {f.name: getattr(args, f.name) for f in fields(TrainConfig) if getattr(args, f.name) is not None}
    if args.config:
        return TrainConfig.from_file(args.config, **given)
    missing = [f"--{name}" for name in ("model", "data", "out") if name not in given]
    if missing:
        raise ValueError(f"missing {', '.join(missing)} (or give them in --config)")
    return TrainConfig.from_dict(given)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        config = config_from_args(args)
        from mme_core.training.loop import train

        result = train(config, resume=args.resume, progress=not args.no_progress)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    last = f", last loss {result.losses[-1]:.4f}" if result.losses else ""
    print(f"trained {result.steps} steps{last}; weights in {result.final_dir}, loss log {result.log_path}")
    return 0
