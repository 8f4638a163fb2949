"""Frozen visual features: computed once per distinct image of a run, equal to a recomputation."""

from __future__ import annotations

import json

import pytest
import torch
from PIL import Image

from mme_core import MMEEncoder
from mme_core.pooling import pool_grids
from mme_core.training import TrainConfig
from mme_core.training.loop import train
from mme_core.training.model_setup import make_trainable
from mme_core.training.visual_cache import VisualFeatureCache

DISTINCT_IMAGES = 48  # mini_tiir: 24 document pictures + 24 query pictures


@pytest.fixture
def tower_images():
    """Counts images through every vision-tower forward (a process-wide hook, removed after)."""
    counted = []

    def hook(module, args, kwargs, output):
        if type(module).__name__.endswith("VisionModel"):  # SigLIP's, inside DeepSeek-VL
            pixels = args[0] if args else kwargs.get("pixel_values")
            counted.append(int(pixels.shape[0]))

    handle = torch.nn.modules.module.register_module_forward_hook(hook, with_kwargs=True)
    yield counted
    handle.remove()


@pytest.mark.parametrize(
    ("finetune", "cache_mb", "expected"),
    [
        ("lora", 2048, "once"),  # tower + projector frozen: pooled grids kept
        ("full", 2048, "once"),  # projector trains: tower outputs kept, aligner re-run
        ("lora", 0, "again"),  # cache off: the old behaviour, for contrast
    ],
)
def test_each_distinct_image_goes_through_the_tower_once_per_run(
    finetune, cache_mb, expected, mini_tiir, tiny_dsvl_dir, tmp_path, tower_images
):
    config = TrainConfig(
        model=str(tiny_dsvl_dir), data=str(mini_tiir), out=str(tmp_path / "run"), strategy="mrl", ns=(1, 2),
        finetune=finetune, batch_size=8, num_negatives=1, max_steps=4,
        feature_cache_mb=cache_mb,
    )  # fmt: skip
    result = train(config, progress=False)  # 4 steps: one epoch over the 24 triples, and a batch more
    assert result.steps == 4
    if expected == "once":
        assert sum(tower_images) == DISTINCT_IMAGES
    else:  # negatives that are other batches' positives, and the second epoch's first batch
        assert sum(tower_images) > DISTINCT_IMAGES + 16
    rows = [json.loads(line) for line in result.log_path.read_text().splitlines()]
    assert all(torch.isfinite(torch.tensor(row["loss"])) for row in rows)


@pytest.mark.parametrize(
    ("finetune", "train_projector", "mode"),
    [("lora", False, "pooled"), ("lora", True, "tower"), ("full", False, "tower")],
)
def test_cached_features_equal_a_fresh_computation(finetune, train_projector, mode, mini_tiir, tiny_dsvl_dir):
    encoder = MMEEncoder.from_pretrained(str(tiny_dsvl_dir), device="cpu", dtype="float32")
    config = TrainConfig(
        model="m", data="d", out="o", finetune=finetune, train_projector=train_projector, ns=(1, 2, "full")
    )
    trainable = make_trainable(encoder, config)
    trainable.module.train()
    cache = VisualFeatureCache(trainable, config.ns, max_bytes=2**30)
    assert cache.mode == mode
    paths = [str(mini_tiir / f"d0{i}.png") for i in range(4)]
    first = cache.pooled_grids(paths[:3], config.ns)
    again = cache.pooled_grids(paths[1:], config.ns)  # two from the cache, one fresh
    with torch.no_grad():
        grids = encoder.visual_grids([Image.open(p).convert("RGB") for p in paths])
    for n in config.ns:
        reference = dict(zip(paths, pool_grids(grids, n), strict=True))
        for got in (first[n], again[n]):
            for path, grid in got.items():
                torch.testing.assert_close(grid, reference[path], rtol=0, atol=1e-6)
    if mode == "tower":  # the projector still learns through the cached tower outputs
        assert again[2][paths[1]].requires_grad


def test_cache_memory_is_bounded(mini_tiir, tiny_dsvl_dir):
    encoder = MMEEncoder.from_pretrained(str(tiny_dsvl_dir), device="cpu", dtype="float32")
    trainable = make_trainable(encoder, TrainConfig(model="m", data="d", out="o", ns=(1, 2)))
    one_image = (1 + 4) * encoder.dim * 4  # N=1 and N=2 grids, fp32
    cache = VisualFeatureCache(trainable, (1, 2), max_bytes=2 * one_image)
    paths = [str(mini_tiir / f"d0{i}.png") for i in range(4)]
    result = cache.pooled_grids(paths, (1, 2))
    assert cache.bytes_held == 2 * one_image and len(result[2]) == 4  # all served, two kept


def test_full_finetuning_with_a_frozen_projector_keeps_pooled_grids(tiny_dsvl_dir):
    encoder = MMEEncoder.from_pretrained(str(tiny_dsvl_dir), device="cpu", dtype="float32")
    config = TrainConfig(model="m", data="d", out="o", finetune="full", freeze_projector=True, ns=(1, 2))
    trainable = make_trainable(encoder, config)
    assert VisualFeatureCache(trainable, config.ns, max_bytes=2**30).mode == "pooled"
    trained = [name for name, p in encoder.backbone.model.named_parameters() if p.requires_grad]
    assert trained and not any("aligner" in name or "vision_model" in name for name in trained)
    with pytest.raises(ValueError, match="freeze_projector needs finetune='full'"):
        TrainConfig(model="m", data="d", out="o", finetune="lora", freeze_projector=True)
