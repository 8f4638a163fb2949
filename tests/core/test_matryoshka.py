"""Matryoshka output dims: truncate, then re-normalise, only where the model was trained for it."""

from __future__ import annotations

import numpy as np
import pytest

from mme_core import ImageSegment, InterleavedDoc, MMEEncoder, TextSegment


def _load(path, **kwargs) -> MMEEncoder:
    return MMEEncoder.from_pretrained(str(path), device="cpu", dtype="float32", **kwargs)


@pytest.fixture
def docs(image_factory):
    return [
        InterleavedDoc((TextSegment("Cut the red paper."), ImageSegment(image_factory("red")))),
        InterleavedDoc((TextSegment("Only text here."),)),
    ]


def test_truncated_dim_is_the_prefix_renormalised(tiny_qwen3vl_dir, tiny_qwen3vl, docs):
    small = _load(tiny_qwen3vl_dir, dim=64)
    assert (small.dim, tiny_qwen3vl.dim) == (64, 128)
    full = tiny_qwen3vl.encode_all(docs, [1, "full"], prompt_name="query")
    truncated = small.encode_all(docs, [1, "full"], prompt_name="query")
    for n, vectors in truncated.items():
        assert vectors.shape == (2, 64) and vectors.dtype == np.float32
        prefix = full[n][:, :64]
        expected = prefix / np.linalg.norm(prefix, axis=1, keepdims=True)
        assert np.abs(vectors - expected).max() <= 1e-5
    assert "64-d" in small.describe()


def test_dim_is_part_of_the_fingerprint(tiny_qwen3vl_dir, tiny_qwen3vl):
    assert _load(tiny_qwen3vl_dir, dim=64).fingerprint != tiny_qwen3vl.fingerprint
    assert _load(tiny_qwen3vl_dir, dim=128).fingerprint == tiny_qwen3vl.fingerprint  # the full dim


def test_unsupported_dims_are_refused_with_the_valid_ones(tiny_qwen3vl_dir, tiny_dsvl_dir):
    for dim in (32, 129, 0, 64.0, True):
        with pytest.raises(ValueError, match=r"valid dims are integers from 64 to 128 \(e.g. 128, 64\)"):
            _load(tiny_qwen3vl_dir, dim=dim)
    with pytest.raises(ValueError, match=r"deepseek_vl\) has no Matryoshka output dims.*valid dims are 64"):
        _load(tiny_dsvl_dir, dim=32)
    assert _load(tiny_dsvl_dir, dim=64).dim == 64  # its own full dim is always fine
