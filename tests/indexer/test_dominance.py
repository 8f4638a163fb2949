"""The stored dominance sample: computed once, refreshed only when the collection changed much or the
encoder changed, and equal to measuring the parts from scratch."""

from __future__ import annotations

import pyarrow as pa
import pytest
from index_helpers import write_note

from indexer import Index, build_index
from indexer.dominance import (
    DOMINANCE_TABLE,
    STALE_FRACTION,
    compute_sample,
    ensure_sample,
    estimated_change,
    load_sample,
    needs_refresh,
    sample_keys,
)
from indexer.meta import table_names
from mme_core.diagnostics import measure_dominance

NS = (1, 3)


class CountingEncode:
    """The real encoder, counting the documents it is asked to embed (through `encode` or `encode_all`)."""

    def __init__(self, inner) -> None:
        self.inner, self.embedded = inner, 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def encode(self, docs, *args, **kwargs):
        self.embedded += len(docs)
        return self.inner.encode(docs, *args, **kwargs)

    def encode_all(self, docs, *args, **kwargs):
        self.embedded += len(docs)
        return self.inner.encode_all(docs, *args, **kwargs)


def more_notes(folder, count: int, start: int = 0) -> None:
    colours = ["red", "blue", "green", "orange", "purple", "black"]
    for i in range(start, start + count):
        text = f"Step {i}: turn the knob {i} times, then check the dial again."
        write_note(folder, f"extra-{i}", colours[i % len(colours)], "circle" if i % 2 else "square", text)


@pytest.fixture
def indexed(notes, tmp_path, tiny_dsvl):
    """Ten notes (the five of `notes` and five more, each text + one picture) indexed at N = 1, 3."""
    more_notes(notes, 5)
    uri = str(tmp_path / "index")
    build_index(str(notes), uri, tiny_dsvl, ns=NS, progress=False, name="notes")
    return notes, uri


def test_computed_once_then_read_from_the_index(indexed, tiny_dsvl):
    _, uri = indexed
    counting = CountingEncode(tiny_dsvl)
    first = ensure_sample(Index.open(uri), counting, 3)
    assert counting.embedded == 2 * 10  # text-only and image-only views; each part's own vector is stored
    assert len(first.values) == 10 and first.index_rows == 10
    again = ensure_sample(Index.open(uri), counting, 3)  # another process, a restart: same table
    assert counting.embedded == 20
    assert again.values == first.values and again.computed == first.computed
    ensure_sample(Index.open(uri), counting, 1)  # each N has its own sample
    assert counting.embedded == 40


def test_the_sample_reuses_the_index_vision_cache(indexed, tiny_dsvl):
    _, uri = indexed
    calls, hits = tiny_dsvl.stats.vision_calls, tiny_dsvl.stats.cache_hits
    compute_sample(Index.open(uri), tiny_dsvl, 3)
    assert tiny_dsvl.stats.vision_calls == calls  # every picture's tokens came from the index
    assert tiny_dsvl.stats.cache_hits > hits


def test_stored_values_equal_measuring_from_scratch(indexed, tiny_dsvl):
    _, uri = indexed
    index = Index.open(uri)
    sample = ensure_sample(index, tiny_dsvl, 3)
    docs = index.documents()
    fresh = measure_dominance(tiny_dsvl, docs, n=3)  # three encodes per part
    for doc, measured in zip(docs, fresh, strict=True):
        stored = sample.values[f"{doc.id}#{doc.part}"]
        assert stored.modality == measured.modality == "interleaved"
        assert stored.score == pytest.approx(measured.score, abs=1e-5)


