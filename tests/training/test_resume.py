"""Exact resume: 4 steps straight == 2 steps, checkpoint, resume, 2 steps (LoRA with dropout on)."""

from __future__ import annotations

import json
import shutil

import pytest
import torch
from safetensors.torch import load_file

from mme_core.training import TrainConfig
from mme_core.training.checkpoints import RNG_FILE
from mme_core.training.loop import train, truncate_log


def lora_config(mini_tiir, tiny_dsvl_dir, out, **options) -> TrainConfig:
    values = dict(
        model=str(tiny_dsvl_dir), data=str(mini_tiir), out=str(out), strategy="random", ns=(1, 2),
        finetune="lora", lora_dropout=0.3, batch_size=4, num_negatives=1, learning_rate=5e-3,
        max_steps=4, save_every=2, seed=3,
    )  # fmt: skip
    return TrainConfig(**{**values, **options})


def adapter(run_dir) -> dict[str, torch.Tensor]:
    return load_file(run_dir / "adapter" / "adapter_model.safetensors")


def log_steps(run_dir) -> list[int]:
    return [json.loads(line)["step"] for line in (run_dir / "loss_log.jsonl").read_text().splitlines()]


def straight_then_resumed(mini_tiir, tiny_dsvl_dir, tmp_path, **options):
    out = tmp_path / "run"
    config = lora_config(mini_tiir, tiny_dsvl_dir, out, **options)
    straight = train(config, progress=False)
    straight_weights = adapter(out)
    checkpoint = out / "checkpoint-000002"
    # resume into the same folder, as after a crash: the log already holds steps 1-4
    resumed = train(config, resume=str(checkpoint), progress=False)
    assert log_steps(out) == [1, 2, 3, 4]  # steps 3-4 replaced, not appended twice
    return straight, straight_weights, resumed, adapter(out), checkpoint


def test_lora_with_dropout_resumes_exactly_in_fp32(mini_tiir, tiny_dsvl_dir, tmp_path):
    straight, straight_weights, resumed, resumed_weights, checkpoint = straight_then_resumed(
        mini_tiir, tiny_dsvl_dir, tmp_path
    )
    assert len(straight.losses) == 4 and len(resumed.losses) == 2
    assert resumed.losses == straight.losses[2:]  # bit-identical
    assert straight_weights.keys() == resumed_weights.keys()
    assert all(torch.equal(straight_weights[k], resumed_weights[k]) for k in straight_weights)

    # Control: the same checkpoint with another torch RNG state drops other units, so the exact
    # match above really rests on the restored RNG (dropout is on and draws from it).
    altered = tmp_path / "altered"
    shutil.copytree(checkpoint, altered)
    states = torch.load(altered / RNG_FILE, weights_only=False)
    states["torch_manual_seed"] = torch.Generator().manual_seed(12345).get_state()
    torch.save(states, altered / RNG_FILE)
    other = train(
        lora_config(mini_tiir, tiny_dsvl_dir, tmp_path / "other"), resume=str(altered), progress=False
    )
    assert other.losses[0] != straight.losses[2]


@pytest.mark.slow
def test_lora_with_dropout_resumes_within_bf16_tolerance(mini_tiir, tiny_dsvl_dir, tmp_path):
    straight, straight_weights, resumed, resumed_weights, _ = straight_then_resumed(
        mini_tiir, tiny_dsvl_dir, tmp_path, mixed_precision="bf16"
    )
    assert resumed.losses == pytest.approx(straight.losses[2:], rel=1e-2)  # bf16: 8 mantissa bits
    for key, value in straight_weights.items():
        torch.testing.assert_close(resumed_weights[key], value, rtol=1e-2, atol=1e-3)


def test_resume_refuses_checkpoints_it_cannot_continue_exactly(mini_tiir, tiny_dsvl_dir, tmp_path):
    config = lora_config(mini_tiir, tiny_dsvl_dir, tmp_path / "run", max_steps=2, save_every=1)
    train(config, progress=False)
    checkpoint = tmp_path / "run" / "checkpoint-000001"
    (checkpoint / RNG_FILE).unlink()
    with pytest.raises(ValueError, match=f"checkpoint-000001 holds no {RNG_FILE}"):
        train(config, resume=str(checkpoint), progress=False)
    (checkpoint / "trainer_state.json").rename(checkpoint / "trainer_state.pt")
    with pytest.raises(ValueError, match="older trainer without RNG states"):
        train(config, resume=str(checkpoint), progress=False)
    (checkpoint / "trainer_state.pt").rename(checkpoint / "trainer_state.json")
    (checkpoint / "trainer_state.json").write_text("{not json")
    with pytest.raises(ValueError, match="trainer_state.json is damaged"):
        train(config, resume=str(checkpoint), progress=False)


def test_truncate_log_keeps_rows_up_to_the_checkpoint(tmp_path):
    log = tmp_path / "loss_log.jsonl"
    rows = [json.dumps({"step": step, "loss": 1.0 / step}) for step in (1, 2, 3, 4)]
    log.write_text("\n".join(rows) + '\n{"step": 5, "lo')  # the last line cut by a crash
    truncate_log(log, 2)
    assert [json.loads(line)["step"] for line in log.read_text().splitlines()] == [1, 2]
    truncate_log(log, 0)  # a fresh run starts a fresh log
    assert not log.exists()
