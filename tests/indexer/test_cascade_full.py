"""The cascade's full-token stage with the tiny DeepSeek-VL checkpoint: only the top F documents are
re-encoded, re-read from their notes; a note that is gone is kept and says so."""

from __future__ import annotations

import numpy as np
from index_helpers import write_note

from indexer import Searcher, build_index
from indexer.cascade import Cascade
from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment

NS = (1, 2)


class FullCounter:
    """Wraps an encoder and records the documents it embeds at n="full", and with which prompt."""

    def __init__(self, inner) -> None:
        self.inner, self.full = inner, []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def encode_all(self, docs, ns=(1, 2, 3, 4, 6), *args, **kwargs):
        if "full" in list(ns):
            prompt = kwargs.get("prompt_name", args[1] if len(args) > 1 else "document")
            self.full += [(doc.id, prompt) for doc in docs]
        return self.inner.encode_all(docs, ns, *args, **kwargs)

    def encode(self, docs, n=3, batch_size=None, prompt_name="document", progress=False):
        return self.encode_all(docs, [n], batch_size, prompt_name, progress)[n]


def built(tiny_dsvl, notes, tmp_path) -> str:
    for i in range(5):  # ten notes: F must be a real subset
        write_note(notes, f"extra-{i}", "gray", "square", f"Step {i}: tighten the bolt and check it again.")
    build_index(notes, tmp_path / "ix", tiny_dsvl, NS, progress=False)
    return str(tmp_path / "ix")


def test_full_stage_reencodes_only_the_top_f_and_ranks_them_by_full_cosine(
    tiny_dsvl, notes, tmp_path, image_factory
):
    uri = built(tiny_dsvl, notes, tmp_path)
    counter = FullCounter(tiny_dsvl)
    searcher = Searcher.open(uri, counter, warm=False)
    query = InterleavedDoc((TextSegment("fix the sink"), ImageSegment(image_factory("blue", "square"))))
    fused = searcher.search(query, k=8, cascade=Cascade(k=10))
    assert counter.full == []  # no full stage asked, nothing encoded at full tokens
    hits = searcher.search(query, k=8, cascade=Cascade(k=10, full_top=3))
    documents = [doc_id for doc_id, prompt in counter.full if prompt != "query"]
    assert len(documents) == 3 and set(documents) == {h.id for h in fused[:3]}
    assert [prompt for _, prompt in counter.full].count("query") == 1
    assert [h.stage for h in hits] == ["full"] * 3 + ["fused"] * 5
    assert [h.id for h in hits[3:]] == [h.id for h in fused[3:]]  # the rest keep their fused order
    # brute force: each of the top three re-read, encoded at full, cosine with the query at full
    q = tiny_dsvl.encode([query], n="full", prompt_name="query")[0]
    by_id = {d.id: d for d in searcher.index.documents()}
    expected = sorted(
        ((float(tiny_dsvl.encode([by_id[h.id]], n="full")[0] @ q), h.id) for h in fused[:3]), reverse=True
    )
    assert [h.id for h in hits[:3]] == [doc_id for _, doc_id in expected]
    np.testing.assert_allclose([h.score for h in hits[:3]], [s for s, _ in expected], atol=1e-5)
    assert [h.rank for h in hits] == list(range(1, 9)) and all(h.note == "" for h in hits)


def test_a_gone_or_changed_source_is_said_not_dropped(tiny_dsvl, notes, tmp_path):
    uri = built(tiny_dsvl, notes, tmp_path)
    searcher = Searcher.open(uri, tiny_dsvl, warm=False)
    query = InterleavedDoc((TextSegment("tighten the bolt"),))
    fused = searcher.search(query, k=5, cascade=Cascade(k=10))
    gone, changed = fused[0], fused[1]
    (notes / gone.doc.source).unlink()
    note = notes / changed.doc.source
    note.write_text(note.read_text() + "\nAlso oil the hinge.\n")
    hits = searcher.search(query, k=5, cascade=Cascade(k=10, full_top=2))
    assert {h.id for h in hits} == {h.id for h in fused}  # nothing dropped
    by_id = {h.id: h for h in hits}
    assert by_id[gone.id].stage == "fused" and by_id[gone.id].score == gone.score
    assert "source gone" in by_id[gone.id].note and gone.doc.source in by_id[gone.id].note
    assert by_id[changed.id].stage == "full"
    assert by_id[changed.id].note == "changed since indexing: re-scored as it is now"
    assert hits[0].id == changed.id and hits[1].id == gone.id  # re-scored first, then the unscorable
