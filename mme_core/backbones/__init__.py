"""Backbone families behind one interface; `BACKBONES` maps a config `model_type` to its wrapper."""

from __future__ import annotations

from .base import DOCUMENT_PROMPT, QUERY_PROMPT, Backbone, SequenceItem, TokenizedBatch
from .deepseek_vl import DeepseekVLBackbone
from .qwen2_vl import Qwen2VLBackbone
from .qwen3_vl import Qwen3VLBackbone

BACKBONES: dict[str, type[Backbone]] = {
    "deepseek_vl": DeepseekVLBackbone,
    "qwen2_vl": Qwen2VLBackbone,
    "qwen3_vl": Qwen3VLBackbone,
}

__all__ = [
    "BACKBONES",
    "DOCUMENT_PROMPT",
    "QUERY_PROMPT",
    "Backbone",
    "DeepseekVLBackbone",
    "Qwen2VLBackbone",
    "Qwen3VLBackbone",
    "SequenceItem",
    "TokenizedBatch",
]
