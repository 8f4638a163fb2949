"""The page's search choices (mode, collections, folder, tags), highlighting and the Collection tab,
through the handlers over a real index of two collections (a demo and a person's notes), tiny model."""

from __future__ import annotations

import re
from html import unescape

import gradio as gr
import pytest

from indexer.search import Filters
from mme_core.documents import InterleavedDoc, TextSegment
from webapp.handlers import Handlers
from webapp.media import MediaRegistry
from webapp.service import SearchService

from .helpers import write_notes

NS = (1, 3)
MINE = {
    "garden/prune-roses.md": "# Prune roses\n\nCut each cane above a bud.\n",
    "garden/plant-tomatoes.md": "# Planting tomatoes\n\nDig deep, water well.\n",
    "kitchen/hongshao.md": "# 红烧肉\n\n五花肉切块，红烧肉的做法很简单。\n",
    "kitchen/unsafe.md": "# Weave <script>alert(1)</script>\n\nWeave the reeds & keep 3 < 5 weaves.\n",
    "kitchen/missing-photo.md": "# Bake bread\n\nKnead it.\n\n![crust](photos/crust.jpg)\n\nBake it.\n",
}


def write_mine(root):
    for relative, text in MINE.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    return root


def make_handlers(tmp_path, tiny_dsvl, searcher_uri, upload_root) -> Handlers:
    from indexer import Searcher, build_index

    service = SearchService(
        Searcher.open(searcher_uri, tiny_dsvl),
        tiny_dsvl,
        media=MediaRegistry(upload_root),
        index_uri=searcher_uri,
        open_searcher=Searcher.open,
        build_index=build_index,
        collections_roots=(tmp_path,),
    )
    return Handlers(service)


@pytest.fixture(scope="module")
def two_collections(tmp_path_factory, tiny_dsvl) -> str:
    """An index holding the demo (the shapes notes) and a person's notes called "mine"."""
    from indexer import build_index

    root = tmp_path_factory.mktemp("two")
    uri = str(root / "index")
    build_index(
        str(write_notes(root / "demo")), uri, tiny_dsvl, ns=NS, progress=False, name="demo", demo=True
    )
    build_index(str(write_mine(root / "mine")), uri, tiny_dsvl, ns=NS, progress=False, name="mine")
    return uri


@pytest.fixture
def handlers(two_collections, tiny_dsvl, tmp_path, upload_root) -> Handlers:
    return make_handlers(tmp_path, tiny_dsvl, two_collections, upload_root)


def text(words: str) -> list[dict]:
    return [{"type": "text", "text": words}]


def card_ids(html: str) -> list[str]:
    return re.findall(r'data-id="([^"]+)"', html)


def test_each_mode_gives_the_librarys_ranking_and_says_which(handlers):
    searcher = handlers.service.searcher
    query = InterleavedDoc((TextSegment("prune roses"),))
    rankings = {}
    for mode in ("keyword", "semantic", "hybrid"):
        html, _ = handlers.search(text("prune roses"), 3, 5, mode, ["mine"], "", [])
        library = searcher.search(query, n=3, k=5, mode=mode, filters=Filters(collections=("mine",)))
        assert card_ids(html) == [hit.id for hit in library]
        assert f"{mode} search" in html
        rankings[mode] = card_ids(html)
    assert rankings["keyword"][0] == "mine/garden/prune-roses.md"
    assert 'title="BM25 keyword score"' in handlers.search(text("prune"), 3, 5, "keyword")[0]
    html, _ = handlers.search(text("prune"), 3, 5, "fuzzy")
    assert "unknown search mode 'fuzzy'" in unescape(html) and "keyword, semantic, hybrid" in html


def test_default_mode_and_collections_come_from_the_searcher(handlers):
    service = handlers.service
    assert service.default_mode() == service.searcher.default_mode
    assert service.default_collections() == ["mine"]  # own notes, never mixed with the demo
    html, _ = handlers.search(text("fold a red circle"), 3, 10, None, [], "", [])
    assert card_ids(html) and all(i.startswith("mine/") for i in card_ids(html))
    html, _ = handlers.search(text("fold a red circle"), 3, 10, "keyword", ["demo"], "", [])
    assert card_ids(html)[0] == "demo/fold-red-circle.md"
    assert all(i.startswith("demo/") for i in card_ids(html))
    both, _ = handlers.search(text("fold a red circle"), 3, 10, "keyword", ["demo", "mine"], "", [])
    assert {i.split("/")[0] for i in card_ids(both)} == {"demo", "mine"}
    html, _ = handlers.search(text("roses"), 3, 10, "keyword", ["recipes"], "", [])
    assert "no collection named 'recipes'" in unescape(html) and "demo, mine" in html


