"""Page handlers over a real tmp index built with the tiny DeepSeek-VL (no fakes)."""

from __future__ import annotations

import base64
import io
import os
import re
import shutil
import zipfile
from unittest.mock import ANY

import gradio as gr
import pytest

from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment
from webapp.assets import ExampleQuery
from webapp.handlers import Handlers
from webapp.layout import AppOptions, build_demo
from webapp.media import MediaRegistry
from webapp.plot import QUERY, RESULTS, SAMPLE
from webapp.service import SearchService

from .helpers import write_notes


@pytest.fixture
def handlers(app_searcher, tiny_dsvl, app_index, upload_root, tmp_path, app_collection):
    from indexer import Searcher, build_index

    service = SearchService(
        app_searcher,
        tiny_dsvl,
        media=MediaRegistry(upload_root),
        index_uri=app_index,
        open_searcher=Searcher.open,
        build_index=build_index,
        collections_roots=(tmp_path,),
        uploads_dir=tmp_path / "zips",
    )
    red_circle = str(app_collection / "images/red_circle.png")
    example = ExampleQuery("red", (("text", "fold it"), ("image", red_circle)))
    return Handlers(service, (example,))


def upload(path, upload_root) -> str:
    target = upload_root / "u1" / os.path.basename(path)
    target.parent.mkdir(exist_ok=True)
    shutil.copy(path, target)
    return str(target)


def card_ids(html: str) -> list[str]:
    return re.findall(r'data-id="([^"]+)"', html)


def test_search_returns_the_librarys_ranking_as_cards(handlers, app_searcher, app_collection, upload_root):
    image = upload(app_collection / "images/blue_square.png", upload_root)
    value = [{"type": "text", "text": "Paint a blue square"}, {"type": "image", "path": image}]
    html, state = handlers.search(value, 3, 4)
    library = app_searcher.search(
        InterleavedDoc((TextSegment("Paint a blue square"), ImageSegment(os.path.realpath(image)))), n=3, k=4
    )
    assert card_ids(html) == [hit.id for hit in library]
    scores = [float(s) for s in re.findall(r'data-score="([^"]+)"', html)]
    assert scores == sorted(scores, reverse=True) and len(scores) == 4
    assert state["n"] == 3 and [h.id for h in state["hits"]] == card_ids(html)


def test_each_stored_n_gives_its_own_ranking_and_labels(handlers, app_searcher, app_collection):
    doc = app_searcher.search(InterleavedDoc((TextSegment("glue"),)), n=1, k=1)[0].doc
    value = handlers.more_like_this(handlers.media.doc_token(doc))
    for n in app_searcher.ns:
        html, state = handlers.search(value, n, 6)
        assert f"N = {n} ({n * n} tokens/image)" in html
        assert card_ids(html)[0] == doc.id  # a document is its own best match at every N


def test_bad_queries_come_back_as_inline_messages(handlers, upload_root):
    for value, message in [
        ([], "the query is empty"),
        ([{"type": "image", "path": "/etc/passwd"}], "refused image path"),
        ([{"type": "text", "text": "x"}], "not stored"),
    ]:
        html, state = handlers.search(value, 8 if message == "not stored" else 3, 10)
        assert 'class="mme-error"' in html and message in html and state is None
    html, _ = handlers.search([{"type": "text", "text": "x"}], 3, 0)
    assert "k must be an integer from 1 to 50" in html
    html, _ = handlers.search([{"type": "text", "text": "x"}], 3, "ten")
    assert "whole number" in html


def test_slider_does_nothing_until_something_is_composed(handlers):
    assert handlers.search_if_composed([{"type": "text", "text": "  "}], 2, 10) == (gr.skip(), gr.skip())
    html, state = handlers.search_if_composed([{"type": "text", "text": "fold"}], 2, 10)
    assert state["n"] == 2


class CountingEncodeAll:
    """Counts the documents the encoder embeds (every path ends in `encode_all`)."""

    def __init__(self, encoder, monkeypatch):
        self.docs = 0
        original = encoder.encode_all

        def counted(docs, *args, **kwargs):
            self.docs += len(docs)
            return original(docs, *args, **kwargs)

        # On the instance's dict: undone by deleting it again (setattr would leave a bound method
        # behind on the session-wide encoder, which copies of it then carry).
        monkeypatch.setitem(vars(encoder), "encode_all", counted)


