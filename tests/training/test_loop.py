from __future__ import annotations

import json

import numpy as np
import pytest

from mme_core import InterleavedDoc, MMEEncoder
from mme_core.training import TrainConfig
from mme_core.training.loop import train
from mme_core.training.retrieval_check import retrieval_metrics


def mrr_at_10(encoder: MMEEncoder, root, n: int) -> float:
    return retrieval_metrics(encoder, root, ns=(n,), metrics=("MRR@10",))[n]["MRR@10"]


def test_short_run_lowers_loss_and_raises_mrr(mini_tiir, tiny_dsvl_dir, tmp_path):
    untrained = MMEEncoder.from_pretrained(str(tiny_dsvl_dir), device="cpu", dtype="float32")
    before = mrr_at_10(untrained, mini_tiir, n=2)
    config = TrainConfig(
        model=str(tiny_dsvl_dir), data=str(mini_tiir), out=str(tmp_path / "run"), strategy="mean", ns=(1, 2),
        batch_size=8, num_negatives=1, learning_rate=3e-3, max_steps=8, warmup_steps=1, seed=0,
    )  # fmt: skip
    result = train(config, progress=False)
    assert result.steps == 8 and len(result.losses) == 8
    assert np.mean(result.losses[-3:]) < np.mean(result.losses[:3]) - 0.2
    rows = [json.loads(line) for line in result.log_path.read_text().splitlines()]
    assert [r["step"] for r in rows] == list(range(1, 9))
    assert set(rows[0]["pairs"]) == {"1/1", "1/2", "2/1", "2/2"}
    trained = MMEEncoder.from_pretrained(
        str(tiny_dsvl_dir), adapter=str(result.final_dir), device="cpu", dtype="float32"
    )
    after = mrr_at_10(trained, mini_tiir, n=2)
    print(f"MRR@10 untrained {before:.3f} trained {after:.3f}; losses {result.losses}")
    assert after > before + 0.1, (before, after)


def test_full_finetune_checkpoints_resume_exactly_and_save_a_loadable_model(
    mini_tiir, tiny_dsvl_dir, tmp_path
):
    from safetensors.torch import load_file

    base = dict(
        model=str(tiny_dsvl_dir), data=str(mini_tiir), strategy="random", ns=(1, 2), finetune="full",
        batch_size=6, num_negatives=1, learning_rate=1e-3, max_steps=4, seed=1,
    )  # fmt: skip
    whole = train(TrainConfig(**base, out=str(tmp_path / "whole"), save_every=2), progress=False)
    checkpoint = tmp_path / "whole" / "checkpoint-000002"
    assert (checkpoint / "trainer_state.json").is_file() and (checkpoint / "config.json").is_file()
    assert not list((tmp_path / "whole").glob("*.partial"))

    resumed = train(
        TrainConfig(**base, out=str(tmp_path / "resumed")), resume=str(checkpoint), progress=False
    )
    assert len(resumed.losses) == 2  # steps 3 and 4 only
    assert resumed.losses == pytest.approx(whole.losses[2:], rel=1e-5)
    assert resumed.log_path.read_text().splitlines()[0].startswith('{"step": 3')

    # the final directory is a self-contained checkpoint; the vision tower stayed frozen
    assert whole.final_dir.name == "model"
    encoder = MMEEncoder.from_pretrained(str(whole.final_dir), device="cpu", dtype="float32")
    doc = InterleavedDoc.from_data(["Step 1. fold the paper", "d00.png"], root=mini_tiir)
    assert encoder.encode([doc], n=2).shape == (1, encoder.dim)
    before = load_file(tiny_dsvl_dir / "model.safetensors")
    after = load_file(whole.final_dir / "model.safetensors")
    vision = [k for k in before if "vision_model" in k]
    language = [k for k in before if "language_model.layers" in k]
    assert vision and all((before[k] == after[k]).all() for k in vision)
    assert any((before[k] != after[k]).any() for k in language)


