"""encode_all holds bounded work: each image decoded once, vision calls and LM forwards within the
budget whatever the batch size, and a vision cache that spares the vision tower on known pictures."""

from __future__ import annotations

import numpy as np
import pytest

import mme_core.vision_pass as vision_pass
from mme_core import ImageSegment, InterleavedDoc, TextSegment
from mme_core.batching import EncodeBudget, EncodeStats, budget_for, forward_groups
from mme_core.vision_cache import MemoryVisionCache, VisionKey

NS = (1, 2, 3, 6)


@pytest.fixture
def notes(image_factory):
    """6 notes of 4 pictures each (of 18 distinct ones: some pictures appear in several notes)."""
    colors = ["red", "blue", "green", "black", "orange", "purple"]
    images = [image_factory(c, s, (160 + 16 * k, 120)) for k, (c, s) in enumerate(
        (c, s) for c in colors for s in ("circle", "square", "ring")
    )]  # fmt: skip
    docs = []
    for i in range(6):
        picks = [images[(3 * i + k) % len(images)] for k in range(3)] + [images[(i * 7) % len(images)]]
        segments = [TextSegment(f"Note {i}: " + "sand and paint " * (i + 1))]
        for k, path in enumerate(picks):
            segments += [ImageSegment(path), TextSegment(f"Step {k + 1}.")]
        docs.append(InterleavedDoc(tuple(segments), id=f"note{i}.md"))
    return docs


@pytest.fixture
def spies(tiny_dsvl, monkeypatch):
    """Counts decodes per image and records the pixels handed to each vision call."""
    decodes: dict[str, int] = {}
    calls: list[int] = []
    forwards: list[int] = []
    real_decode, real_grids = vision_pass.decode_image, tiny_dsvl.backbone.visual_grids
    real_hidden = tiny_dsvl.backbone.hidden_states

    def decode(data, name, fit=None):
        decodes[name] = decodes.get(name, 0) + 1
        return real_decode(data, name, fit)

    def grids(images):
        calls.append(sum(image.width * image.height for image in images))
        return real_grids(images)

    def hidden(batch):
        forwards.append(batch.input_ids.numel())  # rows x padded length
        return real_hidden(batch)

    monkeypatch.setattr(vision_pass, "decode_image", decode)
    monkeypatch.setattr(tiny_dsvl.backbone, "visual_grids", grids)
    monkeypatch.setattr(tiny_dsvl.backbone, "hidden_states", hidden)
    tiny_dsvl.stats = EncodeStats()
    return decodes, calls, forwards


def test_each_image_decoded_once_and_calls_within_budget(tiny_dsvl, notes, spies):
    decodes, calls, forwards = spies
    reference = tiny_dsvl.encode_all(notes, NS, batch_size=8)  # one chunk, default (roomy) budget
    decodes.clear(), calls.clear(), forwards.clear()
    budget = EncodeBudget(pixels=3 * 200 * 120, vision_tokens=4 * 576, lm_tokens=600)
    bounded = tiny_dsvl.encode_all(notes, NS, batch_size=64, budget=budget)

    distinct = {s.path for d in notes for s in d.images}
    assert decodes == dict.fromkeys(distinct, 1)  # every picture decoded exactly once
    assert len(calls) > 1 and max(calls) <= budget.pixels
    assert len(forwards) > 1 and max(forwards) <= budget.lm_tokens  # each LM forward within its budget
    for n in NS:
        assert np.abs(bounded[n] - reference[n]).max() <= 1e-5


def test_stats_report_the_bounds(tiny_dsvl, notes, spies):
    budget = EncodeBudget(pixels=2 * 200 * 120, vision_tokens=10_000, lm_tokens=10_000)
    tiny_dsvl.encode_all(notes, NS, batch_size=3, budget=budget)
    stats = tiny_dsvl.stats
    distinct = len({s.path for d in notes for s in d.images})
    assert stats.decoded_images == stats.vision_images == distinct
    assert stats.max_call_pixels <= budget.pixels and stats.vision_calls >= distinct // 2
    assert stats.max_call_tokens <= 2 * 576


def test_a_single_image_over_budget_runs_alone(tiny_dsvl, notes, spies):
    _, calls, _ = spies
    tiny_dsvl.encode_all(notes[:2], NS, budget=EncodeBudget(pixels=1, vision_tokens=1, lm_tokens=1))
    assert len(calls) == len({s.path for d in notes[:2] for s in d.images})  # one image per call


