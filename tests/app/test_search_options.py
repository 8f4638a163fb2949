"""The Search tab's language of translated pages, its "every language" box and its photos-by-date box,
through the handlers over a real index (tiny model): each changes the results as the CLI's
`--language`, `--all-translations` and `--taken` do, is shown only where the collections searched
can use it, and refuses what it cannot use with a message, on the page and through the API."""

from __future__ import annotations

import re
from html import unescape

import gradio as gr
import pytest
from PIL import Image

from indexer.hits import Filters
from webapp.handlers import Handlers
from webapp.media import MediaRegistry
from webapp.service import SearchService

NS = (1,)
SITE = {  # a docs site translated into Chinese: each page in en/ and zh/
    "en/install.md": "# Install the server\n\nInstall the server with docker compose.\n",
    "zh/install.md": "# 安装服务器\n\n用 docker compose 安装服务器 (install the server)。\n",
    "en/backup.md": "# Back up the server\n\nBack up the docker volumes before you upgrade.\n",
    "zh/backup.md": "# 备份服务器\n\n升级前备份 docker 卷 (back up the server)。\n",
}
PLAIN = {"soup.md": "# Miso soup\n\nWhisk the miso into the broth; install a lid.\n"}


def photo(path, taken: str):
    """A phone's JPEG whose EXIF says when it was taken (DateTimeOriginal)."""
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = taken
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (96, 80), "orange").save(path, format="JPEG", exif=exif)


def write(root, files: dict[str, str]):
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def index(tmp_path_factory, tiny_dsvl) -> str:
    """Three collections: "docs" (translated), "notes" (plain), "camera" (photos with dates)."""
    from indexer import build_index

    root = tmp_path_factory.mktemp("options")
    uri = str(root / "index")
    build_index(str(write(root / "docs", SITE)), uri, tiny_dsvl, ns=NS, progress=False, name="docs")
    build_index(str(write(root / "notes", PLAIN)), uri, tiny_dsvl, ns=NS, progress=False, name="notes")
    photo(root / "camera" / "beach-day-1.jpg", "2024:06:12 18:30:05")
    photo(root / "camera" / "beach-day-2.jpg", "2023:12:24 10:00:00")
    build_index(str(root / "camera"), uri, tiny_dsvl, ns=NS, progress=False, name="camera")
    return uri


@pytest.fixture
def page(index, tiny_dsvl, upload_root) -> Handlers:
    from indexer import Searcher

    service = SearchService(Searcher.open(index, tiny_dsvl), tiny_dsvl, media=MediaRegistry(upload_root))
    return Handlers(service)