def test_resume_refuses_a_checkpoint_of_another_kind_of_run(mini_tiir, tiny_dsvl_dir, tmp_path):
    base = dict(
        model=str(tiny_dsvl_dir), data=str(mini_tiir), ns=(1,), batch_size=4, max_steps=2, save_every=1
    )
    train(TrainConfig(**base, out=str(tmp_path / "a"), finetune="full"), progress=False)
    with pytest.raises(ValueError, match="finetune='full'"):
        train(TrainConfig(**base, out=str(tmp_path / "a"), finetune="lora"), resume="auto", progress=False)
    with pytest.raises(ValueError, match="not a training checkpoint"):
        train(TrainConfig(**base, out=str(tmp_path / "b")), resume=str(tmp_path), progress=False)


def test_bad_data_fails_before_the_model_loads(tmp_path, tiny_dsvl_dir):
    data = tmp_path / "train.jsonl"
    data.write_text('{"query": ["a"], "pos": ["b"]}\n')
    config = TrainConfig(model=str(tiny_dsvl_dir), data=str(data), out=str(tmp_path / "o"), num_negatives=1)
    with pytest.raises(ValueError, match="0 hard negatives but 1 are needed"):
        train(config, progress=False)
    config = TrainConfig(model=str(tiny_dsvl_dir), data=str(data), out=str(tmp_path / "o"), num_negatives=0)
    with pytest.raises(ValueError, match="at least 2 training triples"):
        train(config, progress=False)
    assert not (tmp_path / "o").exists()


def run_two_steps(mini_tiir, tiny_dsvl_dir, out, **options):
    config = TrainConfig(
        model=str(tiny_dsvl_dir), data=str(mini_tiir), out=str(out), strategy="mrl", ns=(1, 2),
        batch_size=4, grad_accum=2, max_steps=2, **options,
    )  # fmt: skip
    result = train(config, progress=False)
    assert result.steps == 2 and all(np.isfinite(result.losses))
    return result


def test_gradient_checkpointing_accumulation_and_projector(mini_tiir, tiny_dsvl_dir, tmp_path):
    from safetensors.torch import load_file

    result = run_two_steps(
        mini_tiir, tiny_dsvl_dir, tmp_path, gradient_checkpointing=True, train_projector=True
    )
    saved = load_file(result.final_dir / "adapter_model.safetensors")
    assert any("aligner" in key for key in saved) and any("lora_A" in key for key in saved)


@pytest.mark.slow
def test_bf16_autocast_runs(mini_tiir, tiny_dsvl_dir, tmp_path):  # emulated bf16 is slow on most CPUs
    run_two_steps(mini_tiir, tiny_dsvl_dir, tmp_path, mixed_precision="bf16")


def test_fp16_on_a_cpu_is_refused_before_the_model_loads(mini_tiir, tmp_path):
    # accelerate has no fp16 autocast or grad scaler on a CPU and would quietly train in fp32
    config = TrainConfig(
        model=str(tmp_path / "no-such-model"), data=str(mini_tiir), out=str(tmp_path / "o"),
        mixed_precision="fp16", cpu=True,
    )  # fmt: skip
    with pytest.raises(ValueError, match="'fp16' needs a CUDA device; use 'bf16'"):
        train(config, progress=False)
    assert not (tmp_path / "o").exists()


def test_runs_with_different_mixed_precision_in_one_process(mini_tiir, tiny_dsvl_dir, tmp_path):
    # accelerate's process-wide state would refuse the second Accelerator without the reset
    base = dict(model=str(tiny_dsvl_dir), data=str(mini_tiir), ns=(1,), batch_size=2, max_steps=1)
    train(TrainConfig(**base, out=str(tmp_path / "a")), progress=False)
    assert (
        train(TrainConfig(**base, out=str(tmp_path / "b"), mixed_precision="bf16"), progress=False).steps == 1
    )
