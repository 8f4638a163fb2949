"""The stat cache: a no-op run reads, vets and hashes nothing, yet every change a note depends on is seen.

Counts, not timings: notes read (`FolderReader._read_file`), image files read for hashing or vetting
(`ImageSegment.read_bytes`, `check_image`), images decoded (encoder stats) and documents embedded.
"""

from __future__ import annotations

import os
import shutil
import time

import pytest
from index_helpers import NOTES, CountingEncoder, FailingEncoder, draw

import indexer.sources.base as base
import indexer.sources.images as images
import mme_core.documents as documents
from indexer.build import build_index
from indexer.file_stats import FILE_STATS_TABLE
from indexer.meta import table_names
from indexer.store import Index
from mme_core import EncodeStats

NS = (1, 3)


def settle(folder, age: float = 30.0) -> None:
    """Date every file `age` seconds back: a stat taken within 50 ms of a write is not trusted (a
    second write in the same timestamp tick would go unseen), and tests write files just before."""
    when = time.time() - age
    for path in [folder, *folder.rglob("*")] if folder.is_dir() else [folder]:
        os.utime(path, (when, when))


@pytest.fixture
def counts(monkeypatch):
    """Counts of notes read and image files opened, in a process whose hash memo is empty."""
    seen = {"notes": 0, "image reads": 0, "image checks": 0}
    read_file, read_bytes, check = (
        base.FolderReader._read_file,
        documents.ImageSegment.read_bytes,
        images.check_image,
    )

    def counting_read_file(self, *args, **kwargs):
        seen["notes"] += 1
        return read_file(self, *args, **kwargs)

    def counting_read_bytes(self):
        seen["image reads"] += 1
        return read_bytes(self)

    def counting_check(*args, **kwargs):
        seen["image checks"] += 1
        return check(*args, **kwargs)

    monkeypatch.setattr(base.FolderReader, "_read_file", counting_read_file)
    monkeypatch.setattr(documents.ImageSegment, "read_bytes", counting_read_bytes)
    monkeypatch.setattr(images, "check_image", counting_check)

    def reset() -> dict:
        documents._digest.cache_clear()  # as in a new process: nothing hashed yet
        seen.update(dict.fromkeys(seen, 0))
        return seen

    return reset


def build(folder, uri, encoder, **options):
    return build_index(folder, uri, encoder, ns=NS, progress=False, **options)


def test_a_no_op_run_reads_no_note_and_opens_no_image(tiny_dsvl, notes, tmp_path, counts):
    uri = tmp_path / "index"
    settle(notes)
    build(notes, uri, tiny_dsvl)
    seen = counts()
    tiny_dsvl.stats = EncodeStats()
    report = build(notes, uri, tiny_dsvl)
    assert seen == {"notes": 0, "image reads": 0, "image checks": 0}
    assert tiny_dsvl.stats.decoded_images == 0
    assert (report.parts, report.unchanged, report.embedded, report.removed) == (len(NOTES), len(NOTES), 0, 0)
    assert Index.open(uri).count() == len(NOTES)


def test_editing_a_picture_re_embeds_exactly_the_notes_showing_it(tiny_dsvl, notes, tmp_path, counts):
    uri = tmp_path / "index"
    (notes / "fold-again.md").write_text("# Fold again\n\nA second fold.\n\n![](img/fold-paper.png)\n")
    settle(notes)
    build(notes, uri, tiny_dsvl)
    draw(notes / "img" / "fold-paper.png", "black", "square")  # same name, new bytes
    settle(notes / "img" / "fold-paper.png", age=5)
    counting = CountingEncoder(tiny_dsvl)
    seen = counts()
    report = build(notes, uri, counting)
    assert sorted(counting.embedded) == ["notes/fold-again.md", "notes/fold-paper.md"]
    assert (report.updated, report.unchanged) == (2, len(NOTES) - 1)
    assert seen["notes"] == 2


def test_touching_a_note_reads_it_again_but_embeds_nothing(tiny_dsvl, notes, tmp_path, counts):
    uri = tmp_path / "index"
    settle(notes)
    build(notes, uri, tiny_dsvl)
    when = time.time() - 5
    os.utime(notes / "bake-bread.md", (when, when))
    counting = CountingEncoder(tiny_dsvl)
    seen = counts()
    report = build(notes, uri, counting)
    assert seen["notes"] == 1 and counting.embedded == []
    assert report.unchanged == len(NOTES)
    seen = counts()
    build(notes, uri, counting)  # its new stat was recorded
    assert seen["notes"] == 0


