"""Start-up configuration: flags over env over defaults; which model is chosen; example queries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from webapp import startup
from webapp.startup import AppConfig, choose_model, examples_for, parse_config


def test_flags_win_over_env(tmp_path):
    env = {"MME_MODEL": "env/model", "MME_ADAPTER": "env-adapter", "MME_INDEX": "env-index"}
    config = parse_config(["--model", "flag/model", "--data-dir", str(tmp_path)], env)
    assert (config.model, config.adapter, config.index) == ("flag/model", "env-adapter", "env-index")
    assert config.data_dir == tmp_path


def test_collections_roots_default_to_home_locally_and_to_none_on_a_space(tmp_path):
    assert parse_config([], {}).collections_roots == (Path.home().resolve(),)
    assert parse_config([], {"SPACE_ID": "me/app"}).collections_roots == ()
    env = {"MME_COLLECTIONS_ROOT": f"{tmp_path}/a:{tmp_path}/b"}
    assert parse_config([], env).collections_roots == ((tmp_path / "a").resolve(), (tmp_path / "b").resolve())
    assert parse_config(["--collections-root", str(tmp_path)], env).collections_roots == (tmp_path.resolve(),)


def test_bad_flag_exits_with_usage(capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_config(["--port", "eighty"], {})
    assert exit_info.value.code == 2 and "invalid int value" in capsys.readouterr().err


def test_user_model_first_then_demo_then_tiny_fallback(tmp_path, monkeypatch):
    demo = tmp_path / "demo"
    monkeypatch.setattr(startup, "DEMO_MODEL", demo / "model")
    monkeypatch.setattr(startup, "DEMO_COLLECTION", demo / "collection")
    config = AppConfig(data_dir=tmp_path / "data")

    fallback = choose_model(config)  # no demo model in this "checkout"
    assert "random-weight fallback" in fallback.label and "not meaningful" in fallback.warning
    assert (Path(fallback.model) / "config.json").is_file()
    assert (fallback.collection / ".complete").is_file() and list(fallback.collection.glob("*.md"))

    (demo / "model").mkdir(parents=True)
    (demo / "model" / "config.json").write_text("{}")
    (demo / "collection").mkdir()
    (demo / "collection" / "docs.jsonl").write_text("")
    shipped = choose_model(config)
    assert shipped.model == str(demo / "model") and shipped.warning == ""
    assert shipped.collection == demo / "collection" and "demo model" in shipped.label

    user = AppConfig(model="org/other", adapter="ad", collection=str(tmp_path), data_dir=tmp_path)
    chosen = choose_model(user)
    assert (chosen.model, chosen.adapter, chosen.collection) == ("org/other", "ad", tmp_path)
    assert chosen.label == "org/other + ad"


def test_examples_from_tiir_queries_keep_order_and_skip_broken_lines(tmp_path, image_factory):
    image = Path(image_factory("red"))
    (tmp_path / "images").mkdir()
    image.rename(tmp_path / "images" / "a.png")
    lines = [
        json.dumps({"qid": "q1", "data": ["my sink", "images/a.png", "what next?"]}),
        "{broken",
        json.dumps({"qid": "q2", "data": ["missing picture", "images/none.png"]}),
        json.dumps({"qid": "q3", "data": ["text only"]}),
    ]
    (tmp_path / "queries.jsonl").write_text("\n".join(lines))
    examples = examples_for(tmp_path)
    assert [e.label for e in examples] == ["q1", "q3"]
    assert examples[0].items == (
        ("text", "my sink"),
        ("image", str(tmp_path / "images" / "a.png")),
        ("text", "what next?"),
    )
    assert examples_for(tmp_path / "nothing-here") == ()
