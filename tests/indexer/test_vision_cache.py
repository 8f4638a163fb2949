"""The vision cache kept with the index: text edits and known pictures cost no vision call, and
entries leave with the last document that shows their picture."""

from __future__ import annotations

import numpy as np
from index_helpers import NOTES, draw

from indexer.build import build_index
from indexer.store import Index
from indexer.vision_cache import LanceVisionCache
from mme_core import EncodeStats, ImageSegment

NS = (1, 3)


def _cache_images(uri) -> set[str]:
    cache = LanceVisionCache(Index.open(uri).db)
    return set(cache.table.search().select(["image"]).limit(None).to_arrow()["image"].to_pylist())


def _hash(path) -> str:
    return ImageSegment(str(path)).content_hash()


def test_text_only_edit_and_reused_pictures_run_no_vision(tiny_dsvl, notes, tmp_path):
    uri = tmp_path / "index"
    tiny_dsvl.stats = EncodeStats()
    build_index(notes, uri, tiny_dsvl, ns=NS, progress=False)
    assert tiny_dsvl.stats.vision_images == len(NOTES)
    assert _cache_images(uri) == {_hash(p) for p in (notes / "img").iterdir()}

    note = notes / "fix-sink.md"
    note.write_text(note.read_text().replace("warm water", "hot water and vinegar"))
    (notes / "sink-again.md").write_text("# Sink, again\n\nSame trap as before.\n\n![](img/fix-sink.png)\n")
    tiny_dsvl.stats = EncodeStats()
    report = build_index(notes, uri, tiny_dsvl, progress=False)
    assert (report.updated, report.added) == (1, 1)
    assert tiny_dsvl.stats.vision_calls == 0 and tiny_dsvl.stats.decoded_images == 0
    assert tiny_dsvl.stats.cache_hits == 1  # one distinct picture serves both notes

    index = Index.open(uri)
    stored = index.vectors(3)
    docs = {doc.id: doc for doc in index.documents()}
    for doc_id in ("notes/fix-sink.md", "notes/sink-again.md"):
        key = next(k for k in stored if k.startswith(doc_id + "#"))
        fresh = tiny_dsvl.encode_all([docs[doc_id]], ns=[3])[3][0]  # no cache: through the vision tower
        assert np.abs(stored[key] - fresh).max() <= 1e-6


def test_entries_leave_with_the_last_note_showing_their_picture(tiny_dsvl, notes, tmp_path):
    uri = tmp_path / "index"
    build_index(notes, uri, tiny_dsvl, ns=NS, progress=False)
    bread = _hash(notes / "img" / "bake-bread.png")
    (notes / "bake-bread.md").unlink()
    (notes / "img" / "bake-bread.png").unlink()  # left alone, it would be a document of its own
    report = build_index(notes, uri, tiny_dsvl, progress=False)
    assert report.removed == 1
    assert bread not in _cache_images(uri) and len(_cache_images(uri)) == len(NOTES) - 1

    fence = _hash(notes / "img" / "paint-fence.png")
    assert Index.open(uri).remove("notes/paint-fence.md") == 1
    assert fence not in _cache_images(uri) and len(_cache_images(uri)) == len(NOTES) - 2


def test_a_picture_shared_by_two_notes_stays_while_one_shows_it(tiny_dsvl, notes, tmp_path):
    uri = tmp_path / "index"
    (notes / "tomato-again.md").write_text("# Tomatoes\n\nStake them.\n\n![](img/plant-tomato.png)\n")
    build_index(notes, uri, tiny_dsvl, ns=NS, progress=False)
    (notes / "plant-tomato.md").unlink()
    build_index(notes, uri, tiny_dsvl, progress=False)
    assert _hash(notes / "img" / "plant-tomato.png") in _cache_images(uri)


def test_an_edited_picture_is_embedded_again(tiny_dsvl, notes, tmp_path):
    uri = tmp_path / "index"
    build_index(notes, uri, tiny_dsvl, ns=NS, progress=False)
    draw(notes / "img" / "fold-paper.png", "black", "square")  # same name, new pixels
    tiny_dsvl.stats = EncodeStats()
    build_index(notes, uri, tiny_dsvl, progress=False)
    assert tiny_dsvl.stats.vision_images == 1 and tiny_dsvl.stats.cache_hits == 0
    assert _hash(notes / "img" / "fold-paper.png") in _cache_images(uri)
    assert len(_cache_images(uri)) == len(NOTES)  # the old picture's entry was pruned


def test_a_diagram_is_read_from_the_cache_in_one_prefetch_and_drawn_again_after_a_font_change(
    tiny_dsvl, notes, tmp_path, monkeypatch
):
    import mme_core.vision_pass as vision_pass
    from indexer.rebuild import rebuild_index

    for k, colour in enumerate(("navy", "teal", "olive")):
        (notes / "img" / f"wiring{k}.svg").write_text(
            '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80">'
            f'<rect width="120" height="80" fill="{colour}"/><text x="10" y="40">L{k}</text></svg>'
        )
    (notes / "wiring.md").write_text(
        "# Wiring\n\nThe lamp's wiring.\n\n" + "".join(f"![](img/wiring{k}.svg)\n" for k in range(3))
    )
    uri = tmp_path / "index"
    build_index(notes, uri, tiny_dsvl, ns=NS, progress=False)
    loads = []
    real_load = LanceVisionCache._load
    monkeypatch.setattr(LanceVisionCache, "_load", lambda self, *a: loads.append(a) or real_load(self, *a))
    tiny_dsvl.stats = EncodeStats()
    rebuild_index(str(uri), tiny_dsvl, None, False)  # every note embedded again, pictures from the cache
    assert tiny_dsvl.stats.decoded_images == 0 and tiny_dsvl.stats.cache_hits == len(NOTES) + 3
    assert len(loads) == 2  # one prefetch per preprocessing (photos, drawings), no lookup per picture

    monkeypatch.setattr(vision_pass, "renderer_id", lambda: "resvg-0.5.0-a-font-installed")
    tiny_dsvl.stats = EncodeStats()
    rebuild_index(str(uri), tiny_dsvl, None, False)
    assert tiny_dsvl.stats.decoded_images == 3 and tiny_dsvl.stats.cache_hits == len(NOTES)