def test_a_picture_appearing_where_a_link_was_missing_re_embeds_the_note(tiny_dsvl, notes, tmp_path, counts):
    uri = tmp_path / "index"
    (notes / "later.md").write_text("# Later\n\nThe photo comes later.\n\n![](img/later.png)\n")
    settle(notes)
    report = build(notes, uri, tiny_dsvl)
    assert [(s.source, s.reason) for s in report.skipped] == [("later.md", "missing")]
    assert build(notes, uri, tiny_dsvl).skipped == report.skipped  # still reported on a no-op run
    draw(notes / "img" / "later.png", "black", "circle")
    settle(notes / "img" / "later.png", age=5)
    counting = CountingEncoder(tiny_dsvl)
    seen = counts()
    report = build(notes, uri, counting)
    assert counting.embedded == ["notes/later.md"] and seen["notes"] == 1
    assert report.skipped == () and Index.open(uri).skipped() == []
    doc = next(d for d in Index.open(uri).documents() if d.id == "notes/later.md")
    assert len(doc.images) == 1


def test_a_new_file_of_an_obsidian_name_is_seen_by_the_notes_embedding_that_name(tiny_dsvl, tmp_path, counts):
    vault = tmp_path / "vault"
    (vault / ".obsidian").mkdir(parents=True)
    (vault / "a.md").write_text("# A\n\nAn embed by name.\n\n![[pic.png]]\n")
    (vault / "b.md").write_text("# B\n\nNo pictures here.\n")
    draw(vault / "far" / "deep" / "pic.png", "red", "circle")
    settle(vault)
    uri = tmp_path / "index"
    build(vault, uri, tiny_dsvl)
    draw(vault / "pic.png", "blue", "square")  # a nearer file of that name: Obsidian now shows this one
    settle(vault / "pic.png", age=5)
    counting = CountingEncoder(tiny_dsvl)
    seen = counts()
    build(vault, uri, counting)
    # a.md now shows the nearer picture; the far one, shown by no note, is a document of its own
    assert counting.embedded == ["vault/a.md", "vault/far/deep/pic.png"] and seen["notes"] == 1


def test_editing_a_block_re_reads_the_notes_quoting_it(tiny_dsvl, tmp_path, counts):
    """A Logseq block reference reads as the block's words: a change to the page holding the block
    reaches the notes quoting it, and nothing else is read."""
    graph = tmp_path / "graph"
    (graph / "logseq").mkdir(parents=True)
    (graph / "logseq" / "config.edn").write_text("{}\n")
    (graph / "pages").mkdir()
    uuid = "6098a1b2-0c3d-4e5f-8a9b-0123456789ab"
    (graph / "pages" / "starter.md").write_text(f"- Feed the starter twice\n  id:: {uuid}\n")
    (graph / "pages" / "bread.md").write_text(f"- Bread day: (({uuid}))\n")
    (graph / "pages" / "other.md").write_text("- Nothing quoted here\n")
    settle(graph)
    uri = tmp_path / "index"
    build(graph, uri, tiny_dsvl)
    (graph / "pages" / "starter.md").write_text(f"- Feed the starter three times\n  id:: {uuid}\n")
    settle(graph / "pages" / "starter.md", age=5)
    seen = counts()
    build(graph, uri, tiny_dsvl)
    assert seen["notes"] == 2  # starter.md itself and bread.md, which quotes it
    bread = next(d for d in Index.open(uri).documents() if d.id == "graph/pages/bread.md")
    assert bread.text == "- Bread day: Feed the starter three times"


def test_skipped_rows_stay_for_unchanged_notes_and_leave_with_deleted_ones(
    tiny_dsvl, notes, tmp_path, counts
):
    uri = tmp_path / "index"
    (notes / "remote.md").write_text("# Remote\n\nFrom the web.\n\n![](https://example.com/a.png)\n")
    (notes / "gone.md").write_text("# Gone\n\nSoon deleted.\n\n![](img/nothing.png)\n")
    settle(notes)
    first = build(notes, uri, tiny_dsvl)
    before = sorted((row["source"], row["reason"]) for row in Index.open(uri).skipped())
    assert before == [("gone.md", "missing"), ("remote.md", "remote")]
    seen = counts()
    again = build(notes, uri, tiny_dsvl)
    assert seen["notes"] == 0 and sorted(again.skipped, key=str) == sorted(first.skipped, key=str)
    assert sorted((row["source"], row["reason"]) for row in Index.open(uri).skipped()) == before
    (notes / "gone.md").unlink()
    report = build(notes, uri, tiny_dsvl)
    assert report.removed == 1
    assert [(row["source"], row["reason"]) for row in Index.open(uri).skipped()] == [("remote.md", "remote")]
    stats = Index.open(uri).db.open_table(FILE_STATS_TABLE).to_arrow()["source"].to_pylist()
    assert "gone.md" not in stats and len(stats) == len(NOTES) + 1


