"""Incremental, resumable builds with the tiny DeepSeek-VL checkpoint and a tmp_path LanceDB."""

from __future__ import annotations

import numpy as np
import pytest
from index_helpers import NOTES, CountingEncoder, FailingEncoder, draw, write_note

from indexer import Index, IndexMismatchError, Searcher, build_index
from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment

FAST = {"progress": False, "write_batch": 2}


def snapshot(uri) -> dict:
    """key -> (content hash, vectors at every N) of every row."""
    index = Index.open(uri)
    rows = index.scan(["key", "content_hash"]).to_pylist()
    vectors = {n: index.vectors(n) for n in index.meta.ns}
    return {r["key"]: (r["content_hash"], {n: vectors[n][r["key"]] for n in vectors}) for r in rows}


def assert_same_index(a: dict, b: dict) -> None:
    assert sorted(a) == sorted(b)
    for key in a:
        assert a[key][0] == b[key][0], key
        for n in a[key][1]:
            np.testing.assert_allclose(a[key][1][n], b[key][1][n], atol=2e-5, err_msg=f"{key} N={n}")


def test_every_document_is_found_first_by_its_own_content_at_every_stored_n(tiny_dsvl, notes, tmp_path):
    report = build_index(notes, tmp_path / "idx", tiny_dsvl, **FAST)
    assert (report.added, report.updated, report.unchanged, report.removed, report.failed) == (5, 0, 0, 0, ())
    assert report.rows == 5 and (report.collection, report.root) == ("notes", str(notes.resolve()))
    searcher = Searcher.open(tmp_path / "idx", tiny_dsvl)
    assert searcher.ns == (1, 2, 3, 4, 6)
    stats = searcher.stats()
    assert (stats["documents"], stats["parts"], stats["images"]) == (5, 5, 5)
    assert stats["fingerprint"] == tiny_dsvl.fingerprint and stats["dim"] == tiny_dsvl.dim
    docs = searcher.index.documents()
    assert sorted(d.id for d in docs) == sorted(f"notes/{name}.md" for name in NOTES)
    assert sorted(d.source for d in docs) == sorted(f"{name}.md" for name in NOTES)
    for n in searcher.ns:
        for doc in docs:
            hits = searcher.search(InterleavedDoc(doc.segments), n=n, k=3)
            assert hits[0].id == doc.id, f"N={n}: {doc.id} ranked {[h.id for h in hits]}"
            assert hits[0].score > hits[1].score


def test_rerun_embeds_nothing_edit_embeds_only_the_edited_and_delete_removes(tiny_dsvl, notes, tmp_path):
    uri = tmp_path / "idx"
    build_index(notes, uri, tiny_dsvl, **FAST)
    before = snapshot(uri)

    counting = CountingEncoder(tiny_dsvl)
    report = build_index(notes, uri, counting, **FAST)
    assert (report.unchanged, report.embedded, counting.embedded) == (5, 0, [])
    assert_same_index(snapshot(uri), before)

    edited = "# How to fix sink\n\nCall a plumber instead.\n\n![s](img/fix-sink.png)\n"
    (notes / "fix-sink.md").write_text(edited)
    draw(notes / "img" / "bake-bread.png", "black", "square")  # same file name, new picture
    counting = CountingEncoder(tiny_dsvl)
    report = build_index(notes, uri, counting, **FAST)
    assert sorted(counting.embedded) == ["notes/bake-bread.md", "notes/fix-sink.md"]
    assert (report.updated, report.added, report.unchanged) == (2, 0, 3)
    after = snapshot(uri)
    prefix = "notes/"
    for name in ("paint-fence", "plant-tomato", "fold-paper"):  # untouched rows are not rewritten
        key = f"{prefix}{name}.md#0"
        assert after[key][0] == before[key][0]
        assert all(np.array_equal(after[key][1][n], before[key][1][n]) for n in after[key][1])
    for name in ("fix-sink", "bake-bread"):
        key = f"{prefix}{name}.md#0"
        assert after[key][0] != before[key][0]
        assert not np.allclose(after[key][1][3], before[key][1][3])

    (notes / "plant-tomato.md").unlink()
    report = build_index(notes, uri, tiny_dsvl, **FAST)
    assert (report.removed, report.added, report.rows) == (1, 1, 5)  # its photo, shown by no note, stays
    assert "notes/img/plant-tomato.png" in {d.id for d in Index.open(uri).documents()}
    searcher = Searcher.open(uri, tiny_dsvl)
    query = InterleavedDoc((TextSegment(NOTES["plant-tomato"][2]),))
    assert "notes/plant-tomato.md" not in [h.id for h in searcher.search(query, n=3, k=10)]


