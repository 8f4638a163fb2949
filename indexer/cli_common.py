"""What the commands share: the index a command works on, the model it loads, how it reports."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from indexer.cli_args import UsageError

DEFAULT_MODEL: str | None = None  # the demo model, once it ships


def existing_index(uri: str, required: bool = True):
    from indexer.store import Index

    if not Index.exists(uri):
        if required:
            raise FileNotFoundError(
                f"no index at {uri}; create one with: python -m indexer add PATH --index {uri}"
            )
        return None
    return Index.open(uri)


def chosen_model(args, index) -> tuple[str, str | None, int | None]:
    """(model, adapter, dim): --model, else the index's own model (with its adapter), else
    $MME_MODEL, else the default; a UsageError when there is none (checked before anything heavy
    is imported, so a forgotten --model is said at once)."""
    dim = getattr(args, "dim", None)
    if args.model:
        model, adapter = args.model, args.adapter
    elif index is not None:
        model, adapter = index.meta.model_id, args.adapter or index.meta.adapter
        dim = dim or index.meta.dim  # a truncated index is searched and updated at its own dim
    else:
        model, adapter = (
            os.environ.get("MME_MODEL") or DEFAULT_MODEL,
            args.adapter or os.environ.get("MME_ADAPTER"),
        )
    if not model:
        demo = Path(__file__).resolve().parents[1] / "demo" / "model"
        hint = f"; to try it offline, the shipped demo model: --model {demo}" if demo.is_dir() else ""
        raise UsageError(f"no model: pass --model (hub id or local dir) or set MME_MODEL{hint}")
    return absolute_if_local(model), adapter and absolute_if_local(adapter), dim


def load_encoder(args, index):
    """The encoder of `chosen_model`; `--dtype auto` on an index of that model loads the precision
    the index was embedded in (another one gives other vectors, and the index would refuse it)."""
    model, adapter, dim = chosen_model(args, index)
    dtype = args.dtype
    if dtype == "auto" and index is not None and index.meta.dtype and model == index.meta.model_id:
        dtype = index.meta.dtype
    from mme_core import MMEEncoder

    if getattr(args, "quiet", True):  # `search` is always quiet: results on stdout, nothing else
        from transformers.utils import logging

        logging.disable_progress_bar()
    return MMEEncoder.from_pretrained(model, adapter=adapter, device=args.device, dtype=dtype, dim=dim)


def absolute_if_local(name: str) -> str:
    """A local directory is recorded by absolute path, so the index works from any directory."""
    path = Path(name).expanduser()
    return str(path.resolve()) if path.is_dir() else name


def print_warnings(caught) -> None:
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)


def print_skipped(report, path: str | None) -> None:
    """A summary on stderr (one line per reason); every item in `path` as JSON when asked."""
    from indexer.skipped import summarise

    for line in summarise(list(report.skipped)):
        print(line, file=sys.stderr)
    if report.skipped and not path:
        print("(the full list: --report FILE.json, or python -m indexer stats --json)", file=sys.stderr)
    if path:
        items = [{"collection": report.collection} | item.to_dict() for item in report.skipped]
        Path(path).write_text(json.dumps(items, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def report_failures(reports) -> int:
    failed = [item for report in reports for item in report.failed]
    if failed:
        print(f"error: {len(failed)} document(s) could not be indexed (see above)", file=sys.stderr)
        return 1
    return 0