def shown(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


def ids(html: str) -> list[str]:
    return re.findall(r'data-id="([^"]+)"', html)


def search(page: Handlers, words: str, collections, language="", every=False, taken="", k=10):
    query = [{"type": "text", "text": words}]
    html, _ = page.search(query, 1, k, "keyword", collections, "", [], None, False, language, every, taken)
    return html


def test_the_language_choice_picks_the_version_and_every_language_lists_both(page):
    html = search(page, "install the server", ["docs"], k=1)
    assert ids(html) == ["docs/en/install.md"]  # a Latin-script query: the site's original
    assert "also in: 中文 (zh)" in shown(html)

    html = search(page, "install the server", ["docs"], language="zh", k=1)
    assert ids(html) == ["docs/zh/install.md"] and "also in: English (en)" in shown(html)
    assert ids(search(page, "安装服务器", ["docs"], language="en", k=1)) == ["docs/en/install.md"]

    every = ids(search(page, "install the server", ["docs"], every=True))
    assert {"docs/en/install.md", "docs/zh/install.md"} <= set(every)
    assert len(ids(search(page, "install the server", ["docs"]))) == 2  # two pages, once each


def test_the_language_filters_are_shown_only_for_collections_with_translated_pages(page):
    language, every, taken = page.search_options(["docs"], "zh", "")
    assert language["visible"] is True and every["visible"] is True and taken["visible"] is False
    assert language["choices"] == [("The query's language", ""), ("English (en)", "en"), ("中文 (zh)", "zh")]
    assert language["value"] == "zh"  # still one of them: kept

    language, every, taken = page.search_options(["notes"], "zh", "2024")
    assert (language["visible"], language["value"]) == (False, "")  # plain notes: no clutter
    assert (every["visible"], every["value"]) == (False, False)
    assert (taken["visible"], taken["value"]) == (False, "")
    language, every, taken = page.search_options(["camera", "notes"], "", "2024")
    assert language["visible"] is False and taken == {"visible": True, "__type__": "update"}
    # none chosen: the default scope (every collection here), so both are offered
    language, _, taken = page.search_options([], "", "")
    assert language["visible"] is True and taken["visible"] is True


def test_an_unknown_or_absent_language_is_refused_with_the_languages_there_are(page):
    said = unescape(search(page, "install", ["docs"], language="klingon"))
    assert "unknown language 'klingon': give a language code such as en, zh" in said and not ids(said)
    said = unescape(search(page, "install", ["docs"], language="ja"))
    assert "no page in language 'ja' in the collections searched: their translated pages are in" in said
    assert "English (en), 中文 (zh)" in said
    said = unescape(search(page, "install", ["notes"], language="zh"))
    assert "they have no translated pages" in said
    assert "Traceback" not in said


def test_photos_by_date_and_a_bad_date_refused_as_the_cli_refuses_it(page):
    assert set(ids(search(page, "beach day", ["camera"]))) == {
        "camera/beach-day-1.jpg",
        "camera/beach-day-2.jpg",
    }
    assert ids(search(page, "beach day", ["camera"], taken="2024-06")) == ["camera/beach-day-1.jpg"]
    assert ids(search(page, "beach day", ["camera"], taken="2023")) == ["camera/beach-day-2.jpg"]
    both = search(page, "beach day", ["camera"], taken="2023-12, 2024-06-12")
    assert len(ids(both)) == 2
    nothing = unescape(search(page, "beach day", ["camera"], taken="2022"))
    assert ids(nothing) == [] and "No documents matched these filters (taken: 2022)" in nothing

    for wrong in ("June", "2024-13"):
        with pytest.raises(ValueError) as cli:  # the rule and message of `search --taken`
            Filters(taken=(wrong,))
        said = unescape(search(page, "beach day", ["camera"], taken=wrong))
        assert str(cli.value) in said and not ids(said)


def test_the_api_takes_language_every_language_and_taken(page):
    def api(words, *extra):
        return [
            hit["id"]
            for hit in page.api_search([words], 1, 5, "keyword", ["docs", "camera"], *([None] * 5), *extra)
        ]

    assert api("install the server", "zh")[0] == "docs/zh/install.md"
    assert {"docs/en/install.md", "docs/zh/install.md"} <= set(api("install the server", "", True))
    assert api("beach day", "", False, ["2024-06"]) == ["camera/beach-day-1.jpg"]
    for extra, message in [
        (("xx",), "unknown language 'xx'"),
        (("", False, ["June"]), "taken 'June': give a date or its start"),
        (("", "yes"), "all translations is on or off"),
    ]:
        with pytest.raises(gr.Error, match=message):
            api("install", *extra)


def test_the_page_refreshes_the_options_after_loading_indexing_and_removal_and_on_a_new_choice(
    index, tiny_dsvl
):
    """As the tag choices are: after the page loads (its controls first), after indexing a folder or an
    upload and after a removal; choosing collections re-reads them, then searches."""
    from indexer import Searcher
    from webapp.layout import AppOptions, build_demo

    demo = build_demo(Searcher.open(index, tiny_dsvl), tiny_dsvl, AppOptions(model_label="tiny"))
    deps = {dep["id"]: dep for dep in demo.config["dependencies"]}
    name = {dep_id: dep["api_name"] for dep_id, dep in deps.items()}
    after = {
        name[dep["trigger_after"]]
        for dep in deps.values()
        if dep["api_name"].startswith("search_options")
        if dep["trigger_after"] is not None
    }
    assert after == {"controls", "index_folder", "index_upload", "remove"}
    [chosen] = [
        dep
        for dep in deps.values()
        if dep["api_name"].startswith("search_options") and dep["trigger_after"] is None
    ]
    collections = next(c for c in demo.config["components"] if c["props"].get("elem_id") == "mme-collections")
    assert chosen["targets"] == [(collections["id"], "input")]
    then = [dep["api_name"] for dep in deps.values() if dep["trigger_after"] == chosen["id"]]
    assert then and then[0].startswith("search_if_composed")
    shown = {c["props"].get("elem_id"): c["props"].get("visible") for c in demo.config["components"]}
    assert shown["mme-language"] is True and shown["mme-taken"] is True  # this index has both


def test_a_page_over_plain_notes_shows_neither(app_searcher, tiny_dsvl):
    from webapp.layout import AppOptions, build_demo

    demo = build_demo(app_searcher, tiny_dsvl, AppOptions(model_label="tiny"))
    shown = {c["props"].get("elem_id"): c["props"].get("visible") for c in demo.config["components"]}
    assert (shown["mme-language"], shown["mme-all-translations"], shown["mme-taken"]) == (False, False, False)