def test_plot_marks_the_query_and_top_results_on_the_sample_at_n(handlers, tiny_dsvl, monkeypatch):
    value = handlers.example(0)  # text + picture: its dominance is defined
    _, state = handlers.search(value, 4, 10)
    first = handlers.plot(state)  # computes (or reads) the index's sample at N = 4
    counting = CountingEncodeAll(tiny_dsvl, monkeypatch)
    _, state = handlers.search(value, 4, 10)
    assert counting.docs == 1  # the search embeds its query once
    update = handlers.plot(state)
    assert counting.docs == 3  # the plot adds only the query's text-only and image-only views
    table = update["value"]
    assert table.equals(first["value"])
    assert "N = 4 (16 tokens/image)" in update["title"]
    sample = table[table.series == SAMPLE]
    assert sample.parts.sum() == len(handlers.service.searcher.index.documents())  # every part mixed
    [query] = table[table.series == QUERY].itertuples()
    assert query.parts == 1 and query.which == "query"
    marked = "; ".join(table[table.series == RESULTS].which).split("; ")
    assert sorted(label.split()[0] for label in marked) == ["#1", "#2", "#3", "#4", "#5"]
    assert update["sort"] == list(dict.fromkeys(table.sort_values("order").dominance))
    assert handlers.plot(None) == gr.skip()


def test_a_cjk_title_survives_into_the_plot_data(tiny_dsvl, tmp_path, upload_root, app_collection):
    from indexer import Searcher, build_index

    notes = write_notes(tmp_path / "notes")
    shutil.copy(app_collection / "images/red_circle.png", notes / "images/cjk.png")
    (notes / "cjk.md").write_text("# 折纸红色圆形\n\n先把红纸剪成圆形。\n\n![圆](images/cjk.png)\n\n对折。\n")
    uri = str(tmp_path / "index")
    build_index(str(notes), uri, tiny_dsvl, ns=(1, 3), progress=False)
    service = SearchService(Searcher.open(uri, tiny_dsvl), tiny_dsvl, media=MediaRegistry(upload_root))
    handlers = Handlers(service)
    doc = next(d for d in service.searcher.index.documents() if d.title == "折纸红色圆形")
    _, state = handlers.search(handlers.more_like_this(handlers.media.doc_token(doc)), 3, 5)
    update = handlers.plot(state)
    assert update["value"].which.str.contains("#1 折纸红色圆形").any()
    payload = gr.BarPlot(x="dominance", y="parts", color="series").postprocess(update["value"])
    assert "#1 折纸红色圆形" in payload.model_dump_json()  # what the browser receives, not escaped away


def test_examples_more_like_this_and_full_document(handlers, app_searcher):
    items = handlers.example(0)
    assert [item["type"] for item in items] == ["text", "image"] and "path" not in items[1]
    with pytest.raises(gr.Error):
        handlers.example(5)
    html, state = handlers.search(items, 3, 3)
    top = state["hits"][0]
    token = re.search(r'data-doc="([^"]+)"', html).group(1)
    again = handlers.more_like_this(token)
    assert [item.get("text") for item in again if item["type"] == "text"] == [
        s.text for s in top.doc.segments if isinstance(s, TextSegment)
    ]
    assert top.doc.segments[-1].text.strip() in handlers.full_document(token)
    assert "unknown document reference" in handlers.full_document("forged")
    with pytest.raises(gr.Error, match="unknown document reference"):
        handlers.more_like_this("forged")


def test_api_search_matches_library_refuses_foreign_paths(
    handlers, app_searcher, app_collection, upload_root
):
    image = upload(app_collection / "images/green_triangle.png", upload_root)
    records = handlers.api_search(["Sort green triangles", {"path": image}], 2, 3)
    library = app_searcher.search(
        InterleavedDoc((TextSegment("Sort green triangles"), ImageSegment(os.path.realpath(image)))), n=2, k=3
    )
    assert [r["id"] for r in records] == [h.id for h in library]
    assert records[0]["segments"][1] == {"image": "green_triangle.png"}  # names only, no server paths
    with pytest.raises(gr.Error, match="refused image path"):
        handlers.api_search([{"path": str(app_collection / "images/green_triangle.png")}], 2, 3)