def test_a_small_change_keeps_the_sample_a_big_one_refreshes_it(indexed, tiny_dsvl):
    notes, uri = indexed
    counting = CountingEncode(tiny_dsvl)
    first = ensure_sample(Index.open(uri), counting, 3)
    more_notes(notes, 1, start=5)  # +1 of 10 rows: 10 %
    build_index(str(notes), uri, tiny_dsvl, ns=NS, progress=False, name="notes")
    index = Index.open(uri)
    assert estimated_change(index, first) == pytest.approx(0.1)
    counting.embedded = 0
    assert ensure_sample(index, counting, 3).computed == first.computed and counting.embedded == 0

    more_notes(notes, 2, start=6)  # +3 of the 10 the sample was drawn from: 30 %
    build_index(str(notes), uri, tiny_dsvl, ns=NS, progress=False, name="notes")
    index = Index.open(uri)
    assert estimated_change(index, first) == pytest.approx(0.3) and 0.3 > STALE_FRACTION
    refreshed = ensure_sample(index, counting, 3)
    assert refreshed.computed != first.computed and refreshed.index_rows == 13 and len(refreshed.values) == 13
    assert counting.embedded == 2 * 13
    assert load_sample(index, tiny_dsvl.fingerprint, 3).computed == refreshed.computed  # the old one is gone


def test_removals_and_edits_count_as_change(indexed, tiny_dsvl):
    notes, uri = indexed
    first = ensure_sample(Index.open(uri), tiny_dsvl, 3)
    (notes / "extra-0.md").unlink()
    (notes / "img" / "extra-0.png").unlink()  # with its photo (left alone, it would be a document)
    edited = "# Other\n\nNow about something else entirely.\n\n![x](img/extra-1.png)\n"
    (notes / "extra-1.md").write_text(edited)
    build_index(str(notes), uri, tiny_dsvl, ns=NS, progress=False, name="notes")
    index = Index.open(uri)
    assert estimated_change(index, first) == pytest.approx(0.2)  # one removed, one edited: not yet much
    assert not needs_refresh(index, first)
    (notes / "extra-2.md").unlink()
    build_index(str(notes), uri, tiny_dsvl, ns=NS, progress=False, name="notes")
    assert needs_refresh(Index.open(uri), first)


def test_another_encoder_finds_no_sample_and_its_old_rows_are_dropped(indexed, tiny_dsvl):
    _, uri = indexed
    index = Index.open(uri)
    ensure_sample(index, tiny_dsvl, 3)
    assert load_sample(index, "another-model", 3) is None and needs_refresh(index, None)
    stale = pa.Table.from_pylist(
        [{"encoder": "old-model", "n": "3", "key": "notes/x#0", "index_rows": 10, "computed": "2020"}],
        schema=index.db.open_table(DOMINANCE_TABLE).schema,
    )
    index.db.open_table(DOMINANCE_TABLE).add(stale)  # left over from before a rebuild
    compute_sample(index, tiny_dsvl, 3)
    encoders = set(index.db.open_table(DOMINANCE_TABLE).to_arrow()["encoder"].to_pylist())
    assert encoders == {tiny_dsvl.fingerprint}


def test_sample_is_deterministic_bounded_and_stable():
    keys = [f"notes/{i}.md#0" for i in range(2000)]
    chosen = sample_keys(keys, 500)
    assert len(chosen) == 500 and chosen == sample_keys(list(reversed(keys)), 500)
    grown = sample_keys(keys + [f"new/{i}.md#0" for i in range(100)], 500)
    assert len(set(grown) & set(chosen)) >= 450  # new rows displace only their share of the sample


def test_sample_size_caps_the_encodes(indexed, tiny_dsvl):
    _, uri = indexed
    counting = CountingEncode(tiny_dsvl)
    sample = compute_sample(Index.open(uri), counting, 1, size=4)
    assert len(sample.values) == 4 and sample.index_rows == 10 and counting.embedded == 8


def test_bad_input_is_refused_with_what_to_do(indexed, tiny_dsvl, tiny_qwen2vl):
    _, uri = indexed
    index = Index.open(uri)
    with pytest.raises(ValueError, match=r"N=4 is not stored in index .*index; stored N: 1, 3"):
        compute_sample(index, tiny_dsvl, 4)
    with pytest.raises(ValueError, match="not the one index .* was built with"):
        compute_sample(index, tiny_qwen2vl, 3)
    assert DOMINANCE_TABLE not in table_names(index.db)  # nothing written


def test_an_empty_index_has_no_sample(tmp_path, tiny_dsvl):
    from indexer.meta import IndexMeta

    index = Index.open_or_create(str(tmp_path / "empty"), IndexMeta.for_encoder(tiny_dsvl, NS))
    assert ensure_sample(index, tiny_dsvl, 3) is None
