"""Running as a Hugging Face Space: ZeroGPU wrapping, persistent storage, model from MME_MODEL."""

from __future__ import annotations

import copy
import importlib
import sys

import numpy as np
import pytest

from mme_core import ImageSegment, InterleavedDoc, TextSegment
from webapp import gpu, startup
from webapp.startup import parse_config


@pytest.fixture
def bare_encoder(tiny_dsvl):
    """A shallow copy of the session's tiny encoder, so wrapping its `encode_all` leaves the session's
    alone. Nothing in the app patches the encoder instance (a copy would carry such a patch, still
    bound to the original), and no earlier test may have left one there either."""
    assert not {"encode", "encode_all"} & set(vars(tiny_dsvl))
    return copy.copy(tiny_dsvl)


@pytest.fixture
def doc(image_factory):
    return InterleavedDoc((TextSegment("Tighten the screws."), ImageSegment(image_factory("red"))))


def test_encode_all_is_routed_through_spaces_gpu(bare_encoder, tiny_dsvl, doc, monkeypatch):
    granted = []

    class FakeSpaces:  # records what ZeroGPU's decorator would be asked for
        @staticmethod
        def GPU(duration=None):  # noqa: N802 - the spaces API's name
            def wrap(function):
                def on_gpu(*args, **kwargs):
                    granted.append(duration)
                    return function(*args, **kwargs)

                return on_gpu

            return wrap

    monkeypatch.setattr(gpu, "spaces", FakeSpaces)
    encoder = gpu.lend_gpu_to(bare_encoder)  # a copy: the session fixture stays unwrapped
    vectors = encoder.encode([doc], n=2, prompt_name="query")  # encode goes through encode_all
    assert granted == [gpu.ENCODE_SECONDS]
    assert np.array_equal(vectors, tiny_dsvl.encode([doc], n=2, prompt_name="query"))


def test_multi_vector_work_is_routed_through_spaces_gpu(tiny_multi, doc, monkeypatch):
    granted = []

    class FakeSpaces:
        @staticmethod
        def GPU(duration=None):  # noqa: N802 - the spaces API's name
            return lambda function: lambda *a, **k: granted.append(duration) or function(*a, **k)

    monkeypatch.setattr(gpu, "spaces", FakeSpaces)
    assert not {"encode_all_multi", "encode_all_kinds"} & set(vars(tiny_multi))
    encoder = gpu.lend_gpu_to(copy.copy(tiny_multi))
    matrix = encoder.encode_multi([doc], n=2, prompt_name="query")  # the multi-vector query path
    singles, matrices = encoder.encode_all_kinds([doc], (1, 2))  # the multi-vector index build path
    assert granted == [gpu.ENCODE_SECONDS] * 2
    assert np.array_equal(matrix, tiny_multi.encode_multi([doc], n=2, prompt_name="query"))
    assert np.array_equal(matrices[2], tiny_multi.encode_all_multi([doc], (2,))[2])


def test_real_spaces_package_is_harmless_off_zerogpu(bare_encoder, tiny_dsvl, doc, monkeypatch):
    spaces = pytest.importorskip("spaces")
    monkeypatch.delenv("SPACES_ZERO_GPU", raising=False)
    assert gpu.spaces is spaces  # the app does use it when it is installed
    encoder = gpu.lend_gpu_to(bare_encoder)
    method = encoder.encode_all  # spaces.GPU returned the bound method itself, unwrapped
    assert method.__self__ is encoder and method.__func__ is type(encoder).encode_all
    assert np.array_equal(encoder.encode([doc], n=3), tiny_dsvl.encode([doc], n=3))


def test_without_the_spaces_package_nothing_is_wrapped(bare_encoder, monkeypatch):
    monkeypatch.setitem(sys.modules, "spaces", None)  # `import spaces` now raises ImportError
    try:
        reloaded = importlib.reload(gpu)
        assert reloaded.spaces is None
        encoder = bare_encoder
        assert reloaded.lend_gpu_to(encoder) is encoder and "encode_all" not in vars(encoder)
    finally:
        monkeypatch.undo()
        importlib.reload(gpu)


def test_space_keeps_its_data_under_persistent_storage(tmp_path, monkeypatch):
    storage = tmp_path / "data"
    monkeypatch.setattr(startup, "SPACE_STORAGE", storage)
    space = {"SPACE_ID": "me/mme", "MME_MODEL": "Qwen/Qwen3-VL-Embedding-2B", "MME_DIM": "1024"}
    assert parse_config([], space).data_dir == startup.AppConfig.data_dir  # no /data: the cache folder
    storage.mkdir()
    config = parse_config([], space)
    assert config.data_dir == storage / "mme-search"
    assert (config.model, config.dim) == ("Qwen/Qwen3-VL-Embedding-2B", 1024)
    assert parse_config([], {}).data_dir == startup.AppConfig.data_dir  # not a Space: /data is not ours
    assert parse_config(["--data-dir", str(tmp_path / "x")], space).data_dir == tmp_path / "x"


def test_bad_dim_in_the_environment_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        parse_config([], {"MME_DIM": "large"})
    assert exit_info.value.code == 2 and "--dim" in capsys.readouterr().err