def test_index_a_folder_a_zip_and_chosen_files_then_find_them(
    tiny_dsvl, upload_root, tmp_path, app_collection
):
    from indexer import Searcher, build_index

    from .helpers import APP_NS, write_notes

    uri = str(tmp_path / "own-index")  # its own index: the session one stays as the other tests expect
    build_index(str(app_collection), uri, tiny_dsvl, ns=APP_NS, progress=False)
    service = SearchService(
        Searcher.open(uri, tiny_dsvl),
        tiny_dsvl,
        media=MediaRegistry(upload_root),
        index_uri=uri,
        open_searcher=Searcher.open,
        build_index=build_index,
        collections_roots=(tmp_path,),
        uploads_dir=tmp_path / "zips",
    )
    handlers = Handlers(service)

    extra = tmp_path / "more"
    extra.mkdir()
    (extra / "weave.md").write_text("# Weave a basket\n\nSoak the reeds, then weave them over and under.\n")
    status, _, stats, *_ = handlers.index_folder(str(extra))
    assert "Collection &#x27;more&#x27;: 1 added" in status and "<b>7</b><span>documents</span>" in stats
    html, _ = handlers.search([{"type": "text", "text": "Weave a basket"}], 3, 1)
    assert card_ids(html) == ["more/weave.md"]

    zipped = tmp_path / "notes.zip"
    notes = write_notes(tmp_path / "zipped")
    with zipfile.ZipFile(zipped, "w") as archive:
        for path in notes.rglob("*"):
            archive.write(path, path.relative_to(notes))
    seen = []  # what the page's gr.Progress is fed: per document, by phase
    status, _, stats, *_ = handlers.index_upload([str(zipped)], "", seen.append)
    assert "Collection &#x27;notes&#x27;: 6 added" in status and "<b>13</b><span>parts</span>" in stats
    encode = [p for p in seen if p.phase == "encode"]
    assert encode[-1].done == encode[-1].total > 0 and "documents" in encode[-1].describe()

    # a note and its photo chosen as they are, with a stray script among them
    chosen = tmp_path / "chosen"
    chosen.mkdir()
    (chosen / "soup.md").write_text("# Miso soup\n\nWhisk the miso into the broth. ![](bowl.png)\n")
    shutil.copyfile(app_collection / "images/green_triangle.png", chosen / "bowl.png")
    (chosen / "run.sh").write_text("echo hi\n")
    files = [str(chosen / name) for name in ("run.sh", "bowl.png", "soup.md")]
    status, skipped, stats, *_ = handlers.index_upload(files, "")
    assert "Collection &#x27;soup&#x27;: 1 added" in status and "<b>14</b><span>documents</span>" in stats
    assert skipped["value"] == [["soup", "run.sh", "", "unsupported type", ANY]] and skipped["visible"]
    html, _ = handlers.search([{"type": "text", "text": "Miso soup"}], 3, 1)
    assert card_ids(html) == ["soup/soup.md"]

    # one file typed into the folder box is a collection of its own, named by the file
    one = tmp_path / "single"
    one.mkdir()
    (one / "Fix a chair.md").write_text("# Fix a chair\n\nGlue the loose rung and clamp it overnight.\n")
    (one / "run.sh").write_text("echo hi\n")
    status, *_ = handlers.index_folder(str(one / "Fix a chair.md"))
    assert "Collection &#x27;Fix a chair&#x27;: 1 added" in status
    html, _ = handlers.search([{"type": "text", "text": "clamp the loose rung"}], 1, 1)
    assert card_ids(html) == ["Fix a chair/Fix a chair.md"]
    status, *_ = handlers.index_folder(str(one / "run.sh"))
    assert "cannot index run.sh on its own" in status and "/single/" not in status

    status, *_ = handlers.index_folder("/etc")
    assert "only folders and files under" in status
    status, *_ = handlers.index_upload(None, "")
    assert "choose files to upload first" in status


def test_build_demo_wires_a_named_search_api(app_searcher, tiny_dsvl):
    demo = build_demo(app_searcher, tiny_dsvl, AppOptions(model_label="tiny"))
    api = demo.get_api_info()
    assert "/search" in api["named_endpoints"]
    parameters = api["named_endpoints"]["/search"]["parameters"]
    assert [p["parameter_name"] for p in parameters] == [
        "query",
        "n",
        "k",
        "mode",
        "collections",
        "folders",
        "tags",
        "vectors",
        "budget",
        "cascade",
        "language",
        "all_translations",
        "taken",
    ]  # new ones last, with defaults: older clients keep working
    assert set(api["named_endpoints"]) == {"/search"}  # page events are private


