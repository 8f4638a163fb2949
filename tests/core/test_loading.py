from __future__ import annotations

import time

import numpy as np
import pytest
from peft import LoraConfig, get_peft_model

from mme_core import ImageSegment, InterleavedDoc, MMEEncoder, ModelNotAvailableError, TextSegment
from mme_data.tiny import build_tiny

LM_ATTENTION = r".*language_model.*\.(q_proj|k_proj|v_proj|o_proj)"


@pytest.fixture
def doc(image_factory):
    return InterleavedDoc((TextSegment("Tighten the screws."), ImageSegment(image_factory("red"))))


@pytest.mark.parametrize("family", ["deepseek_vl", "qwen2_vl", "qwen3_vl"])
def test_saved_checkpoint_reloads_to_the_same_embeddings(family, tmp_path, doc):
    path = build_tiny(family, tmp_path / family, seed=3)
    first = MMEEncoder.from_pretrained(str(path), device="cpu", dtype="float32")
    first.backbone.model.save_pretrained(tmp_path / "resaved")
    first.backbone.tokenizer.save_pretrained(tmp_path / "resaved")
    first.backbone.image_processor.save_pretrained(tmp_path / "resaved")
    second = MMEEncoder.from_pretrained(str(tmp_path / "resaved"), device="cpu", dtype="float32")
    assert first.family == second.family == family
    assert first.fingerprint == second.fingerprint
    assert np.array_equal(first.encode([doc], n=2), second.encode([doc], n=2))


def test_lora_adapter_loads_on_top_and_changes_embeddings(tiny_dsvl_dir, tmp_path, doc):
    base = MMEEncoder.from_pretrained(str(tiny_dsvl_dir), device="cpu", dtype="float32")
    config = LoraConfig(r=4, lora_alpha=8, target_modules=LM_ATTENTION, init_lora_weights=False)
    peft_model = get_peft_model(base.backbone.model, config)
    targeted = [name for name, _ in peft_model.named_modules() if name.endswith("lora_A")]
    assert targeted and all("language_model" in name for name in targeted)  # the vision tower is untouched
    peft_model.save_pretrained(tmp_path / "adapter")

    plain = MMEEncoder.from_pretrained(str(tiny_dsvl_dir), device="cpu", dtype="float32")
    adapted = MMEEncoder.from_pretrained(
        str(tiny_dsvl_dir), adapter=str(tmp_path / "adapter"), device="cpu", dtype="float32"
    )
    assert adapted.adapter == str(tmp_path / "adapter")
    assert adapted.fingerprint != plain.fingerprint
    assert not np.allclose(plain.encode([doc], n=3), adapted.encode([doc], n=3), atol=1e-4)


def test_unknown_model_fails_fast_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.monotonic()
    with pytest.raises(ModelNotAvailableError, match="someone/no-such-model"):
        MMEEncoder.from_pretrained("someone/no-such-model")
    assert time.monotonic() - start < 5


def test_unknown_model_fails_fast_when_hub_unreachable(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens on the discard port
    start = time.monotonic()
    with pytest.raises(ModelNotAvailableError, match="someone/no-such-model.*unreachable"):
        MMEEncoder.from_pretrained("someone/no-such-model")
    assert time.monotonic() - start < 5


def test_bad_model_arguments(tmp_path, tiny_dsvl_dir):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotAvailableError, match="no config.json"):
        MMEEncoder.from_pretrained(str(tmp_path / "empty"))
    with pytest.raises(ModelNotAvailableError, match="neither an existing directory nor a hub id"):
        MMEEncoder.from_pretrained(str(tmp_path / "missing" / "dir"))
    with pytest.raises(ValueError, match="unknown dtype 'float8'"):
        MMEEncoder.from_pretrained(str(tiny_dsvl_dir), dtype="float8")
    with pytest.raises(ValueError, match="CUDA is not available"):
        MMEEncoder.from_pretrained(str(tiny_dsvl_dir), device="cuda")


def test_an_untied_lm_head_is_freed_and_the_vectors_do_not_change(tiny_qwen3vl_dir, tmp_path, doc):
    """Embeddings are hidden states: an untied vocabulary head is dead weight (1.2 GB on Qwen3-VL-8B)."""
    from transformers import AutoImageProcessor, AutoModelForImageTextToText, AutoTokenizer

    from mme_core.backbones import Qwen3VLBackbone

    stock = AutoModelForImageTextToText.from_pretrained(str(tiny_qwen3vl_dir), dtype="float32").eval()
    vocab, hidden = stock.lm_head.weight.shape
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_qwen3vl_dir), padding_side="left")
    processor = AutoImageProcessor.from_pretrained(str(tiny_qwen3vl_dir))
    with_head = MMEEncoder(Qwen3VLBackbone(stock, tokenizer, processor), model_id="stock")

    loaded = MMEEncoder.from_pretrained(str(tiny_qwen3vl_dir), device="cpu", dtype="float32")
    model = loaded.backbone.model
    assert not any(name.startswith("lm_head") for name, _ in model.named_parameters())
    assert sum(p.numel() for p in stock.parameters()) - sum(p.numel() for p in model.parameters()) == (
        vocab * hidden
    )
    assert np.array_equal(loaded.encode([doc], n=2), with_head.encode([doc], n=2))

    plain = loaded.encode([doc], n=2)
    config = LoraConfig(r=4, lora_alpha=8, target_modules=LM_ATTENTION, init_lora_weights=False)
    get_peft_model(model, config).save_pretrained(tmp_path / "adapter")  # an adapter still fits the model
    adapted = MMEEncoder.from_pretrained(
        str(tiny_qwen3vl_dir), adapter=str(tmp_path / "adapter"), device="cpu", dtype="float32"
    )
    assert not np.allclose(adapted.encode([doc], n=2), plain, atol=1e-4)
