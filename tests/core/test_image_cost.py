"""Bounded image cost for the Qwen families: per-image pixel limits and a patch budget per tower call."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from PIL import Image

from mme_core import ImageSegment, InterleavedDoc, MMEEncoder, TextSegment
from mme_core.backbones.qwen2_vl import GME_PIXEL_LIMITS
from mme_core.backbones.qwen3_vl import QWEN3_VL_PIXEL_LIMITS

# What the published checkpoints' preprocessor configs allow (12.8 MP / 16.7 MP per image).
STOCK_SIZES = {
    "qwen2_vl": {"shortest_edge": 56 * 56, "longest_edge": 14 * 14 * 4 * 16384},
    "qwen3_vl": {"shortest_edge": 65536, "longest_edge": 16777216},
}
FIXTURES = {"qwen2_vl": "tiny_qwen2vl", "qwen3_vl": "tiny_qwen3vl"}


@pytest.fixture(scope="module")
def phone_photo(tmp_path_factory):
    path = tmp_path_factory.mktemp("photos") / "IMG_0001.jpg"
    Image.new("RGB", (4032, 3024), "orange").save(path, quality=60)  # a 12-megapixel phone photo
    return str(path)


def _with_stock_preprocessor(checkpoint, family, out):
    """The tiny checkpoint, but with the image limits the real checkpoint ships."""
    out.mkdir()
    for item in checkpoint.iterdir():
        if item.name != "preprocessor_config.json":
            (out / item.name).symlink_to(item)
    settings = json.loads((checkpoint / "preprocessor_config.json").read_text())
    settings["size"] = STOCK_SIZES[family]
    (out / "preprocessor_config.json").write_text(json.dumps(settings))
    return out


@pytest.mark.parametrize("family", FIXTURES)
def test_a_phone_photo_is_capped_at_the_reference_limit(family, request, tmp_path, phone_photo):
    checkpoint = request.getfixturevalue(f"{FIXTURES[family]}_dir")
    encoder = MMEEncoder.from_pretrained(
        str(_with_stock_preprocessor(checkpoint, family, tmp_path / "stock")), device="cpu", dtype="float32"
    )
    processor = encoder.backbone.image_processor
    max_pixels = (GME_PIXEL_LIMITS if family == "qwen2_vl" else QWEN3_VL_PIXEL_LIMITS)[1]
    merged_pixels = (processor.patch_size * processor.merge_size) ** 2
    height, width = encoder.backbone.grid_shape((4032, 3024))
    uncapped = 4032 * 3024 // merged_pixels  # what the stock limits would have let through
    assert height * width <= max_pixels // merged_pixels < uncapped / 5
    assert math.isclose(width / height, 4 / 3, rel_tol=0.1)  # aspect ratio kept
    doc = InterleavedDoc((TextSegment("My sink after step two."), ImageSegment(phone_photo)))
    assert encoder.count_tokens(doc, "full") < max_pixels // merged_pixels + 40


@pytest.mark.parametrize("family", FIXTURES)
def test_a_checkpoint_already_stricter_keeps_its_limits(family, request):
    checkpoint = request.getfixturevalue(f"{FIXTURES[family]}_dir")
    saved = json.loads((checkpoint / "preprocessor_config.json").read_text())["size"]
    size = request.getfixturevalue(FIXTURES[family]).backbone.image_processor.size
    assert (size.shortest_edge, size.longest_edge) == (saved["shortest_edge"], saved["longest_edge"])


@pytest.mark.parametrize("family", FIXTURES)
def test_vision_tower_calls_stay_within_the_patch_budget(family, request, image_factory, monkeypatch):
    encoder = request.getfixturevalue(FIXTURES[family])
    sizes = [(250, 250), (120, 90), (64, 140), (200, 120), (96, 80), (250, 200)]
    paths = [image_factory("red", "circle", size) for size in sizes]
    docs = [InterleavedDoc((TextSegment(f"Step {i}."), ImageSegment(p))) for i, p in enumerate(paths)]
    unbounded = encoder.encode(docs, n=2, batch_size=len(docs))

    patch_calls = []
    inner = encoder.backbone.model.model
    original = inner.get_image_features

    def counting(pixel_values, *args, **kwargs):
        patch_calls.append(pixel_values.shape[0])  # rows are ViT patches
        return original(pixel_values, *args, **kwargs)

    monkeypatch.setattr(inner, "get_image_features", counting)
    largest = max(np.prod(encoder.backbone.grid_shape(size)) * 4 for size in sizes)
    monkeypatch.setattr(encoder.backbone, "patch_budget", int(largest))
    bounded = encoder.encode(docs, n=2, batch_size=len(docs))
    assert len(patch_calls) > 1
    assert max(patch_calls) <= largest
    assert sum(patch_calls) == sum(np.prod(encoder.backbone.grid_shape(s)) * 4 for s in sizes)
    assert np.abs(bounded - unbounded).max() <= 1e-5