def test_page_and_api_start_at_the_n_the_model_measured_best(app_searcher, tiny_dsvl, tmp_path, monkeypatch):
    import json

    model = tmp_path / "model"
    model.mkdir()
    trained = {
        str(n): {"MRR@10": 0.9 if n == app_searcher.index.meta.ns[0] else 0.5} for n in (1, 2, 3, 4, 6)
    }
    (model / "training_report.json").write_text(json.dumps({"recipe": {}, "trained": trained}))
    monkeypatch.setattr(tiny_dsvl, "model_id", str(model))
    demo = build_demo(app_searcher, tiny_dsvl, AppOptions(model_label="tiny"))
    parameters = demo.get_api_info()["named_endpoints"]["/search"]["parameters"]
    n = next(p for p in parameters if p["parameter_name"] == "n")
    assert n["parameter_default"] == app_searcher.index.meta.ns[0] != 3


def test_the_composer_gets_a_thumbnail_of_an_uploaded_phone_photo_and_of_nothing_else(
    handlers, upload_root, tmp_path, app_collection
):
    from PIL import Image

    import mme_core.images  # noqa: F401 - registers the HEIF opener
    from webapp.media import UNREADABLE_IMAGE_URI

    photo = tmp_path / "IMG_0001.heic"
    Image.new("RGB", (400, 300), "red").save(photo, format="HEIF", quality=80)
    uri = handlers.upload_preview(upload(photo, upload_root))
    assert uri.startswith("data:image/jpeg;base64,")
    thumbnail = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert max(thumbnail.size) <= 168 and thumbnail.getpixel((10, 10))[0] > 200  # the photo, small
    (tmp_path / "IMG_0002.heic").write_bytes(b"not a photo")
    broken = upload(tmp_path / "IMG_0002.heic", upload_root)
    assert handlers.upload_preview(broken) == UNREADABLE_IMAGE_URI  # an upload that does not decode
    for elsewhere in (str(app_collection / "images/blue_square.png"), "../../etc/passwd"):
        with pytest.raises(ValueError, match="only files uploaded to this app"):
            handlers.upload_preview(elsewhere)


def test_the_page_reads_the_words_in_pictures_when_asked_and_shows_what_matched(
    tiny_dsvl, upload_root, tmp_path, words_picture
):
    from indexer import Searcher, build_index
    from indexer.store import Index

    notes = tmp_path / "boiler"
    words_picture(notes / "valve.png", ["Close the drain valve"])
    (notes / "service.md").write_text("# Boiler service\n\nTurn it off first.\n\n![](valve.png)\n")
    (notes / "pasta.md").write_text("# Pasta\n\nDrain the pasta.\n")
    uri = str(tmp_path / "own-index")
    build_index([InterleavedDoc((TextSegment("Knit a scarf."),), id="scarf")], uri, tiny_dsvl, progress=False)
    service = SearchService(
        Searcher.open(uri, tiny_dsvl), tiny_dsvl, media=MediaRegistry(upload_root), index_uri=uri,
        open_searcher=Searcher.open, build_index=build_index, collections_roots=(tmp_path,),
        uploads_dir=tmp_path / "zips",
    )  # fmt: skip
    handlers = Handlers(service)
    assert not service.reads_pictures()  # an index that never read them: the box starts unticked
    status, *_ = handlers.index_folder(str(notes), "", None, "/etc/passwd")  # not what a box sends
    assert "ticked or not" in status and not service.reads_pictures()
    status, skipped, *_, box = handlers.index_folder(str(notes), "", None, True)
    assert "2 added" in status and service.reads_pictures() and Index.open(uri).meta.picture_words
    assert box["value"] is True  # the page's box follows the index

    html, _ = handlers.search([{"type": "text", "text": "drain valve"}], 1, 3, "keyword")
    assert card_ids(html)[0] == "boiler/service.md"
    caption = re.search(r'<figcaption class="mme-picture-words"[^>]*>(.*?)</figcaption>', html).group(1)
    assert "<mark>drain</mark>" in caption.lower() and "<mark>valve</mark>" in caption.lower()
    assert html.count("mme-picture-words") == 1  # the pasta card has no picture to mark

    status, *_ = handlers.index_folder(str(notes), "", None, False)  # untick: words leave, nothing embedded
    assert "1 updated" in status and not service.reads_pictures()
    html, _ = handlers.search([{"type": "text", "text": "drain valve"}], 1, 3, "keyword")
    assert card_ids(html)[0] == "boiler/pasta.md" and "mme-picture-words" not in html