def test_build_interrupted_after_k_batches_resumes_to_exactly_a_clean_build(tiny_dsvl, notes, tmp_path):
    clean = tmp_path / "clean"
    build_index(notes, clean, tiny_dsvl, progress=False, write_batch=5)

    crashed = tmp_path / "crashed"
    with pytest.raises(RuntimeError, match="simulated crash"):
        build_index(notes, crashed, FailingEncoder(tiny_dsvl, fail_after=2), progress=False, write_batch=1)
    assert Index.open(crashed).count() == 2  # two whole batches committed, nothing half-written

    counting = CountingEncoder(tiny_dsvl)
    report = build_index(notes, crashed, counting, progress=False, write_batch=2)
    assert (report.added, report.unchanged, len(counting.embedded)) == (3, 2, 3)
    assert_same_index(snapshot(crashed), snapshot(clean))
    assert Index.open(crashed).count() == 5


def test_a_mismatched_encoder_is_refused_and_the_index_left_alone(tiny_dsvl, tiny_qwen2vl, notes, tmp_path):
    uri = tmp_path / "idx"
    build_index(notes, uri, tiny_dsvl, **FAST)
    before = snapshot(uri)
    for attempt in (
        lambda: build_index(notes, uri, tiny_qwen2vl, **FAST),
        lambda: Searcher.open(uri, tiny_qwen2vl),
    ):
        with pytest.raises(IndexMismatchError) as err:
            attempt()
        message = str(err.value)
        assert tiny_dsvl.fingerprint in message and tiny_qwen2vl.fingerprint in message
        assert "python -m indexer rebuild" in message
    assert_same_index(snapshot(uri), before)


def test_the_same_model_in_another_dtype_is_refused_naming_the_dtype(
    tiny_dsvl, tiny_dsvl_dir, notes, tmp_path
):
    from mme_core import MMEEncoder

    uri = tmp_path / "idx"
    build_index(notes, uri, tiny_dsvl, **FAST)
    assert Index.open(uri).meta.dtype == "float32"
    bf16 = MMEEncoder.from_pretrained(str(tiny_dsvl_dir), device="cpu", dtype="bfloat16")
    with pytest.raises(IndexMismatchError) as err:
        Searcher.open(uri, bf16)
    message = str(err.value)
    assert "embedded with float32 weights, the loaded encoder runs bfloat16" in message
    assert f"(--model {tiny_dsvl.model_id} --dtype float32)" in message
    assert "embedded by model" not in message  # the model path is the same: not named as the difference


def test_bad_inputs_are_refused_before_anything_is_written(tiny_dsvl, notes, tmp_path):
    uri = tmp_path / "idx"
    with pytest.raises(ValueError, match="collection not found: .*missing"):
        build_index(tmp_path / "missing", uri, tiny_dsvl, **FAST)
    with pytest.raises(
        ValueError, match="unsupported granularity N=5; valid values are 1, 2, 3, 4, 6, 8, 12, 24, full$"
    ):
        build_index(notes, uri, tiny_dsvl, ns=(3, 5), **FAST)
    with pytest.raises(ValueError, match="N=3 listed twice"):
        build_index(notes, uri, tiny_dsvl, ns="3,3", **FAST)
    doc = InterleavedDoc((TextSegment("a"),), id="same")
    with pytest.raises(ValueError, match="listed more than once: same"):
        build_index([doc, doc], uri, tiny_dsvl, **FAST)
    with pytest.raises(ValueError, match="document 0 has no id"):
        build_index([InterleavedDoc((TextSegment("a"),))], uri, tiny_dsvl, **FAST)
    with pytest.raises(ValueError, match="document 1 is a str"):
        build_index([doc, "text"], uri, tiny_dsvl, **FAST)
    assert not Index.exists(uri)

    build_index(notes, uri, tiny_dsvl, ns=(3,), **FAST)
    with pytest.raises(IndexMismatchError, match="stores N = 3, not 1, 3"):
        build_index(notes, uri, tiny_dsvl, ns=(1, 3), **FAST)