def test_folder_and_tag_filters_narrow_every_mode(tmp_path, tiny_dsvl, upload_root):
    from indexer import build_index

    def note(path, words, tags):
        segments = (TextSegment(words),)
        return InterleavedDoc(segments, id=path, title=words, source=path, meta={"tags": tags})

    docs = [
        note("garden/roses.md", "Prune roses and water them", ["roses", "pruning"]),
        note("garden/tomatoes.md", "Water tomatoes in the morning", ["Vegetables"]),
        note("kitchen/soup.md", "Water, roses petals and tomatoes soup", []),
    ]
    uri = str(tmp_path / "index")
    build_index(docs, uri, tiny_dsvl, ns=NS, progress=False, name="mine")
    handlers = make_handlers(tmp_path, tiny_dsvl, uri, upload_root)
    assert handlers.service.tags() == ["pruning", "roses", "vegetables"]  # offered from the index
    for mode in ("keyword", "semantic", "hybrid"):
        html, _ = handlers.search(text("water roses tomatoes"), 3, 10, mode, [], "garden/", [])
        assert set(card_ids(html)) == {"mine/garden/roses.md", "mine/garden/tomatoes.md"}
        html, _ = handlers.search(text("water roses tomatoes"), 3, 10, mode, [], "", ["#vegetables"])
        assert card_ids(html) == ["mine/garden/tomatoes.md"]
        html, _ = handlers.search(text("water roses"), 3, 10, mode, [], "kitchen, garden", ["roses"])
        assert card_ids(html) == ["mine/garden/roses.md"]
    html, _ = handlers.search(text("roses"), 3, 10, "keyword", [], "kitchen", ["roses"])
    assert card_ids(html) == [] and "No documents matched" in html


def test_matched_words_are_marked_and_collection_html_stays_text(handlers):
    html, _ = handlers.search(text("weave reeds"), 3, 1, "keyword", ["mine"], "", [])
    assert card_ids(html) == ["mine/kitchen/unsafe.md"]
    assert "<mark>Weave</mark> the <mark>reeds</mark> &amp; keep 3 &lt; 5 <mark>weave</mark>s." in html
    assert "<script>" not in html
    html, _ = handlers.search(text("红烧肉怎么做"), 3, 1, "keyword", ["mine"], "", [])
    assert card_ids(html) == ["mine/kitchen/hongshao.md"]
    assert "<mark>红烧肉</mark>的<mark>做</mark>" not in html  # one character alone is not a match
    assert "<mark>红烧肉</mark>的做法" in html


def test_collections_table_lists_each_collection_with_its_counts(handlers):
    rows = {row[0]: row for row in handlers.collections_table()}
    assert set(rows) == {"demo (demo)", "mine"}
    name, folder, documents, parts, images, skipped, updated = rows["mine"]
    assert folder.endswith("mine") and documents == len(MINE) and parts >= documents
    assert images == 0 and skipped == 1 and re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d", updated)
    assert rows["demo (demo)"][2:5] == [6, 6, 6]


def test_indexing_a_named_folder_shows_the_summary_and_what_was_not_indexed(tmp_path, tiny_dsvl, upload_root):
    from indexer import build_index

    uri = str(tmp_path / "index")
    build_index(
        str(write_notes(tmp_path / "demo")), uri, tiny_dsvl, ns=NS, progress=False, name="demo", demo=True
    )
    handlers = make_handlers(tmp_path, tiny_dsvl, uri, upload_root)
    assert handlers.service.default_collections() == ["demo"]  # nothing of the person's yet
    notes = write_mine(tmp_path / "my notes")
    status, skipped, stats, table, chooser, tags, mode, removal, words = handlers.index_folder(
        str(notes), " recipes "
    )
    assert "Collection &#x27;recipes&#x27;: 5 added, 0 updated, 0 unchanged, 0 removed" in status
    assert "1 not indexed" in status
    assert skipped["visible"] is True
    recorded = handlers.service.skipped("recipes")  # what the build kept in the index, in full
    assert len(recorded) == 1 and "crust.jpg" in recorded[0]["message"]
    assert skipped["value"] == [
        ["recipes", r["source"], r["reference"], r["reason"], r["message"]] for r in recorded
    ]
    assert skipped["label"] == "Not indexed (1)"
    assert chooser["choices"] == ["demo", "recipes"] and chooser["value"] == ["recipes"]
    assert (
        tags["choices"] == handlers.service.tags() and mode["value"] == handlers.service.searcher.default_mode
    )
    assert [row[0] for row in table] == ["demo (demo)", "recipes"]
    assert words["value"] is False  # the box shows the index's choice: not reading pictures

    status, skipped, *_ = handlers.index_folder(str(notes), "recipes")  # again: nothing changed
    assert "0 added, 0 updated, 5 unchanged" in status and len(skipped["value"]) == 1
    status, *_ = handlers.index_folder(str(notes), "a/b")
    assert "invalid collection name 'a/b'" in unescape(status)

    # a page opened later (after a restart) lists what the index recorded, every collection's
    later = make_handlers(tmp_path, tiny_dsvl, uri, upload_root).not_indexed()
    assert later["visible"] and [row[:2] for row in later["value"]] == [
        ["recipes", "kitchen/missing-photo.md"]
    ]
    assert "crust.jpg" in later["value"][0][4]