def test_warm_cache_runs_no_vision_and_gives_the_same_vectors(tiny_dsvl, notes, spies):
    decodes, calls, _ = spies
    cache = MemoryVisionCache()
    cold = tiny_dsvl.encode_all(notes, NS, vision_cache=cache)
    distinct = {s.path for d in notes for s in d.images}
    assert len(cache) == len(distinct) and len(calls) >= 1
    key, entry = next(iter(cache.entries.items()))
    assert isinstance(key, VisionKey) and key.encoder == tiny_dsvl.fingerprint and len(key.image) == 64
    assert {n: entry[n].shape for n in NS} == {n: (n, n, tiny_dsvl.dim) for n in NS}
    assert all(entry[n].dtype == np.float32 for n in NS)

    decodes.clear(), calls.clear()
    tiny_dsvl.stats = EncodeStats()
    warm = tiny_dsvl.encode_all(notes, NS, vision_cache=cache)
    assert calls == [] and decodes == {} and tiny_dsvl.stats.vision_calls == 0
    assert tiny_dsvl.stats.cache_hits == len(distinct)
    for n in NS:
        assert np.abs(warm[n] - cold[n]).max() <= 1e-6


def test_new_text_around_known_pictures_needs_only_the_language_model(tiny_dsvl, notes, spies):
    _, calls, _ = spies
    cache = MemoryVisionCache()
    tiny_dsvl.encode_all(notes[:1], NS, vision_cache=cache)
    calls.clear()
    edited = InterleavedDoc(
        tuple(
            TextSegment(s.text + " Then let it dry.") if isinstance(s, TextSegment) else s
            for s in notes[0].segments
        ),
        id="note0.md",
    )
    with_cache = tiny_dsvl.encode_all([edited], NS, vision_cache=cache)
    assert calls == []
    without = tiny_dsvl.encode_all([edited], NS)
    assert np.abs(with_cache[3] - without[3]).max() <= 1e-6


def test_an_entry_missing_a_requested_n_is_a_miss(tiny_dsvl, notes, spies):
    _, calls, _ = spies
    cache = MemoryVisionCache()
    tiny_dsvl.encode_all(notes[:1], (1, 2), vision_cache=cache)
    calls.clear()
    tiny_dsvl.encode_all(notes[:1], (1, 2, 3), vision_cache=cache)
    assert sum(calls) > 0  # N=3 was not cached: the pictures went through the tower again
    assert all(3 in entry for entry in cache.entries.values())


def test_default_budget_follows_free_memory(monkeypatch):
    import psutil
    import torch

    class Free:
        available = 8 * 2**30

    monkeypatch.setattr(psutil, "virtual_memory", lambda: Free())
    budget = budget_for(torch.device("cpu"), hidden_size=2048, vision_hidden=1024, dtype=torch.bfloat16)
    # 1 GiB share: 26.8 M pixels at 40 B -> capped at 8 M; 1 GiB / (24 * 1024 * 2 B) = 21,845 -> 8,192
    assert budget == EncodeBudget(pixels=8_000_000, vision_tokens=8_192, lm_tokens=10_922)
    Free.available = 256 * 2**20  # a small machine: everything scales down
    small = budget_for(torch.device("cpu"), hidden_size=2048, vision_hidden=1024, dtype=torch.bfloat16)
    assert small.pixels == (64 << 20) // 40 and small.lm_tokens == (64 << 20) // (24 * 2048 * 2)


def test_budget_and_groups_refuse_nonsense_and_split_by_tokens():
    with pytest.raises(ValueError, match="pixels must be positive"):
        EncodeBudget(pixels=0, vision_tokens=1, lm_tokens=1)
    groups = forward_groups([100, 90, 50, 50, 10], max_rows=8, max_tokens=200)
    assert [(g.start, g.stop) for g in groups] == [(0, 2), (2, 5)]
    assert [(g.start, g.stop) for g in forward_groups([500, 10], max_rows=8, max_tokens=200)] == [
        (0, 1),
        (1, 2),
    ]
    unpadded = forward_groups([100, 50, 50, 50, 10], max_rows=2, max_tokens=1000, pad=False)
    assert [(g.start, g.stop) for g in unpadded] == [(0, 1), (1, 3), (3, 4), (4, 5)]