def test_a_killed_run_resumes_exactly_and_then_caches(tiny_dsvl, notes, tmp_path, counts):
    settle(notes)
    crashed, clean = tmp_path / "crashed", tmp_path / "clean"
    with pytest.raises(RuntimeError, match="simulated crash"):
        build(notes, crashed, FailingEncoder(tiny_dsvl, fail_after=2), write_batch=1)
    assert FILE_STATS_TABLE not in table_names(Index.open(crashed).db)  # written after the rows only
    counting = CountingEncoder(tiny_dsvl)
    report = build(notes, crashed, counting, write_batch=1)
    assert len(counting.embedded) == len(NOTES) - 2 and report.added == len(NOTES) - 2
    build(notes, clean, tiny_dsvl)
    a, b = Index.open(crashed), Index.open(clean)
    assert a.count() == b.count() == len(NOTES)
    assert a.content_hashes() == b.content_hashes()
    seen = counts()
    build(notes, crashed, tiny_dsvl)
    assert seen["notes"] == 0


def test_rows_removed_by_hand_bring_their_note_back_and_a_moved_folder_keeps_its_cache(
    tiny_dsvl, notes, tmp_path, counts
):
    uri = tmp_path / "index"
    settle(notes)
    build(notes, uri, tiny_dsvl)
    assert Index.open(uri).remove("notes/fix-sink.md") == 1
    seen = counts()
    report = build(notes, uri, tiny_dsvl)
    assert seen["notes"] == 1 and report.added == 1  # its cache entry no longer matched the rows
    moved = tmp_path / "moved"
    shutil.move(notes, moved)  # a rename keeps mtimes
    seen = counts()
    report = build(moved, uri, tiny_dsvl, name="notes")
    assert seen["notes"] == 0 and report.unchanged == len(NOTES)
    assert Index.open(uri).meta.collections["notes"]["root"] == str(moved.resolve())


def test_a_new_reader_version_reads_every_note_again_and_embeds_only_what_changed(
    tiny_dsvl, notes, tmp_path, counts, monkeypatch
):
    import indexer.prepare

    uri = tmp_path / "index"
    settle(notes)
    build(notes, uri, tiny_dsvl)
    monkeypatch.setattr(indexer.prepare, "READER_VERSION", "next")  # a reader whose output changed
    counting = CountingEncoder(tiny_dsvl)
    seen = counts()
    report = build(notes, uri, counting)
    assert seen["notes"] == len(NOTES)  # the stat cache of the old reader is not trusted
    assert counting.embedded == [] and report.unchanged == len(NOTES)  # same bytes out: same rows
    seen = counts()
    build(notes, uri, counting)
    assert seen["notes"] == 0  # cached again under the new version


def test_editing_only_front_matter_rewrites_the_row_without_embedding(tiny_dsvl, notes, tmp_path):
    from indexer import Searcher
    from mme_core.documents import InterleavedDoc, TextSegment

    uri = tmp_path / "index"
    note = notes / "bake-bread.md"
    body = note.read_text()
    settle(notes)
    build(notes, uri, tiny_dsvl)
    note.write_text("---\ntitle: Хлеб на закваске\ntags: [выпечка]\n---\n" + body)  # text unchanged
    settle(note, age=5)
    counting = CountingEncoder(tiny_dsvl)
    report = build(notes, uri, counting)

    assert counting.embedded == []  # same content: its vectors are reused
    assert (report.updated, report.unchanged) == (1, len(NOTES) - 1)
    [row] = Index.open(uri).table.search().where("id = 'notes/bake-bread.md'").to_list()
    assert (row["title"], row["tags"]) == ("Хлеб на закваске", ["выпечка"])
    query = InterleavedDoc((TextSegment("Knead the dough"),))
    hits = Searcher.open(uri, None, warm=False).search(query, k=5, mode="keyword", tags=("выпечка",))
    assert [hit.id for hit in hits] == ["notes/bake-bread.md"]