def test_a_broken_picture_costs_only_its_document_and_keeps_its_old_row(tiny_dsvl, tmp_path, image_factory):
    good = [
        InterleavedDoc((TextSegment(f"step {i}"), ImageSegment(image_factory(color))), id=f"d{i}")
        for i, color in enumerate(["red", "blue", "green"])
    ]
    uri = tmp_path / "idx"
    build_index(good, uri, tiny_dsvl, **FAST)
    before = snapshot(uri)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    broken = [
        InterleavedDoc((TextSegment("step 1 redone"), ImageSegment(str(empty))), id="d1"),
        InterleavedDoc((TextSegment("new"), ImageSegment(str(corrupt))), id="d3"),
    ]
    report = build_index([good[0], broken[0], good[2], broken[1]], uri, tiny_dsvl, **FAST)
    assert sorted(doc_id for doc_id, _ in report.failed) == ["d1", "d3"]
    assert any("empty (0 bytes)" in reason for _, reason in report.failed)
    assert (report.removed, report.rows) == (0, 3)
    assert_same_index(snapshot(uri), before)  # d1 keeps its last good version


def test_long_documents_are_stored_as_parts_and_text_or_image_only_queries_work(tiny_dsvl, tmp_path):
    pictures = {c: str(draw(tmp_path / f"{c}.png", c, "circle")) for c in ("red", "blue", "green")}
    long_text = "\n\n".join(f"Step {i}. " + " ".join(["tighten the bolt"] * 30) for i in range(1, 7))
    docs = [
        InterleavedDoc((TextSegment(long_text),), id="long", title="Long guide"),
        InterleavedDoc((TextSegment("Whisk the eggs with sugar until pale."),), id="text-only"),
        InterleavedDoc((ImageSegment(pictures["red"]), ImageSegment(pictures["blue"])), id="images-only"),
        InterleavedDoc((TextSegment("Cut along the line."), ImageSegment(pictures["green"])), id="mixed"),
    ]
    report = build_index(docs, tmp_path / "idx", tiny_dsvl, budget=200, ns=(1, 3), **FAST)
    assert report.rows > len(docs) and not report.failed
    index = Index.open(tmp_path / "idx")
    parts = sorted(d.part for d in index.documents("id = 'long'"))
    assert parts == list(range(len(parts))) and len(parts) > 1
    assert all(tiny_dsvl.count_tokens(d, 3) <= 200 for d in index.documents("id = 'long'"))

    searcher = Searcher.open(tmp_path / "idx", tiny_dsvl)
    for n in (1, 3):
        text_hit = searcher.search(InterleavedDoc(docs[1].segments), n=n, k=1)[0]
        image_hit = searcher.search(InterleavedDoc(docs[2].segments), n=n, k=1)[0]
        assert (text_hit.id, image_hit.id) == ("text-only", "images-only")
    part = index.documents("id = 'long' AND part = 1")[0]
    hit = searcher.search(InterleavedDoc(part.segments), n=3, k=1)[0]
    assert (hit.id, hit.doc.part) == ("long", 1)
    filtered = searcher.search(InterleavedDoc(docs[1].segments), n=3, k=10, title_contains="long g")
    assert filtered and {h.id for h in filtered} == {"long"}
    with pytest.raises(ValueError, match="image not found: .*nope.png"):
        searcher.search(InterleavedDoc((ImageSegment(str(tmp_path / "nope.png")),)), n=3)


def test_two_collections_share_an_index_without_clashing(tiny_dsvl, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    write_note(first, "index", "red", "circle", "Paint the door red.")
    write_note(second, "index", "blue", "square", "Wash the blue car.")
    uri = tmp_path / "idx"
    build_index(first, uri, tiny_dsvl, **FAST)
    report = build_index(second, uri, tiny_dsvl, **FAST)
    assert (report.added, report.removed, report.rows) == (1, 0, 2)  # adding b does not prune a
    index = Index.open(uri)
    assert {name: entry["root"] for name, entry in index.meta.collections.items()} == {
        "a": str(first.resolve()),
        "b": str(second.resolve()),
    }
    assert sorted(d.id for d in index.documents()) == ["a/index.md", "b/index.md"]
    assert sorted(d.meta["collection"] for d in index.documents()) == ["a", "b"]
    assert index.remove("a/index.md") == 1  # one document, not every index.md
    assert [d.id for d in index.documents()] == ["b/index.md"]
