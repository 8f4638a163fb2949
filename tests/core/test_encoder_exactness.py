"""With pooling off, MME equals the backbone's own stock forward (pixel_values path)."""

from __future__ import annotations

import pytest
import torch

from mme_core import ImageSegment, InterleavedDoc, TextSegment

LAYOUTS = {
    "image first": ["IMG0", "Step one: cut the paper.", "Then fold it."],
    "image middle": ["Step one: cut the paper.", "IMG0", "Then fold it.", "IMG1", "Done."],
    "image last": ["Remove the cover.", "Clean the trap.", "IMG1"],
}


def _doc(layout, images):
    return InterleavedDoc(
        tuple(ImageSegment(images[int(x[3])]) if x.startswith("IMG") else TextSegment(x) for x in layout)
    )


def _stock_deepseek(enc, doc):
    backbone, tokenizer = enc.backbone, enc.backbone.tokenizer
    placeholder = tokenizer.image_token * 576  # what the stock DeepseekVLProcessor inserts
    text = (
        tokenizer.bos_token
        + "".join(s.text if isinstance(s, TextSegment) else placeholder for s in doc.segments)
        + tokenizer.eos_token
    )
    input_ids = tokenizer(text, add_special_tokens=False, return_tensors="pt").input_ids
    images = [s.load() for s in doc.images]
    pixels = backbone.image_processor(images=images, return_tensors="pt").pixel_values
    with torch.no_grad():
        out = backbone.model.model(input_ids=input_ids, pixel_values=pixels)
    return torch.nn.functional.normalize(out.last_hidden_state[0, -1], dim=-1)


QWEN_TEMPLATES = {  # (system instruction, text after the user turn) as each reference formats them
    "qwen2_vl": ("You are a helpful assistant.", "<|im_end|>\n<|im_start|>assistant\n<|endoftext|>"),
    "qwen3_vl": ("Represent the user's input.", "<|im_end|>\n<|im_start|>assistant\n"),
}


def _stock_qwen(enc, doc):
    """The stock processor-style input: one string, the processor's placeholder counts, pixel_values."""
    backbone, tokenizer = enc.backbone, enc.backbone.tokenizer
    instruction, ending = QWEN_TEMPLATES[enc.family]
    images = [s.load() for s in doc.images]
    inputs = backbone.image_processor(images=images, return_tensors="pt") if images else {}
    counts = iter((inputs["image_grid_thw"].prod(-1) // 4).tolist() if images else [])
    content = "".join(
        s.text
        if isinstance(s, TextSegment)
        else "<|vision_start|>" + "<|image_pad|>" * next(counts) + "<|vision_end|>"
        for s in doc.segments
    )
    text = f"<|im_start|>system\n{instruction}<|im_end|>\n<|im_start|>user\n{content}{ending}"
    input_ids = tokenizer(text, add_special_tokens=False, return_tensors="pt").input_ids
    with torch.no_grad():
        out = backbone.model.model(
            input_ids=input_ids,
            pixel_values=inputs.get("pixel_values"),
            image_grid_thw=inputs.get("image_grid_thw"),
            mm_token_type_ids=(input_ids == backbone.image_token_id).int(),
        )
    return torch.nn.functional.normalize(out.last_hidden_state[0, -1], dim=-1)


FIXTURES = {"deepseek_vl": "tiny_dsvl", "qwen2_vl": "tiny_qwen2vl", "qwen3_vl": "tiny_qwen3vl"}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("family", FIXTURES)
def test_unpooled_embedding_equals_stock_forward(family, layout, request, image_factory):
    enc = request.getfixturevalue(FIXTURES[family])
    images = [image_factory("red", "circle", (120, 90)), image_factory("blue", "square", (64, 140))]
    doc = _doc(LAYOUTS[layout], images)
    stock = (_stock_deepseek if family == "deepseek_vl" else _stock_qwen)(enc, doc)
    mme = torch.from_numpy(enc.encode([doc], n="full")[0])
    assert (mme - stock).abs().max().item() <= 1e-5


@pytest.mark.parametrize("family", ["qwen2_vl", "qwen3_vl"])
def test_unpooled_batch_with_padding_equals_stock_forward(family, request, image_factory):
    """Left padding + explicit M-RoPE positions must not shift anything (a text-only row included)."""
    enc = request.getfixturevalue(FIXTURES[family])
    images = [image_factory("red"), image_factory("green", "square", (200, 120))]
    docs = [_doc(LAYOUTS[name], images) for name in LAYOUTS]
    docs.append(InterleavedDoc((TextSegment("Only words here."),)))
    batched = torch.from_numpy(enc.encode(docs, n="full", batch_size=len(docs)))
    for row, doc in enumerate(docs):
        assert (batched[row] - _stock_qwen(enc, doc)).abs().max().item() <= 1e-5
