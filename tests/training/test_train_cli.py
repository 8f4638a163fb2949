from __future__ import annotations

import json

import pytest

from mme_core.training.cli import build_parser, config_from_args, main


def parse(*argv):
    return config_from_args(build_parser().parse_args(list(argv)))


def test_flags_build_a_config():
    config = parse("--model", "m", "--data", "d", "--out", "o", "--strategy", "mrl", "--ns", "1,3,full",
                   "--lr", "0.01", "--train-projector", "--batch-size", "4")  # fmt: skip
    assert (config.strategy, config.ns, config.learning_rate) == ("mrl", (1, 3, "full"), 0.01)
    assert config.train_projector is True and config.batch_size == 4
    assert parse("--model", "m", "--data", "d", "--out", "o").strategy == "mean"


def test_flags_override_a_config_file(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("model: m\ndata: d\nout: o\nstrategy: random\nbatch_size: 16\n")
    config = parse("--config", str(path), "--batch-size", "2", "--no-freeze-vision")
    assert (config.strategy, config.batch_size, config.freeze_vision) == ("random", 2, False)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--data", "d", "--out", "o"], "missing --model"),
        (["--model", "m", "--data", "d", "--out", "o", "--ns", "1,two"], "unsupported granularity N='two'"),
        (
            ["--model", "m", "--data", "d", "--out", "o", "--strategy", "best"],
            "valid strategies are random, mrl, mean",
        ),
        (["--model", "m", "--data", "d", "--out", "o", "--temperature", "0"], "temperature must be > 0"),
        (["--config", "nope.json"], "config file not found"),
    ],
)
def test_bad_options_exit_2_with_a_message(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_bad_data_exits_2_and_writes_nothing(tmp_path, capsys):
    data = tmp_path / "train.jsonl"
    data.write_text("{broken\n")
    out = tmp_path / "out"
    assert main(["--model", "m", "--data", str(data), "--out", str(out)]) == 2
    assert "train.jsonl:1: not valid JSON" in capsys.readouterr().err
    assert not out.exists()


def test_cli_trains_and_reports(mini_tiir, tiny_dsvl_dir, tmp_path, capsys):
    out = tmp_path / "run"
    config = tmp_path / "train.json"
    config.write_text(
        json.dumps({"model": str(tiny_dsvl_dir), "data": str(mini_tiir), "out": str(out), "ns": [1]})
    )
    assert main(["--config", str(config), "--max-steps", "1", "--batch-size", "4", "--no-progress"]) == 0
    assert "trained 1 steps" in capsys.readouterr().out
    assert (out / "adapter" / "adapter_config.json").is_file()
    assert json.loads((out / "train_config.json").read_text())["max_steps"] == 1
    assert len((out / "loss_log.jsonl").read_text().splitlines()) == 1


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--ns", "1,5"], "unsupported granularity N=5; valid values are 1, 2, 3, 4, 6, 8, 12, 24, full"),
        (["--strategy", "avg"], "unknown strategy 'avg'; valid strategies are random, mrl, mean"),
    ],
)
def test_bad_granularity_or_strategy_is_refused_before_any_model_file_is_read(
    option, message, mini_tiir, tiny_dsvl_dir, tmp_path, monkeypatch, capsys
):
    import builtins
    import io

    touched = []
    real_open, real_io_open = builtins.open, io.open

    def watch(opener):
        def watched(file, *args, **kwargs):
            if str(tiny_dsvl_dir) in str(file):
                touched.append(str(file))
            return opener(file, *args, **kwargs)

        return watched

    monkeypatch.setattr(builtins, "open", watch(real_open))
    monkeypatch.setattr(io, "open", watch(real_io_open))
    out = tmp_path / "run"
    argv = ["--model", str(tiny_dsvl_dir), "--data", str(mini_tiir), "--out", str(out), "--no-progress"]
    assert main(argv + option) == 2
    assert message in capsys.readouterr().err
    assert touched == [] and not out.exists()