def test_cpu_forwards_hold_no_padding(tiny_dsvl, notes, monkeypatch):
    """On CPU rows of different lengths never share a forward (a padding mask costs more than it saves)."""
    masks = []
    real_hidden = tiny_dsvl.backbone.hidden_states

    def hidden(batch):
        masks.append(batch.attention_mask.clone())
        return real_hidden(batch)

    monkeypatch.setattr(tiny_dsvl.backbone, "hidden_states", hidden)
    twins = [InterleavedDoc(notes[0].segments, id=f"twin{i}.md") for i in range(3)]
    tiny_dsvl.encode_all([*notes, *twins], NS, batch_size=8)
    assert masks and all(bool(mask.all()) for mask in masks)
    assert max(mask.shape[0] for mask in masks) > 1  # rows of equal length still share a forward


def test_n_with_the_same_tokens_share_one_language_model_row(tiny_dsvl, notes, spies):
    """A text-only note reads the same at every N: one LM row, its vector given to every N."""
    plain = InterleavedDoc((TextSegment("Sand the board, then paint it twice."),), id="plain.md")
    tiny_dsvl.stats = EncodeStats()
    out = tiny_dsvl.encode_all([plain, notes[0]], NS)
    assert tiny_dsvl.stats.lm_rows == 1 + len(NS)  # the picture note still runs once per N
    alone = tiny_dsvl.encode_all([plain], (3,))[3][0]
    for n in NS:
        assert np.abs(out[n][0] - alone).max() <= 1e-5
    assert np.abs(out[1][1] - out[6][1]).max() > 1e-3  # different pooled pictures, different vectors


def test_each_distinct_text_is_tokenized_once(tiny_dsvl, notes, monkeypatch):
    """Lengths for every N and every N's row reuse one tokenization per distinct text segment."""
    seen: list[str] = []
    tokenizer = tiny_dsvl.backbone.tokenizer

    class Counting:
        def __getattr__(self, name):
            return getattr(tokenizer, name)

        def __call__(self, text, **kwargs):
            seen.append(text)
            return tokenizer(text, **kwargs)

    monkeypatch.setattr(tiny_dsvl.backbone, "tokenizer", Counting())
    tiny_dsvl.backbone._cached_ids.cache_clear()
    fresh = [
        InterleavedDoc(
            (TextSegment(f"{doc.segments[0].text} (run {id(seen)})"),) + doc.segments[1:], id=doc.id
        )
        for doc in notes
    ]  # texts this process has not tokenized before
    out = tiny_dsvl.encode_all(fresh, NS)
    texts = {seg.text for doc in fresh for seg in doc.segments if isinstance(seg, TextSegment)}
    assert sorted(seen) == sorted(texts)  # each once, although every note has len(NS) rows
    monkeypatch.undo()
    tiny_dsvl.backbone._cached_ids.cache_clear()
    again = tiny_dsvl.encode_all(fresh, NS)
    for n in NS:
        assert np.abs(out[n] - again[n]).max() <= 1e-6  # same ids as a cold tokenizer gives


def test_a_diagram_is_drawn_again_when_its_renderer_or_fonts_change_and_a_photo_is_not(
    tiny_dsvl, image_factory, tmp_path, spies, monkeypatch
):
    """An SVG's pixels depend on resvg and the fonts it finds: after a font is installed the cached
    tokens of the old drawing (labels missing) must not be reused; a photo's stay valid."""
    drawing = tmp_path / "wiring.svg"
    drawing.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80">'
        '<rect width="120" height="80" fill="navy"/><text x="10" y="40">L1</text></svg>'
    )
    photo = image_factory("red", "circle", (160, 120))
    note = InterleavedDoc(
        (TextSegment("wire it"), ImageSegment(str(drawing)), ImageSegment(photo)), id="wiring.md"
    )
    decodes, calls, _ = spies
    cache = MemoryVisionCache()
    tiny_dsvl.encode_all([note], NS, vision_cache=cache)
    assert len(cache) == 2
    decodes.clear()
    tiny_dsvl.encode_all([note], NS, vision_cache=cache)
    assert decodes == {}  # same renderer, same fonts: both from the cache

    monkeypatch.setattr(vision_pass, "renderer_id", lambda: "resvg-0.5.0-a-font-installed")
    tiny_dsvl.encode_all([note], NS, vision_cache=cache)
    assert list(decodes) == [str(drawing)]  # drawn again; the photo still from the cache
    assert len(cache) == 3
