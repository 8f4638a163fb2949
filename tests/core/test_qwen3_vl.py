"""Qwen3-VL specifics: DeepStack features pooled with their tokens, M-RoPE of the pooled grid, prompts."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mme_core import ImageSegment, InterleavedDoc, TextSegment
from mme_core.backbones.qwen3_vl import with_final_punctuation


def _capture_language_model_inputs(encoder):
    """Record the keyword arguments the Qwen3-VL text model receives on each forward."""
    seen: list[dict] = []
    language_model = encoder.backbone.model.model.language_model
    handle = language_model.register_forward_pre_hook(
        lambda module, args, kwargs: seen.append(kwargs), with_kwargs=True
    )
    return seen, handle


def _stock_vision(encoder, path):
    """Merged tokens and DeepStack features of one image straight from the stock vision tower."""
    backbone = encoder.backbone
    inputs = backbone.image_processor(images=[ImageSegment(path).load()], return_tensors="pt")
    with torch.no_grad():
        out = backbone.model.model.get_image_features(inputs.pixel_values, inputs.image_grid_thw)
    _, height, width = (inputs.image_grid_thw[0] // torch.tensor([1, 2, 2])).tolist()
    merged = out.pooler_output[0].reshape(height, width, -1)  # (h, w, H)
    deepstack = [layer[0].reshape(height, width, -1) for layer in out.deepstack_features]  # K x (h, w, H)
    return merged, deepstack


def _pool(grid: torch.Tensor, n: int) -> torch.Tensor:
    pooled = F.adaptive_avg_pool2d(grid.permute(2, 0, 1).unsqueeze(0), (n, n))  # (1, H, n, n)
    return pooled[0].permute(1, 2, 0).reshape(n * n, -1)  # (n*n, H)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_deepstack_features_are_pooled_with_their_tokens(tiny_qwen3vl, image_factory, n):
    path = image_factory("red", "circle", (200, 160))  # 6x4 merged grid at the tiny limits
    seen, handle = _capture_language_model_inputs(tiny_qwen3vl)
    doc = InterleavedDoc((TextSegment("Cut the paper."), ImageSegment(path), TextSegment("Fold it.")))
    try:
        tiny_qwen3vl.encode([doc], n=n)
    finally:
        handle.remove()
    merged, deepstack = _stock_vision(tiny_qwen3vl, path)
    assert len(deepstack) == 2  # the tiny checkpoint injects two DeepStack layers
    kwargs = seen[0]
    mask = kwargs["visual_pos_masks"]  # (B, L) image token positions
    assert int(mask.sum()) == n * n
    injected = kwargs["inputs_embeds"][mask]  # (n*n, H): what sits on the image tokens
    assert torch.allclose(injected, _pool(merged, n), atol=1e-6)
    assert len(kwargs["deepstack_visual_embeds"]) == len(deepstack)
    for fed, stock in zip(kwargs["deepstack_visual_embeds"], deepstack, strict=True):
        assert torch.allclose(fed, _pool(stock, n), atol=1e-6)  # same bins, same order as the tokens
    # M-RoPE: the pooled image spans an n x n grid of (h, w) positions and text resumes after it.
    positions = kwargs["position_ids"][:, 0]  # (3, L)
    image_positions = positions[:, mask[0]]  # (3, n*n)
    start = int(image_positions[1].min())
    assert set(image_positions[1].tolist()) == set(range(start, start + n))
    assert set(image_positions[2].tolist()) == set(range(start, start + n))
    after = int(torch.nonzero(mask[0])[-1]) + 2  # skip <|vision_end|>
    assert int(positions[0, after]) == start + n + 1


def test_deepstack_changes_the_embedding(tiny_qwen3vl, image_factory, monkeypatch):
    """The stock-forward exactness test would catch dropped DeepStack features only if they matter."""
    doc = InterleavedDoc((ImageSegment(image_factory("blue", "square")), TextSegment("Step two.")))
    with_deepstack = tiny_qwen3vl.encode([doc], n=2)[0]
    language_model = type(tiny_qwen3vl.backbone.model.model.language_model)
    monkeypatch.setattr(language_model, "_deepstack_process", lambda self, hidden, *args: hidden)
    without = tiny_qwen3vl.encode([doc], n=2)[0]
    assert with_deepstack @ without < 1 - 1e-4


def test_prompts_follow_the_reference_format(tiny_qwen3vl):
    backbone = tiny_qwen3vl.backbone
    decode = backbone.tokenizer.decode
    assert decode(backbone.prefix("document")) == (
        "<|im_start|>system\nRepresent the user's input.<|im_end|>\n<|im_start|>user\n"
    )
    assert decode(backbone.suffix()) == "<|im_end|>\n<|im_start|>assistant\n"
    assert with_final_punctuation("  Find a repair guide ") == "Find a repair guide."
    assert with_final_punctuation("Which tool fits?") == "Which tool fits?"


def test_text_only_document_needs_no_vision(tiny_qwen3vl):
    vectors = tiny_qwen3vl.encode_all([InterleavedDoc((TextSegment("Only words."),))], [1, "full"])
    assert np.array_equal(vectors[1], vectors["full"])
