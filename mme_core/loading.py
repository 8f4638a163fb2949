"""Loading a checkpoint for users: hub id or local dir, cached, offline-aware, never hanging.

transformers retries an unreachable hub for ~30 s before failing; a search app should instead say
at once which model it could not get and how to get it. So: local directory → load it; hub id →
use the huggingface_hub cache when the hub is unreachable or HF_HUB_OFFLINE is set, and otherwise
download through the normal `from_pretrained` path (which caches).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlparse

import torch
from huggingface_hub import constants, try_to_load_from_cache


class ModelNotAvailableError(RuntimeError):
    """The named model (or adapter) cannot be had: not local, not cached, hub unreachable."""


def hub_reachable(timeout: float = 2.0) -> bool:
    endpoint = urlparse(os.environ.get("HF_ENDPOINT", constants.ENDPOINT))
    host, port = endpoint.hostname or "huggingface.co", endpoint.port or 443
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def offline_mode() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def resolve_source(name: str, what: str = "model") -> tuple[str, bool]:
    """-> (path or hub id to pass to from_pretrained, local_files_only).

    Raises ModelNotAvailableError naming `name` when it is neither a directory nor downloadable.
    """
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file() and not (path / "adapter_config.json").is_file():
            raise ModelNotAvailableError(
                f"{what} directory {name!r} holds no config.json / adapter_config.json: not a checkpoint"
            )
        return str(path), True
    if path.suffix or name.startswith((".", "/", "~")) or name.count("/") > 1:
        raise ModelNotAvailableError(f"{what} {name!r} is neither an existing directory nor a hub id")
    marker = "adapter_config.json" if what == "adapter" else "config.json"
    cached = isinstance(try_to_load_from_cache(name, marker), str)
    if offline_mode() or not hub_reachable():
        if cached:
            return name, True
        reason = "HF_HUB_OFFLINE is set" if offline_mode() else "the Hugging Face Hub is unreachable"
        raise ModelNotAvailableError(
            f"cannot load {what} {name!r}: it is not a local directory, not in the Hugging Face cache, "
            f"and {reason}. Download it where the hub is reachable (`hf download {name}`) or pass a "
            "local directory."
        )
    return name, False


def pick_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        chosen = torch.device(device)
    except RuntimeError as err:
        raise ValueError(f"unknown device {device!r}; use 'auto', 'cpu', 'cuda' or 'cuda:N'") from err
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but CUDA is not available")
    return chosen


DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def pick_dtype(dtype: str, device: torch.device) -> torch.dtype:
    """cuda → bf16; cpu → bf16 only where the CPU has native bf16 (AVX512-BF16 / AMX), else fp32."""
    if dtype == "auto":
        if device.type == "cuda":
            return torch.bfloat16
        native_bf16 = torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
        return torch.bfloat16 if native_bf16 else torch.float32
    if dtype not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}; valid values are auto, {', '.join(DTYPES)}")
    return DTYPES[dtype]


def drop_unused_lm_head(model: torch.nn.Module) -> int:
    """Free the language-model head of an untied checkpoint; returns the parameters freed.

    Embeddings are last-token *hidden states*: the vocabulary projection is never run. When it is
    tied to the input embeddings it costs nothing; untied (Qwen3-VL-8B: 4096 x 151,936, 1.2 GB in
    bf16) it would sit in memory, on the GPU too, for nothing. Called before the model is moved to
    its device. A checkpoint saved afterwards lacks the head; loading tolerates that (see
    training/checkpoints.py), and this function frees the re-initialised one again.
    """
    head, inputs = model.get_output_embeddings(), model.get_input_embeddings()
    weight = getattr(head, "weight", None)
    if weight is None or (inputs is not None and weight.data_ptr() == inputs.weight.data_ptr()):
        return 0
    freed = weight.numel()
    model.lm_head = torch.nn.Identity()
    return freed
