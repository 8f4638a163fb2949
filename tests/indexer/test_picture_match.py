"""A query picture that a note shows byte for byte brings that note first, whatever the model."""

from __future__ import annotations

import shutil

from index_helpers import draw

from indexer import Searcher, build_index
from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment

FAST = {"progress": False, "write_batch": 2}


def query(*segments) -> InterleavedDoc:
    return InterleavedDoc(
        tuple(TextSegment(s) if isinstance(s, str) else ImageSegment(str(s)) for s in segments)
    )


def test_notes_showing_the_query_pictures_come_first(tiny_dsvl, notes, tmp_path):
    both = notes / "both.md"  # shows two notes' pictures: it answers a two-picture query best
    both.write_text("# Both\n\nFence and bread.\n\n![a](img/paint-fence.png)\n\n![b](img/bake-bread.png)\n")
    uri = tmp_path / "idx"
    build_index(notes, uri, tiny_dsvl, name="home", **FAST)
    searcher = Searcher.open(uri, tiny_dsvl)
    copy = shutil.copy(notes / "img" / "bake-bread.png", tmp_path / "from-my-phone.png")  # another name

    hits = searcher.search(query(copy), n=3, k=4)
    assert {(h.id, h.mode, h.score) for h in hits[:2]} == {
        ("home/bake-bread.md", "picture", 1.0),
        ("home/both.md", "picture", 1.0),
    }
    assert [h.rank for h in hits] == [1, 2, 3, 4] and {h.mode for h in hits[2:]} == {"semantic"}

    two = searcher.search(query("which one", notes / "img/paint-fence.png", copy), n=3, k=3)
    assert (two[0].id, two[0].score) == ("home/both.md", 2.0)  # shows both pictures
    assert {(h.id, h.score) for h in two[1:]} == {("home/paint-fence.md", 1.0), ("home/bake-bread.md", 1.0)}

    assert [h.id for h in searcher.search(query(copy), n=3, k=4, folders=("nowhere",))] == []  # filters hold


def test_a_picture_no_note_shows_leaves_the_ranking_as_it_was(tiny_dsvl, notes, tmp_path):
    uri = tmp_path / "idx"
    build_index(notes, uri, tiny_dsvl, name="home", **FAST)
    searcher = Searcher.open(uri, tiny_dsvl)
    new = draw(tmp_path / "new.png", "red", "circle", size=(90, 70))  # like paint-fence's, not its bytes

    hits = searcher.search(query("fence", new), n=3, k=5, mode="semantic")

    plain = searcher.search_vector(tiny_dsvl.encode([query("fence", new)], n=3, prompt_name="query")[0], 3, 5)
    assert [h.mode for h in hits] == ["semantic"] * 5
    assert [h.id for h in hits] == [h.id for h in plain]


def test_pictures_first_can_be_turned_off(tiny_dsvl, notes, tmp_path):
    uri = tmp_path / "idx"
    build_index(notes, uri, tiny_dsvl, name="home", **FAST)
    searcher = Searcher.open(uri, tiny_dsvl)
    picture = query(notes / "img" / "fix-sink.png")
    plain = searcher.search_vector(tiny_dsvl.encode([picture], n=3, prompt_name="query")[0], 3, 5)
    hits = searcher.search(picture, n=3, k=5, pictures_first=False)
    assert [(h.id, h.mode) for h in hits] == [(h.id, "semantic") for h in plain]
