"""Picture pre-training of the demo's vision tower: near-miss batches, only the visual path learns."""

from __future__ import annotations

import random

import pytest
from safetensors.torch import load_file

from mme_data.demo_vision import main, pretrain_vision, spec_group


def test_spec_groups_are_near_misses_of_their_first_spec():
    rng = random.Random(0)
    for _ in range(50):
        base, *others = spec_group(rng, 4)
        assert len({base, *others}) == 4
        for other in others:
            differing = [
                f
                for f in ("colour", "shape", "count", "place", "tool")
                if getattr(base, f) != getattr(other, f)
            ]
            assert len(differing) == 1 and differing[0] in ("colour", "shape", "count"), (base, other)


def test_pretraining_moves_the_tower_and_projector_and_nothing_else(tiny_dsvl_dir, tmp_path):
    out = tmp_path / "vision"
    losses = pretrain_vision(tiny_dsvl_dir, out, steps=3, groups=2, group_size=3, ns=(1, 2), progress=False)
    assert len(losses) == 3 and all(loss == loss and loss > 0 for loss in losses)  # finite, positive
    before, after = load_file(tiny_dsvl_dir / "model.safetensors"), load_file(out / "model.safetensors")
    assert before.keys() == after.keys()
    changed = {name for name in before if not before[name].equal(after[name])}
    assert changed and all("vision" in name or "aligner" in name for name in changed), sorted(changed)[:5]
    assert any("aligner" in name for name in changed) and any("vision" in name for name in changed)
    from mme_core import MMEEncoder

    encoder = MMEEncoder.from_pretrained(str(out), device="cpu", dtype="float32")  # a whole checkpoint
    assert encoder.family == "deepseek_vl"


def test_bad_step_count_is_refused_before_loading(tmp_path, capsys):
    with pytest.raises(ValueError, match="steps must be >= 1"):
        pretrain_vision(tmp_path / "no-such-model", tmp_path / "out", steps=0)
    assert main([str(tmp_path / "no-such-model"), str(tmp_path / "out"), "--steps", "0"]) == 2
    assert "steps must be >= 1" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
