from __future__ import annotations

import numpy as np
import pytest

from mme_core import GRANULARITIES, ImageSegment, InterleavedDoc, TextSegment


def _docs(image_factory):
    red, blue, green = image_factory("red"), image_factory("blue", "square"), image_factory("green")
    return [
        InterleavedDoc((TextSegment("Cut the red paper."), ImageSegment(red), TextSegment("Fold it."))),
        InterleavedDoc((TextSegment("Short."),)),
        InterleavedDoc(
            (
                ImageSegment(blue),
                TextSegment("Place the blue bowl to the left of the green cup."),
                ImageSegment(green),
            )
        ),
        InterleavedDoc((ImageSegment(red), ImageSegment(red))),  # the same image twice
    ]


@pytest.mark.parametrize("n", GRANULARITIES)
def test_placeholders_per_image_reach_the_language_model(tiny_dsvl, image_factory, monkeypatch, n):
    seen = []
    original = tiny_dsvl.backbone.hidden_states
    monkeypatch.setattr(tiny_dsvl.backbone, "hidden_states", lambda b: seen.append(b) or original(b))
    doc = InterleavedDoc(
        (TextSegment("a"), ImageSegment(image_factory()), TextSegment("b"), ImageSegment(image_factory()))
    )
    tiny_dsvl.encode([doc], n=n)
    per_image = 576 if n == "full" else n * n
    assert int((seen[0].input_ids == tiny_dsvl.backbone.image_token_id).sum()) == 2 * per_image
    assert tiny_dsvl.tokens_per_image(n) == per_image
    assert tiny_dsvl.count_tokens(doc, n) == int(seen[0].attention_mask.sum())


@pytest.mark.parametrize("fixture", ["tiny_dsvl", "tiny_qwen2vl", "tiny_qwen3vl"])
def test_mixed_batch_equals_one_at_a_time_and_is_deterministic(fixture, request, image_factory):
    enc = request.getfixturevalue(fixture)
    docs = _docs(image_factory)
    batched = enc.encode(docs, n=2, batch_size=4)
    single = np.stack([enc.encode([doc], n=2)[0] for doc in docs])
    assert batched.dtype == np.float32 and batched.shape == (4, enc.dim)
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)
    assert np.abs(batched - single).max() <= 1e-5
    assert np.array_equal(enc.encode(docs, n=2, batch_size=4), batched)


@pytest.mark.parametrize("fixture", ["tiny_dsvl", "tiny_qwen2vl", "tiny_qwen3vl"])
def test_order_matters(fixture, request, image_factory):
    enc = request.getfixturevalue(fixture)
    red, blue = ImageSegment(image_factory("red")), ImageSegment(image_factory("blue", "square"))
    a, b = TextSegment("First step."), TextSegment("Second step.")
    base = InterleavedDoc((a, red, b, blue))
    swapped = InterleavedDoc((a, blue, b, red))
    moved = InterleavedDoc((a, b, red, blue))
    vectors = enc.encode([base, swapped, moved], n=3)
    assert vectors[0] @ vectors[1] < 1 - 1e-4
    assert vectors[0] @ vectors[2] < 1 - 1e-4


@pytest.mark.parametrize("fixture", ["tiny_dsvl", "tiny_qwen2vl", "tiny_qwen3vl"])
def test_encode_all_equals_encode_and_runs_vision_once_per_image(
    fixture, request, image_factory, monkeypatch
):
    enc = request.getfixturevalue(fixture)
    docs = _docs(image_factory)
    ns = (1, 2, 3, 4, 6)
    separate = {n: enc.encode(docs, n=n, batch_size=2) for n in ns}
    calls = []
    inner = enc.backbone.model.model
    original = inner.get_image_features

    def counting(pixel_values, *args, **kwargs):
        calls.append(len(args[0]) if args else pixel_values.shape[0])  # images in this call
        return original(pixel_values, *args, **kwargs)

    monkeypatch.setattr(inner, "get_image_features", counting)
    together = enc.encode_all(docs, ns, batch_size=2)
    distinct_images = len({s.path for d in docs for s in d.images})
    assert sum(calls) == distinct_images
    for n in ns:
        assert np.abs(together[n] - separate[n]).max() <= 1e-5


def test_pooling_changes_the_embedding_but_keeps_it_close(tiny_dsvl, image_factory):
    docs = _docs(image_factory)[:1]
    vectors = tiny_dsvl.encode_all(docs, [1, 24, "full"])
    assert np.allclose(vectors[24], vectors["full"], atol=1e-5)  # 24x24 pooling of a 24x24 grid is identity
    assert not np.allclose(vectors[1], vectors["full"], atol=1e-4)


def test_bad_input_names_the_cause(tiny_dsvl, tmp_path, image_factory):
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    cases = [
        (lambda: InterleavedDoc(()), "empty document"),
        (lambda: tiny_dsvl.encode([InterleavedDoc((ImageSegment(str(empty)),), id="d7")]), "0 bytes"),
        (lambda: tiny_dsvl.encode([InterleavedDoc((ImageSegment(str(corrupt)),))]), "corrupt.png"),
        (lambda: tiny_dsvl.encode([InterleavedDoc((ImageSegment(str(tmp_path / "no.png")),))]), "not found"),
        (lambda: tiny_dsvl.encode([InterleavedDoc((TextSegment("x"),))], n=5), "unsupported granularity N=5"),
        (lambda: tiny_dsvl.encode(["just a string"]), "not an InterleavedDoc"),
        (lambda: tiny_dsvl.encode_all([InterleavedDoc((TextSegment("x"),))], []), "at least one granularity"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()


def test_empty_input_gives_empty_arrays(tiny_dsvl):
    assert tiny_dsvl.encode([], n=3).shape == (0, tiny_dsvl.dim)


def test_default_batch_size_cpu_and_from_free_gpu_memory(tiny_dsvl, monkeypatch):
    assert tiny_dsvl.default_batch_size(1000) == 8
    monkeypatch.setattr(type(tiny_dsvl), "device", property(lambda self: __import__("torch").device("cuda")))
    monkeypatch.setattr("torch.cuda.mem_get_info", lambda device=None: (8 * 2**30, 16 * 2**30))
    # 4 GiB usable / (1000 tokens * 64 dims * 24 * 4 bytes) = 699 -> capped at 256
    assert tiny_dsvl.default_batch_size(1000) == 256
    assert tiny_dsvl.default_batch_size(200_000) == 3
