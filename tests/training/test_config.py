from __future__ import annotations

import dataclasses
import json
import re

import pytest

from mme_core.training.config import LANGUAGE_ATTENTION_REGEX, TrainConfig

BASE = {"model": "m", "data": "d", "out": "o"}


def test_defaults_follow_the_paper():
    config = TrainConfig(**BASE)
    assert config.strategy == "mean"
    assert config.ns == (1, 2, 3, 4, 6)
    assert config.temperature == 0.05
    assert config.finetune == "lora" and config.lora_r == 16
    assert config.train_projector is False


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        TrainConfig(**BASE).lora_r = 8


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"strategy": "avg"}, "random, mrl, mean"),
        ({"temperature": 0}, "temperature"),
        ({"ns": (0, 2)}, "granularity"),
        ({"finetune": "qlora"}, "lora, full"),
        ({"mixed_precision": "fp8"}, "no, bf16, fp16"),
        ({"batch_size": 0}, "batch_size"),
        ({"num_negatives": -1}, "num_negatives"),
        ({"group_batches": -2}, "group_batches"),
        ({"grad_accum": 1.5}, "grad_accum"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"lora_dropout": 1.0}, "lora_dropout"),
        ({"model": ""}, "model"),
    ],
)
def test_bad_values_are_refused_with_a_message(override, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        TrainConfig(**{**BASE, **override})


def test_from_json_and_yaml_files_with_overrides(tmp_path):
    json_path = tmp_path / "c.json"
    json_path.write_text(json.dumps({**BASE, "strategy": "mrl", "ns": [1, 3], "lora_r": 8}))
    config = TrainConfig.from_file(json_path, lora_r=4)
    assert (config.strategy, config.ns, config.lora_r) == ("mrl", (1, 3), 4)

    yaml_path = tmp_path / "c.yaml"
    yaml_path.write_text("model: m\ndata: d\nout: o\nstrategy: random\nns: [2, 4]\n")
    config = TrainConfig.from_file(yaml_path)
    assert (config.strategy, config.ns) == ("random", (2, 4))
    assert TrainConfig.from_dict(config.to_dict()) == config


def test_bad_config_files(tmp_path):
    with pytest.raises(ValueError, match="not found"):
        TrainConfig.from_file(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        TrainConfig.from_file(bad)
    listy = tmp_path / "list.yaml"
    listy.write_text("- 1\n- 2\n")
    with pytest.raises(ValueError, match="mapping"):
        TrainConfig.from_file(listy)
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps({**BASE, "lr": 1}))
    with pytest.raises(ValueError, match="unknown config option.*lr.*valid options"):
        TrainConfig.from_file(unknown)
    toml = tmp_path / "c.toml"
    toml.write_text("")
    with pytest.raises(ValueError, match=r"\.json, \.yaml or \.yml"):
        TrainConfig.from_file(toml)


def test_regex_matches_language_attention_only():
    pattern = re.compile(LANGUAGE_ATTENTION_REGEX)
    assert pattern.fullmatch("model.language_model.layers.0.self_attn.q_proj")
    assert pattern.fullmatch("base_model.model.model.language_model.layers.11.self_attn.o_proj")
    assert not pattern.fullmatch("model.vision_model.encoder.layers.0.self_attn.q_proj")
    assert not pattern.fullmatch("model.language_model.layers.0.mlp.up_proj")
    assert not pattern.fullmatch("model.language_model.layers.0.self_attn.q_proj.lora_A")


def _lora_targets(model):
    from peft.tuners.lora import LoraLayer

    return sorted(name for name, module in model.named_modules() if isinstance(module, LoraLayer))


@pytest.mark.parametrize("family", ["deepseek_vl", "qwen2_vl", "qwen3_vl"])
def test_lora_targets_only_language_model_attention(family, request):
    import transformers
    from peft import get_peft_model

    cls = {
        "deepseek_vl": transformers.DeepseekVLForConditionalGeneration,
        "qwen2_vl": transformers.Qwen2VLForConditionalGeneration,
        "qwen3_vl": transformers.Qwen3VLForConditionalGeneration,
    }[family]
    fixture = {"deepseek_vl": "tiny_dsvl_dir", "qwen2_vl": "tiny_qwen2vl_dir", "qwen3_vl": "tiny_qwen3vl_dir"}
    path = request.getfixturevalue(fixture[family])
    base = cls.from_pretrained(path)
    layers = base.config.text_config.num_hidden_layers
    model = get_peft_model(base, TrainConfig(**BASE).lora_config(family))
    targets = _lora_targets(model)
    assert len(targets) == layers * 4
    assert all(re.search(r"language_model\.layers\.\d+\.self_attn\.[qkvo]_proj$", t) for t in targets)
    trainable = [name for name, p in model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in name and "language_model" in name for name in trainable)
    assert not any("vision" in name or "visual" in name for name in trainable)


def test_projector_optionally_trainable(tiny_dsvl_dir):
    import transformers
    from peft import get_peft_model

    base = transformers.DeepseekVLForConditionalGeneration.from_pretrained(tiny_dsvl_dir)
    model = get_peft_model(base, TrainConfig(**BASE, train_projector=True).lora_config("deepseek_vl"))
    trainable = [name for name, p in model.named_parameters() if p.requires_grad]
    assert any("aligner" in name for name in trainable)
    assert not any("vision_model" in name for name in trainable)
    with pytest.raises(ValueError, match="deepseek_vl, qwen2_vl, qwen3_vl"):
        TrainConfig(**BASE).lora_config("llava")
