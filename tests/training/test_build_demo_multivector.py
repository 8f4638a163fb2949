"""A multi-vector head trained alone on a frozen model: the model's weights and single vectors stay
exactly as they were; the head step reads its data recipe from the model's report and refuses to
overwrite a head."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from mme_core import ImageSegment, InterleavedDoc, MMEEncoder, TextSegment
from mme_core.multivector import META_TOKENS_FILE
from mme_core.training import TrainConfig
from mme_core.training.loop import train
from mme_data.build_demo_multivector import HEAD_REPORT, HeadRecipe, build_head, main


def sample_docs(image_factory) -> list[InterleavedDoc]:
    return [
        InterleavedDoc([TextSegment("fold the paper"), ImageSegment(image_factory("red", "circle"))]),
        InterleavedDoc([ImageSegment(image_factory("blue", "square")), TextSegment("glue the lid")]),
    ]


def test_head_only_needs_meta_tokens(tmp_path):
    with pytest.raises(ValueError, match="finetune 'head' trains only the meta tokens"):
        TrainConfig(model="m", data="d", out=str(tmp_path), finetune="head")


def test_head_only_training_moves_the_meta_tokens_and_nothing_else(
    mini_tiir, tiny_dsvl_dir, tiny_dsvl, tmp_path, image_factory
):
    config = TrainConfig(
        model=str(tiny_dsvl_dir), data=str(mini_tiir), out=str(tmp_path / "run"), strategy="random",
        ns=(1, 2), finetune="head", meta_tokens=(2, 4), budgets=(1, 2, 4), batch_size=8, num_negatives=1,
        learning_rate=5e-2, max_steps=4, warmup_steps=0, seed=0,
    )  # fmt: skip
    result = train(config, progress=False)
    before = load_file(tiny_dsvl_dir / "model.safetensors")
    after = load_file(result.final_dir / "model.safetensors")
    assert before.keys() == after.keys()
    changed = [name for name in before if not torch.equal(before[name], after[name])]
    assert changed == []
    trained = MMEEncoder.from_pretrained(str(result.final_dir), device="cpu", dtype="float32")
    assert trained.meta_tokens == (2, 4) and trained.budgets == (1, 2, 4)
    docs = sample_docs(image_factory)
    np.testing.assert_array_equal(trained.encode(docs, n=2), tiny_dsvl.encode(docs, n=2))
    # the trained head differs from the seeded starting head (the same seed, zero steps)
    start = MMEEncoder.from_pretrained(str(tiny_dsvl_dir), device="cpu", dtype="float32")
    from mme_core.training.model_setup import meta_head_for

    initial = meta_head_for(start, config)
    assert not torch.allclose(initial.document.detach(), trained.meta_head.document)


def demo_like_model(tiny_dsvl_dir, tmp_path):
    """A copy of the tiny model with the report `mme_data.build_demo` writes (its data recipe)."""
    model = tmp_path / "model"
    shutil.copytree(tiny_dsvl_dir, model)
    recipe = {"seed": 3, "train_triples": 16, "test_docs": 12, "test_queries": 4, "ns": [1, 2],
              "batch_size": 4, "num_negatives": 1}  # fmt: skip
    (model / "training_report.json").write_text(json.dumps({"recipe": recipe}))
    return model


def test_build_head_trains_reports_and_installs_beside_the_model(
    tiny_dsvl_dir, tiny_dsvl, tmp_path, image_factory
):
    model = demo_like_model(tiny_dsvl_dir, tmp_path)
    recipe = HeadRecipe(meta_tokens=(2, 4), budgets=(1, 2, 4), max_steps=2, warmup_steps=0)
    report = build_head(model, recipe, work=tmp_path / "work", progress=False)
    assert (model / META_TOKENS_FILE).is_file()
    saved = json.loads((model / HEAD_REPORT).read_text())
    assert saved["MRR@10"] == report["MRR@10"]
    assert set(saved["MRR@10"]["single"]) == {"1", "2"}
    assert set(saved["MRR@10"]["multi"]["2"]) == {"1", "2", "4"}
    assert saved["train_config"]["finetune"] == "head" and saved["train_config"]["seed"] == 3
    assert saved["test_split"] == {"test_docs": 12, "test_queries": 4, "seed": 3}
    encoder = MMEEncoder.from_pretrained(str(model), device="cpu", dtype="float32")
    assert encoder.multi_vector and encoder.meta_tokens == (2, 4)
    docs = sample_docs(image_factory)
    np.testing.assert_array_equal(encoder.encode(docs, n=1), tiny_dsvl.encode(docs, n=1))
    assert encoder.encode_multi(docs, n=1).shape == (2, 4, encoder.dim)
    with pytest.raises(ValueError, match=f"already has {META_TOKENS_FILE}"):
        build_head(model, recipe, work=tmp_path / "again", progress=False)


def test_cli_names_a_folder_without_a_report_and_bad_counts(tiny_dsvl_dir, capsys):
    assert main(["--model", str(tiny_dsvl_dir), "--pilot"]) == 2
    assert "has no training_report.json" in capsys.readouterr().err
    assert main(["--model", str(tiny_dsvl_dir), "--meta-tokens", "0,4"]) == 2
    assert "meta tokens must be two counts" in capsys.readouterr().err
