"""Multi-vector head: meta tokens appended after the template, nested budgets, files, bad input."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from mme_core import ImageSegment, InterleavedDoc, MMEEncoder, TextSegment
from mme_core.multivector import (
    META_TOKENS_FILE,
    MetaTokenHead,
    maxsim_numpy,
    maxsim_torch,
    parse_budgets,
    parse_meta_tokens,
)
from mme_data.tiny import build_tiny, main

FAMILIES = ("deepseek_vl", "qwen2_vl", "qwen3_vl")


@pytest.fixture(scope="module")
def mv_dirs(tmp_path_factory):
    """Per family: (plain checkpoint, the same weights with a 4-query / 8-document-token head)."""
    dirs = {}
    for family in FAMILIES:
        root = tmp_path_factory.mktemp(f"mv-{family}")
        plain = build_tiny(family, root / "plain")
        multi = build_tiny(family, root / "multi", meta_tokens=(4, 8), budgets="1,2,4,8")
        dirs[family] = (plain, multi)
    return dirs


def load(path, **kwargs) -> MMEEncoder:
    return MMEEncoder.from_pretrained(str(path), device="cpu", dtype="float32", **kwargs)


@pytest.fixture
def docs(image_factory):
    red, blue = image_factory("red", "circle"), image_factory("blue", "square", (120, 64))
    return [
        InterleavedDoc(
            (TextSegment("Cut the red paper."), ImageSegment(red), TextSegment("Fold it.")), id="a"
        ),
        InterleavedDoc(
            (TextSegment("Tighten the screws with a screwdriver, then check the shelf."),), id="b"
        ),
        InterleavedDoc((ImageSegment(blue), TextSegment("Stir."), ImageSegment(red)), id="c"),
    ]


@pytest.mark.parametrize("family", FAMILIES)
def test_multi_vectors_shape_and_unit_rows(mv_dirs, docs, family):
    encoder = load(mv_dirs[family][1])
    assert encoder.multi_vector and encoder.meta_tokens == (4, 8) and encoder.budgets == (1, 2, 4, 8)
    documents = encoder.encode_multi(docs, n=2)
    queries = encoder.encode_multi(docs, n=2, prompt_name="query")
    assert documents.shape == (3, 8, encoder.dim) and queries.shape == (3, 4, encoder.dim)
    assert documents.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(documents, axis=-1), 1.0, atol=1e-5)
    # The meta tokens are distinct inputs, so their states differ from one another and per document.
    assert not np.allclose(documents[:, 0], documents[:, 1])
    assert not np.allclose(documents[0], documents[1])


@pytest.mark.parametrize("family", FAMILIES)
def test_budget_k_alone_equals_first_k_of_a_larger_budget(mv_dirs, docs, family):
    """Nested: a head holding only the first k tokens gives exactly the first k vectors of 2k."""
    encoder = load(mv_dirs[family][1])
    full = encoder.encode_multi(docs, n=3)  # (B, 8, dim)
    for k in (1, 2, 4):
        small = MetaTokenHead((4, k), encoder.backbone.hidden_size)
        with torch.no_grad():
            small.document.copy_(encoder.meta_head.document[:k])
        alone = MMEEncoder(encoder.backbone, encoder.model_id, meta_head=small).encode_multi(docs, n=3)
        np.testing.assert_allclose(alone, full[:, :k], atol=1e-5)
        np.testing.assert_allclose(full[:, : 2 * k][:, :k], alone, atol=1e-5)


@pytest.mark.parametrize("family", FAMILIES)
def test_single_vector_unchanged_by_the_head(mv_dirs, docs, family):
    plain_dir, multi_dir = mv_dirs[family]
    plain, multi = load(plain_dir), load(multi_dir)
    assert not plain.multi_vector and plain.meta_tokens is None and plain.budgets == ()
    for prompt in ("document", "query"):
        expected = plain.encode_all(docs, (1, 3), prompt_name=prompt)
        got = multi.encode_all(docs, (1, 3), prompt_name=prompt)
        for n in (1, 3):
            np.testing.assert_array_equal(got[n], expected[n])  # bit-identical
    # One forward with meta tokens gives the same single vector (causal LM: they come after it).
    grids = {
        s.path: g
        for doc in docs
        for s, g in zip(doc.images, multi.visual_grids([s.load() for s in doc.images]), strict=True)
    }
    with torch.no_grad():
        both = multi.embed_batch(docs, 3, grids, multi=True)
    np.testing.assert_allclose(both.single.numpy(), plain.encode(docs, n=3), atol=1e-5)
    assert plain.fingerprint != multi.fingerprint


@pytest.mark.parametrize("family", FAMILIES)
def test_both_kinds_from_one_forward_per_row(mv_dirs, docs, family):
    """What an index build of a multi-vector model runs: half the language-model rows of the two
    passes, the same multi vectors and the single vectors of `encode_all` (up to float rounding)."""
    encoder = load(mv_dirs[family][1])
    before = encoder.stats.lm_rows
    singles, matrices = encoder.encode_all_kinds(docs, (1, 3))
    one_pass = encoder.stats.lm_rows - before
    before = encoder.stats.lm_rows
    expected_singles = encoder.encode_all(docs, (1, 3))
    expected_multi = encoder.encode_all_multi(docs, (1, 3))
    assert one_pass * 2 == encoder.stats.lm_rows - before
    for n in (1, 3):
        np.testing.assert_allclose(singles[n], expected_singles[n], atol=1e-5)
        np.testing.assert_allclose(matrices[n], expected_multi[n], atol=1e-6)


@pytest.mark.parametrize("family", FAMILIES)
def test_left_padded_mixed_batch_equals_one_at_a_time(mv_dirs, docs, family):
    encoder = load(mv_dirs[family][1])
    for prompt in ("document", "query"):
        together = encoder.encode_all_multi(docs, (1, 2), batch_size=3, prompt_name=prompt)
        for i, doc in enumerate(docs):
            alone = encoder.encode_all_multi([doc], (1, 2), batch_size=1, prompt_name=prompt)
            for n in (1, 2):
                np.testing.assert_allclose(together[n][i], alone[n][0], atol=1e-5)


def test_save_reload_gives_the_same_multi_vectors(mv_dirs, docs, tmp_path):
    source = mv_dirs["qwen2_vl"][1]
    encoder = load(source)
    with torch.no_grad():
        encoder.meta_head.document.mul_(3.0).add_(0.1)  # as training would move them
    copy = tmp_path / "saved"
    shutil.copytree(source, copy)
    encoder.meta_head.save(copy)
    reloaded = load(copy)
    np.testing.assert_array_equal(reloaded.encode_multi(docs), encoder.encode_multi(docs))
    assert reloaded.fingerprint != load(source).fingerprint  # the fingerprint covers the meta tokens
    assert not list(copy.glob("*.partial"))


def test_adapter_folder_head_wins(mv_dirs, docs, tmp_path):
    from peft import LoraConfig, get_peft_model

    base = mv_dirs["deepseek_vl"][0]
    encoder = load(base)
    adapter = tmp_path / "adapter"
    lora = get_peft_model(encoder.backbone.model, LoraConfig(r=2, target_modules=["q_proj"]))
    lora.save_pretrained(adapter)
    MetaTokenHead((2, 3), encoder.backbone.hidden_size, seed=5).save(adapter)
    with_adapter = load(base, adapter=str(adapter))
    assert with_adapter.meta_tokens == (2, 3)
    assert with_adapter.encode_multi(docs[:1]).shape == (1, 3, with_adapter.dim)


def test_single_vector_model_refuses_multi_encoding(mv_dirs, docs):
    plain = load(mv_dirs["deepseek_vl"][0])
    with pytest.raises(ValueError, match="single-vector model"):
        plain.encode_multi(docs)


def test_damaged_head_file_is_named(mv_dirs, tmp_path):
    copy = tmp_path / "damaged"
    shutil.copytree(mv_dirs["qwen2_vl"][1], copy)
    (copy / META_TOKENS_FILE).write_bytes(b"\x00\x01 not safetensors")
    with pytest.raises(ValueError, match=f"{META_TOKENS_FILE} in '{copy}'.*unreadable"):
        load(copy)


def test_head_of_another_width_is_refused(mv_dirs, tmp_path):
    copy = tmp_path / "wide"
    shutil.copytree(mv_dirs["qwen2_vl"][1], copy)
    MetaTokenHead((4, 4), 999).save(copy)
    with pytest.raises(ValueError, match=r"\(count, 64\)"):
        load(copy)


@pytest.mark.parametrize("value", ["16", "0,4", "a,b", "4,4,4", "300,1", ""])
def test_bad_meta_token_counts(value):
    with pytest.raises(ValueError, match="two counts Q,D"):
        parse_meta_tokens(value)


@pytest.mark.parametrize("value", ["2,1", "1,1", "0,1", "1,32", "x", ""])
def test_bad_budgets(value):
    with pytest.raises(ValueError, match="ascending distinct vector counts from 1 to 16"):
        parse_budgets(value, (8, 16))


def test_tiny_cli_refuses_bad_counts_before_writing(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["qwen2_vl", str(tmp_path / "out"), "--meta-tokens", "16"])
    assert "two counts Q,D" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_maxsim_matches_a_brute_force_loop():
    rng = np.random.default_rng(0)
    queries = rng.normal(size=(3, 4, 5)).astype(np.float32)
    documents = rng.normal(size=(6, 7, 5)).astype(np.float32)
    expected = np.zeros((3, 6), dtype=np.float32)
    for q in range(3):
        for d in range(6):
            for vector in queries[q]:
                expected[q, d] += max(float(vector @ other) for other in documents[d])
    np.testing.assert_allclose(maxsim_numpy(queries, documents), expected, rtol=1e-5)
    torch_scores = maxsim_torch(torch.from_numpy(queries), torch.from_numpy(documents)).numpy()
    np.testing.assert_allclose(torch_scores, expected, rtol=1e-5)
