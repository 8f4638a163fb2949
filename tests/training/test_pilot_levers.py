"""The issue-13 pilot levers: a curriculum over N and a visual path that keeps learning at its own rate.

Both are off by default; each test shows the knob changes what is trained, and only when asked.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from mme_core.training import TrainConfig
from mme_core.training.loop import train
from mme_core.training.strategies import Curriculum, MeanStrategy, make_strategy

NS = (1, 2, 3, 4, 6)


def test_curriculum_plans_the_stated_ns_before_the_switch_and_all_ns_after():
    strategy = make_strategy("mean", NS, 0, curriculum_ns=(1, 2, 3), curriculum_steps=300)
    assert isinstance(strategy, Curriculum)
    assert strategy.plan(0).query_ns == strategy.plan(299).doc_ns == (1, 2, 3)
    assert strategy.plan(300).query_ns == strategy.plan(999).doc_ns == NS
    assert len(strategy.plan(299).pairs) == 9 and len(strategy.plan(300).pairs) == 25
    assert isinstance(make_strategy("mean", NS, 0), MeanStrategy)  # no curriculum unless asked


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"curriculum_ns": (1, 8), "curriculum_steps": 3}, "curriculum_ns [8] are not among ns"),
        ({"curriculum_ns": (1,)}, "needs curriculum_ns and curriculum_steps"),
        ({"curriculum_steps": 10}, "needs curriculum_ns and curriculum_steps"),
        ({"curriculum_ns": (1,), "curriculum_steps": -1}, "curriculum_steps must be an int >= 0"),
        ({"vision_learning_rate": -1e-4}, "vision_learning_rate must be >= 0"),
    ],
)
def test_bad_lever_values_are_refused(override, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        TrainConfig(model="m", data="d", out="o", **override)


def test_the_training_log_shows_the_curriculum_ns_per_step(mini_tiir, tiny_dsvl_dir, tmp_path):
    config = TrainConfig(
        model=str(tiny_dsvl_dir), data=str(mini_tiir), out=str(tmp_path / "run"), strategy="mean",
        ns=(1, 2), curriculum_ns=(1,), curriculum_steps=2, finetune="full", batch_size=4,
        num_negatives=1, max_steps=4, log_every=1,
    )  # fmt: skip
    result = train(config, progress=False)
    rows = [json.loads(line) for line in result.log_path.read_text().splitlines()]
    assert [sorted(row["pairs"]) for row in rows] == [["1/1"]] * 2 + [["1/1", "1/2", "2/1", "2/2"]] * 2


def visual_and_language_change(tiny_dsvl_dir, run_dir) -> tuple[float, float, float]:
    """Largest absolute weight change of the tower, the projector and the language layers."""
    from safetensors.torch import load_file

    before = load_file(tiny_dsvl_dir / "model.safetensors")
    after = load_file(run_dir / "model" / "model.safetensors")

    def change(part: str) -> float:
        return max(float((before[k] - after[k]).abs().max()) for k in before if part in k)

    return change("vision_model"), change("aligner"), change("language_model.layers")


def test_the_visual_path_learns_only_when_asked_and_at_its_own_rate(mini_tiir, tiny_dsvl_dir, tmp_path):
    base = dict(
        model=str(tiny_dsvl_dir), data=str(mini_tiir), strategy="mrl", ns=(1, 2), finetune="full",
        batch_size=4, num_negatives=1, learning_rate=1e-3, max_steps=2, seed=0,
    )  # fmt: skip
    frozen = TrainConfig(**base, out=str(tmp_path / "frozen"), freeze_projector=True)
    train(frozen, progress=False)
    tower, projector, language = visual_and_language_change(tiny_dsvl_dir, tmp_path / "frozen")
    assert tower == projector == 0 and language > 1e-4

    vision = dict(freeze_vision=False, vision_learning_rate=1e-3)
    learning = TrainConfig(**base, out=str(tmp_path / "vision"), **vision)
    train(learning, progress=False)
    tower, projector, language = visual_and_language_change(tiny_dsvl_dir, tmp_path / "vision")
    assert tower > 1e-4 and projector > 1e-4 and language > 1e-4

    # Adam moves each weight by about its rate per step, whatever the gradient's scale
    slow = replace(learning, out=str(tmp_path / "slow"), vision_learning_rate=1e-7)
    train(slow, progress=False)
    tower, projector, language = visual_and_language_change(tiny_dsvl_dir, tmp_path / "slow")
    assert 0 < tower < 1e-5 and 0 < projector < 1e-5 and language > 1e-4


def test_build_demo_flags_reach_the_training_config(tmp_path, capsys):
    from mme_data import build_demo as build

    recipe = replace(
        build.DemoRecipe(), train_vision=True, freeze_projector=False, vision_learning_rate=1e-4,
        curriculum_ns=(1, 2, 3), curriculum_steps=300,
    )  # fmt: skip
    config = build.train_config(tmp_path, tmp_path, tmp_path, recipe)
    assert not config.freeze_vision and config.vision_learning_rate == 1e-4
    assert config.curriculum_ns == (1, 2, 3) and config.curriculum_steps == 300
    default = build.train_config(tmp_path, tmp_path, tmp_path, build.DemoRecipe())
    assert default.vision_learning_rate == 0 and default.curriculum_steps == 0 and default.freeze_vision
    with pytest.raises(SystemExit):
        build.main(["--pilot", "--curriculum-ns", "1,x", "--out", "/nonexistent/never"])
    assert "1,x" in capsys.readouterr().err


def test_the_vision_tune_stage_trains_the_visual_path_at_its_rate_after_the_retrieval_training(tmp_path):
    from mme_data import build_demo as build

    recipe = replace(build.DemoRecipe(), vision_tune_steps=250, vision_learning_rate=1e-4)
    config = build.vision_tune_config(tmp_path / "trained", tmp_path, tmp_path / "run-vision", recipe)
    assert config.model == str(tmp_path / "trained") and config.max_steps == 250
    assert not config.freeze_vision and not config.freeze_projector
    assert config.vision_learning_rate == 1e-4 and config.learning_rate == 3e-4
    assert build.DemoRecipe().vision_tune_steps == 0  # off by default
    with pytest.raises(ValueError, match="vision_tune_steps needs a vision_learning_rate"):
        build.DemoRecipe(vision_tune_steps=10)


def test_the_training_command_line_takes_the_levers():
    from mme_core.training.cli import build_parser, config_from_args

    argv = ["--model", "m", "--data", "d", "--out", "o", "--curriculum-ns", "1,2,3"]
    argv += ["--curriculum-steps", "300", "--vision-learning-rate", "1e-4"]
    config = config_from_args(build_parser().parse_args(argv))
    assert config.curriculum_ns == (1, 2, 3) and config.curriculum_steps == 300
    assert config.vision_learning_rate == 1e-4


@pytest.mark.slow  # a micro build: ~1 min
def test_a_build_with_the_vision_tune_stage_moves_the_tower_and_reports_both_stages(tmp_path):
    from safetensors.torch import load_file

    from mme_data.build_demo import build_demo
    from tests.training.test_build_demo import MICRO

    recipe = replace(MICRO, vision_tune_steps=2, vision_learning_rate=1e-3)
    report = build_demo(tmp_path / "demo", recipe, work=tmp_path / "work", write=False, progress=False)
    assert len(report["loss_curve"]) == 4  # 2 retrieval steps + 2 tuning steps, one point each
    first = load_file(tmp_path / "work" / "run" / "model" / "model.safetensors")
    tuned = load_file(tmp_path / "work" / "run-vision" / "model" / "model.safetensors")
    assert any((first[k] != tuned[k]).any() for k in first if "vision_model" in k)
