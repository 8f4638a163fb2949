"""Shared fixtures: tiny checkpoints built once per session, images drawn on demand."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # tests never touch a hub
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
if "MME_CACHE" not in os.environ:  # pictures kept inside notes are stored here, not in ~/.cache
    os.environ["MME_CACHE"] = tempfile.mkdtemp(prefix="mme-test-cache-")
    atexit.register(shutil.rmtree, os.environ["MME_CACHE"], True)


@pytest.fixture(scope="session")
def tiny_dsvl_dir(tmp_path_factory) -> Path:
    from mme_data.tiny import build_tiny

    return build_tiny("deepseek_vl", tmp_path_factory.mktemp("tiny-dsvl"))


@pytest.fixture(scope="session")
def tiny_qwen2vl_dir(tmp_path_factory) -> Path:
    from mme_data.tiny import build_tiny

    return build_tiny("qwen2_vl", tmp_path_factory.mktemp("tiny-qwen2vl"))


@pytest.fixture(scope="session")
def tiny_qwen3vl_dir(tmp_path_factory) -> Path:
    from mme_data.tiny import build_tiny

    return build_tiny("qwen3_vl", tmp_path_factory.mktemp("tiny-qwen3vl"))


@pytest.fixture(scope="session")
def tiny_dsvl(tiny_dsvl_dir):
    from mme_core import MMEEncoder

    return MMEEncoder.from_pretrained(str(tiny_dsvl_dir), device="cpu", dtype="float32")


@pytest.fixture(scope="session")
def tiny_qwen2vl(tiny_qwen2vl_dir):
    from mme_core import MMEEncoder

    return MMEEncoder.from_pretrained(str(tiny_qwen2vl_dir), device="cpu", dtype="float32")


@pytest.fixture(scope="session")
def tiny_qwen3vl(tiny_qwen3vl_dir):
    from mme_core import MMEEncoder

    return MMEEncoder.from_pretrained(str(tiny_qwen3vl_dir), device="cpu", dtype="float32")


@pytest.fixture(scope="session")
def tiny_multi_dir(tmp_path_factory) -> Path:
    """A tiny DeepSeek-VL with a multi-vector head: 16 query and 16 document meta tokens."""
    from mme_data.tiny import build_tiny

    return build_tiny("deepseek_vl", tmp_path_factory.mktemp("tiny-multi"), meta_tokens=(16, 16))


@pytest.fixture(scope="session")
def tiny_multi(tiny_multi_dir):
    from mme_core import MMEEncoder

    return MMEEncoder.from_pretrained(str(tiny_multi_dir), device="cpu", dtype="float32")


def draw_image(
    path: Path, color: str = "red", shape: str = "circle", size: tuple[int, int] = (96, 80)
) -> Path:
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    box = (size[0] // 5, size[1] // 5, size[0] * 4 // 5, size[1] * 4 // 5)
    {"circle": draw.ellipse, "square": draw.rectangle}.get(shape, draw.ellipse)(box, fill=color)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def draw_words(path: Path, lines: list[str], size: tuple[int, int] = (640, 200)) -> Path:
    """A screenshot-like picture: black lines of words on white (Pillow's own font, no CJK)."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=36)
    for row, line in enumerate(lines):
        draw.text((20, 30 + 70 * row), line, fill="black", font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


@pytest.fixture
def words_picture():
    """words_picture(path, ["Close the drain valve"]) -> a picture showing those words."""
    return draw_words


@pytest.fixture
def image_factory(tmp_path):
    """image_factory("red", "circle") -> path of a small PNG drawn in the test's tmp dir."""
    counter = iter(range(10_000))

    def make(color: str = "red", shape: str = "circle", size: tuple[int, int] = (96, 80)) -> str:
        return str(draw_image(tmp_path / f"img{next(counter)}_{color}_{shape}.png", color, shape, size))

    return make