def test_removing_a_collection_takes_a_confirmation(tmp_path, tiny_dsvl, upload_root):
    from indexer import build_index

    uri = str(tmp_path / "index")
    build_index(
        str(write_notes(tmp_path / "demo")), uri, tiny_dsvl, ns=NS, progress=False, name="demo", demo=True
    )
    build_index(str(write_mine(tmp_path / "mine")), uri, tiny_dsvl, ns=NS, progress=False, name="mine")
    handlers = make_handlers(tmp_path, tiny_dsvl, uri, upload_root)

    message, buttons = handlers.confirm_removal("mine")
    assert "Remove collection &#x27;mine&#x27; (5 documents)" in message["value"] and buttons["visible"]
    status, *_ = handlers.remove_collection("mine", confirmed=False)
    assert "Nothing removed" in status and len(handlers.collections_table()) == 2

    status, _, _, table, chooser, *_ = handlers.remove_collection("mine", confirmed=True)
    assert "Removed collection &#x27;mine&#x27;" in status
    assert [row[0] for row in table] == ["demo (demo)"] and chooser["value"] == ["demo"]
    html, _ = handlers.search(text("prune roses"), 3, 10, "keyword", [], "", [])
    assert all(i.startswith("demo/") for i in card_ids(html))  # its rows and its FTS entries are gone
    status, *_ = handlers.remove_collection("mine", confirmed=True)
    assert "no collection named &#x27;mine&#x27;" in status
    message, buttons = handlers.confirm_removal(None)
    assert "choose a collection" in message["value"] and buttons["visible"] is False


def test_api_search_takes_mode_and_filters_and_refuses_bad_ones(handlers):
    records = handlers.api_search(["cut each cane"], 3, 3, "keyword", ["mine"], ["garden"], None)
    assert records[0]["id"] == "mine/garden/prune-roses.md" and records[0]["mode"] == "keyword"
    titled = handlers.api_search(["Prune roses"], 3, 3, "keyword", ["mine"], ["garden"], None)
    assert (titled[0]["id"], titled[0]["mode"]) == ("mine/garden/prune-roses.md", "title")
    for args, message in [
        (("hybrid", "mine", None, None), None),
        (("nope", None, None, None), "unknown search mode"),
        (("", ["nope"], None, None), "no collection named 'nope'"),
        (("", None, [3], None), "folders must be a list of strings"),
    ]:
        if message is None:
            assert handlers.api_search(["roses"], 3, 3, *args)
            continue
        with pytest.raises(gr.Error, match=message):
            handlers.api_search(["roses"], 3, 3, *args)


def test_the_demo_examples_are_offered_only_while_the_demo_is_searched(tmp_path, tiny_dsvl, upload_root):
    from indexer import build_index
    from webapp.assets import ExampleQuery
    from webapp.startup import examples_collection

    demo_folder = write_notes(tmp_path / "demo")
    uri = str(tmp_path / "index")
    build_index(str(demo_folder), uri, tiny_dsvl, ns=NS, progress=False, name="demo", demo=True)
    service = make_handlers(tmp_path, tiny_dsvl, uri, upload_root).service
    collections = service.searcher.index.meta.collections
    assert examples_collection(collections, tmp_path / "x" / ".." / "demo") == "demo"  # its folder, resolved
    assert examples_collection(collections, tmp_path / "elsewhere") is None  # --index of other notes: none

    chip = ExampleQuery("fold", (("text", "fold a red circle"),))
    handlers = Handlers(service, (chip,), examples_collection="demo")
    assert handlers.examples_shown() is True  # nothing of the person's yet: the demo is what is searched
    handlers.index_folder(str(write_mine(tmp_path / "mine")), "recipes")
    assert handlers.examples_shown() is False  # their own notes now come first: the chips would miss
    assert handlers.examples_visibility(["recipes"])["visible"] is False
    assert handlers.examples_visibility(["recipes", "demo"])["visible"] is True
    assert Handlers(service, (chip,)).examples_shown() is True  # written for no collection: always offered
    assert Handlers(service, (), examples_collection="demo").examples_shown() is False

    from webapp.layout import AppOptions, build_demo

    page = build_demo(service.searcher, tiny_dsvl, AppOptions(examples=(chip,), examples_collection="demo"))
    shown = {c["props"].get("elem_id"): c["props"].get("visible") for c in page.config["components"]}
    assert shown["mme-examples"] is False  # the page opens on the person's recipes
    deps = page.config["dependencies"]
    names = {dep["id"]: dep["api_name"] for dep in deps}
    refreshed = [d for d in deps if d["api_name"].startswith("examples_visibility")]
    assert {names[d["trigger_after"]] for d in refreshed if d["trigger_after"] is not None} == {
        "controls",
        "index_folder",
        "index_upload",
        "remove",
    }
    chooser = next(c for c in page.config["components"] if c["props"].get("elem_id") == "mme-collections")
    assert [d["targets"] for d in refreshed if d["trigger_after"] is None] == [[(chooser["id"], "input")]]
