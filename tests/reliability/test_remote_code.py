"""`trust_remote_code` stays off unless a caller of the library asks for it: a checkpoint that ships
its own Python (config `auto_map`, as hub repos can) is loaded by the CLI and the app with the
native transformers classes, and its code never runs. The same checkpoint loaded with
trust_remote_code=True does run it, which shows the marker would catch it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from indexer.__main__ import main as cli_main
from mme_core import MMEEncoder
from webapp.startup import AppConfig, load_app

REPO = Path(__file__).resolve().parents[2]
CODE = """
import os, pathlib
pathlib.Path(os.environ["MME_TEST_REMOTE_CODE_MARKER"]).write_text("remote code ran")
from transformers import {base}
class {name}({base}):
    pass
"""


@pytest.fixture
def checkpoint_with_code(tiny_dsvl_dir, tmp_path, monkeypatch) -> tuple[Path, Path]:
    """(model dir, marker path): the tiny model plus custom code that leaves a marker when run."""
    model = tmp_path / "model-with-code"
    shutil.copytree(tiny_dsvl_dir, model)
    config = json.loads((model / "config.json").read_text())
    config["auto_map"] = {
        "AutoConfig": "configuration_custom.CustomConfig",
        "AutoModelForImageTextToText": "modeling_custom.CustomModel",
    }
    (model / "config.json").write_text(json.dumps(config))
    (model / "configuration_custom.py").write_text(CODE.format(base="DeepseekVLConfig", name="CustomConfig"))
    (model / "modeling_custom.py").write_text(
        CODE.format(base="DeepseekVLForConditionalGeneration", name="CustomModel")
    )
    marker = tmp_path / "MARKER"
    monkeypatch.setenv("MME_TEST_REMOTE_CODE_MARKER", str(marker))
    return model, marker


def notes(folder: Path, image_factory) -> Path:
    folder.mkdir()
    picture = Path(image_factory("blue", "square"))
    shutil.copy(picture, folder / "blue.png")
    (folder / "a.md").write_text("# Paint\n\nPaint it blue.\n\n![x](blue.png)\n")
    return folder


def test_the_cli_never_runs_a_checkpoints_own_code(checkpoint_with_code, tmp_path, image_factory, capsys):
    model, marker = checkpoint_with_code
    folder = notes(tmp_path / "notes", image_factory)
    index = tmp_path / "index"
    args = ["add", str(folder), "--index", str(index), "--model", str(model), "--dtype", "float32", "--quiet"]
    assert cli_main(args) == 0, capsys.readouterr().err
    assert cli_main(["search", "--text", "paint", "--index", str(index), "--dtype", "float32"]) == 0
    assert not marker.exists()


def test_the_app_never_runs_a_checkpoints_own_code(checkpoint_with_code, tmp_path, image_factory):
    model, marker = checkpoint_with_code
    folder = notes(tmp_path / "notes", image_factory)
    config = AppConfig(model=str(model), collection=str(folder), data_dir=tmp_path / "data", device="cpu")
    loaded = load_app(config, log=lambda _: None)
    assert loaded.searcher.stats()["documents"] == 1
    assert not marker.exists()


def test_the_library_runs_it_only_when_asked(checkpoint_with_code):
    model, marker = checkpoint_with_code
    MMEEncoder.from_pretrained(str(model), device="cpu", dtype="float32")
    assert not marker.exists()
    with pytest.raises(ValueError):  # the custom classes do not fit; what matters is that they ran
        MMEEncoder.from_pretrained(str(model), device="cpu", dtype="float32", trust_remote_code=True)
    assert marker.read_text() == "remote code ran"


def test_no_caller_passes_trust_remote_code():
    """Only the library signature mentions it: the app, the CLI and the indexer never set it."""
    callers = [REPO / "app.py", *(REPO / "webapp").rglob("*.py"), *(REPO / "indexer").rglob("*.py")]
    assert [str(p) for p in callers if "trust_remote_code" in p.read_text()] == []
