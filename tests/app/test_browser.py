"""A real browser (Debian chromium driven by pip playwright) against the page on 127.0.0.1.

Under CI=true a missing browser or playwright FAILS these tests instead of skipping them.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
from pathlib import Path

import pytest
from PIL import Image

import mme_core.images  # noqa: F401 - registers the HEIF opener used to make a phone photo
from bench.page_timing import PLOT_TITLE, arm, drawn
from mme_core.documents import ImageSegment, TextSegment
from webapp.layout import AppOptions, build_demo

from .helpers import NOTES, serving

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("MME_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser test cannot run under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("pip package playwright is not installed")
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        _missing(f"no chromium at {CHROMIUM} (apt install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class RecordingSearcher:
    """The real Searcher, plus a record of every query the page sent (to check Python's view of order)."""

    def __init__(self, searcher):
        self._searcher = searcher
        self.queries = []

    def __getattr__(self, name):
        return getattr(self._searcher, name)

    def search(self, query, **kwargs):
        self.queries.append((query, kwargs))
        return self._searcher.search(query, **kwargs)


@pytest.fixture(scope="module")
def page_app(app_searcher, tiny_dsvl, app_collection):
    from webapp.assets import ExampleQuery

    recording = RecordingSearcher(app_searcher)
    example = ExampleQuery(
        "glue", (("text", "Glue a red triangle"), ("image", str(app_collection / "images/red_triangle.png")))
    )
    demo = build_demo(recording, tiny_dsvl, AppOptions(model_label="tiny-dsvl (test)", examples=(example,)))
    with serving(demo) as url:
        yield url, recording


@pytest.fixture
def page(browser, page_app):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(page_app[0])
    tab.wait_for_selector(".mme-composer .mme-item-text textarea")
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def item_kinds(page) -> list[str]:
    return page.eval_on_selector_all(".mme-items .mme-item", "nodes => nodes.map(n => n.dataset.type)")


def cards(page) -> list[tuple[int, float, str]]:
    rows = page.eval_on_selector_all(
        ".mme-card",
        "cards => cards.map(c => [Number(c.dataset.rank), Number(c.dataset.score), c.dataset.id])",
    )
    return [tuple(row) for row in rows]


def wait_for_plot_title(page, text: str) -> None:
    page.wait_for_function(f"(document.querySelector({PLOT_TITLE!r})?.textContent || '').includes({text!r})")


def plot_bars(page) -> dict[str, dict[str, int]]:
    """The drawn bars, read from the marks' accessible labels: {series: {bin: parts}}, plus each
    series' marked names under "which" (the tooltip field naming the query or the results)."""
    labels = page.eval_on_selector_all(
        "#mme-plot svg .role-mark path", "paths => paths.map(p => p.getAttribute('aria-label'))"
    )
    bars: dict[str, dict] = {}
    for label in labels:
        label, _, which = label.partition("; which: ")  # last, and may itself hold "; "
        fields = dict(part.split(": ", 1) for part in label.split("; "))
        axis = next(key for key in fields if key.endswith("→"))  # the x axis title, arrows included
        series = bars.setdefault(fields["series"], {"which": []})
        series[fields[axis]] = int(fields["parts"])
        series["which"] += [name for name in which.split("; ") if name]
    return bars


def test_compose_drag_search_and_move_the_slider(
    page, page_app, app_searcher, app_collection, tmp_path, record_property
):
    _, recording = page_app
    images = app_collection / "images"
    page.fill(".mme-item-text textarea", "Paint a blue square")
    page.click(".mme-add-text")
    page.locator(".mme-item-text textarea").nth(1).fill("then glue a red triangle")
    page.set_input_files(".mme-file", [str(images / "blue_square.png"), str(images / "red_triangle.png")])
    page.wait_for_function("document.querySelectorAll('.mme-item-image:not(.mme-pending)').length === 2")
    assert item_kinds(page) == ["text", "text", "image", "image"]

    # Drag the first image (after the second text box) to between the two text boxes.
    page.drag_and_drop(
        ".mme-item-image >> nth=0", ".mme-item-text >> nth=1", target_position={"x": 60, "y": 4}
    )
    assert item_kinds(page) == ["text", "image", "text", "image"]
    assert page.locator(".mme-item-image .mme-name").all_inner_texts() == [
        "blue_square.png",
        "red_triangle.png",
    ]

    page.locator("#mme-mode label", has_text="Meaning").click()  # cosine scores, which move with N
    arm(page, "N = 3 (9 tokens/image)")  # the plot's title, at the search's N
    page.click("#mme-search")
    assert_cards_first(*drawn(page), "search", record_property)
    query, kwargs = recording.queries[-1]
    assert kwargs["mode"] == "semantic"
    assert [type(s).__name__ for s in query.segments] == [
        "TextSegment",
        "ImageSegment",
        "TextSegment",
        "ImageSegment",
    ]
    assert query.segments[0] == TextSegment("Paint a blue square")
    assert [Path(s.path).name for s in query.segments if isinstance(s, ImageSegment)] == [
        "blue_square.png",
        "red_triangle.png",
    ]
    shown = cards(page)
    assert [rank for rank, _, _ in shown] == list(range(1, len(shown) + 1))
    assert [score for _, score, _ in shown] == sorted((score for _, score, _ in shown), reverse=True)
    expected = app_searcher.search(query, n=3, k=10, mode="semantic")
    assert [doc_id for _, _, doc_id in shown] == [hit.id for hit in expected]
    assert page.inner_text(".mme-summary").startswith(f"{len(expected)} results · N = 3 (9 tokens/image)")
    page.screenshot(path=str(tmp_path / "search-n3.png"), full_page=True)
    assert_plot_marks(page, expected)

    # Move the slider one step right: N = 3 -> 4 re-runs the search and redraws the plot.
    page.focus(".mme-g-range")
    arm(page, "N = 4 (16 tokens/image)")  # a new plot, titled at the new N
    page.keyboard.press("ArrowRight")
    assert_cards_first(*drawn(page), "slider", record_property)
    assert "N = 4" in page.inner_text(".mme-summary")
    assert page.inner_text(".mme-g-current") == "4 → 16 tokens/image"
    assert recording.queries[-1][1]["n"] == 4
    at_four = cards(page)
    assert [doc_id for _, _, doc_id in at_four] == [
        hit.id for hit in app_searcher.search(query, n=4, k=10, mode="semantic")
    ]
    assert [score for _, score, _ in at_four] != [score for _, score, _ in shown]
    assert_plot_marks(page, app_searcher.search(query, n=4, k=10, mode="semantic"))
    screenshot = tmp_path / "search-n4.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 20_000
    if os.environ.get("MME_SCREENSHOT_DIR"):  # keep a copy to look at
        shutil.copy(screenshot, Path(os.environ["MME_SCREENSHOT_DIR"]) / "search.png")


def assert_cards_first(to_cards: float, to_plot: float, what: str, record_property) -> None:
    """The plot must not hold the results back: new cards are on the page before the new plot.
    Only the order is asserted; the times (ms after the click or key press) go to the test report,
    and bench.page_timing measures them on the demo model."""
    record_property(f"{what}_ms_to_cards", round(to_cards))
    record_property(f"{what}_ms_to_plot", round(to_plot))
    print(f"{what}: cards after {to_cards:.0f} ms, plot after {to_plot:.0f} ms")
    assert to_cards < to_plot


def assert_plot_marks(page, hits) -> None:
    """Every part of the collection is a grey bar, the query (text and pictures) is one red bar and
    the top five results are blue bars named as the cards name them."""
    bars = plot_bars(page)
    assert set(bars) == {"documents (sample)", "your query", "top results"}
    counts = lambda series: sum(v for k, v in bars[series].items() if k != "which")  # noqa: E731
    assert counts("documents (sample)") == len(NOTES)  # a sample of all six parts
    assert counts("your query") == 1 and bars["your query"]["which"] == ["query"]
    assert counts("top results") == 5
    assert sorted(bars["top results"]["which"]) == sorted(f"#{h.rank} {h.doc.title}" for h in hits[:5])
    legend = page.locator("#mme-plot svg .role-legend-label text").all_text_contents()
    assert sorted(legend) == ["documents (sample)", "top results", "your query"]


def test_expand_more_like_this_and_examples(page, page_app):
    _, recording = page_app
    page.click(".mme-example")
    page.wait_for_selector(".mme-card")
    assert item_kinds(page) == ["text", "image"]
    first = page.locator(".mme-card").first
    first_id = first.get_attribute("data-id")
    preview_pictures = step_pictures(first, ".mme-doc")
    assert preview_pictures and all(p["beside_or_below_its_text"] for p in preview_pictures)
    assert all(p["loaded"] and p["height"] >= 100 and p["width"] >= 60 for p in preview_pictures)  # legible

    first.locator(".mme-expand").click()
    first.locator(".mme-full .mme-full-doc").wait_for()
    full_pictures = step_pictures(first, ".mme-full")
    assert len(full_pictures) >= len(preview_pictures) and all(p["loaded"] for p in full_pictures)
    assert all(p["beside_or_below_its_text"] for p in full_pictures)
    assert min(p["height"] for p in full_pictures) >= min(p["height"] for p in preview_pictures)
    assert first.locator(".mme-expand").inner_text() == "Show less"
    assert not first.locator(".mme-doc").is_visible()
    if os.environ.get("MME_SCREENSHOT_DIR"):
        first.screenshot(path=str(Path(os.environ["MME_SCREENSHOT_DIR"]) / "card-full.png"))
    first.locator(".mme-expand").click()  # collapses back to the preview
    assert first.locator(".mme-doc").is_visible() and not first.locator(".mme-full").is_visible()
    assert first.locator(".mme-expand").inner_text() == "Show full document"

    second = page.locator(".mme-card").nth(1)
    second_id = second.get_attribute("data-id")
    second.locator(".mme-more").click()
    page.wait_for_function(
        f"(document.querySelector('.mme-card') || {{dataset: {{}}}}).dataset.id === {second_id!r}"
    )
    assert recording.queries[-1][0].segments[0].text.startswith("#")  # the result's own text became the query
    assert first_id != second_id


def step_pictures(card, within: str) -> list[dict]:
    """Each picture of the card's steps: loaded, its rendered size, and whether it sits beside (to the
    right of) or below its own step's text rather than flowing inside it."""
    return card.evaluate(
        """(card, within) => [...card.querySelectorAll(within + ' .mme-step')].flatMap(step => {
            const text = step.querySelector('.mme-text');
            const t = text ? text.getBoundingClientRect() : null;
            return [...step.querySelectorAll('.mme-image')].map(img => {
                const r = img.getBoundingClientRect();
                return {
                    loaded: img.complete && img.naturalWidth > 0,
                    width: r.width, height: r.height,
                    beside_or_below_its_text: !t || r.left >= t.right - 1 || r.top >= t.bottom - 1,
                };
            });
        })""",
        within,
    )


EVENT_OPTIONS = "{bubbles: true, cancelable: true}"


def deliver_file(page, path: Path, name: str, how: str, mime: str = "image/png") -> None:
    """Drop a file on the composer (as from the desktop) or paste it into the first text box."""
    data = base64.b64encode(path.read_bytes()).decode()
    event = (
        "new DragEvent('drop', {...options, dataTransfer: transfer})"
        if how == "drop"
        else "new ClipboardEvent('paste', {...options, clipboardData: transfer})"
    )
    target = ".mme-composer" if how == "drop" else "textarea"
    page.evaluate(
        f"""() => {{
            const bytes = Uint8Array.from(atob('{data}'), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], '{name}', {{type: '{mime}'}}));
            const options = {EVENT_OPTIONS};
            document.querySelector('{target}').dispatchEvent({event});
        }}"""
    )


def test_drop_paste_reorder_remove_and_clear(page, app_collection, tmp_path):
    image = app_collection / "images" / "green_triangle.png"
    page.fill(".mme-item-text textarea", "first words")
    deliver_file(page, image, "dropped.png", "drop")
    page.wait_for_function("document.querySelectorAll('.mme-item-image:not(.mme-pending)').length === 1")
    deliver_file(page, image, "pasted.png", "paste")
    page.wait_for_function("document.querySelectorAll('.mme-item-image:not(.mme-pending)').length === 2")
    names = page.locator(".mme-item-image .mme-name").all_inner_texts()
    assert item_kinds(page) == ["text", "image", "image"] and names == ["pasted.png", "dropped.png"]

    page.locator(".mme-item-image").nth(1).hover()
    page.locator(".mme-item-image").nth(1).locator(".mme-up").click()
    assert page.locator(".mme-item-image .mme-name").all_inner_texts() == ["dropped.png", "pasted.png"]
    page.locator(".mme-item-text .mme-up").click()  # already first: stays
    page.locator(".mme-item").nth(0).locator(".mme-down").click()
    assert item_kinds(page) == ["image", "text", "image"]
    page.locator(".mme-item-image").nth(0).hover()
    page.locator(".mme-item-image").nth(0).locator(".mme-remove").click()
    assert item_kinds(page) == ["text", "image"]

    # a phone's HEIC, which Chromium cannot draw: the server's thumbnail is shown instead
    photo = tmp_path / "IMG_0001.heic"
    Image.new("RGB", (400, 300), "red").save(photo, format="HEIF", quality=80)
    deliver_file(page, photo, "IMG_0001.heic", "drop", mime="image/heic")
    page.wait_for_function(
        """() => [...document.querySelectorAll('.mme-item-image:not(.mme-pending) img')].some((img) =>
            img.alt === 'IMG_0001.heic' && img.src.startsWith('data:image/jpeg') && img.naturalWidth > 0)"""
    )
    page.locator(".mme-item-image").nth(1).hover()
    page.locator(".mme-item-image").nth(1).locator(".mme-remove").click()
    assert item_kinds(page) == ["text", "image"]

    deliver_file(page, image, "notes.pdf", "drop", mime="application/pdf")
    assert "not a PNG, JPEG, WebP, GIF, BMP, HEIC or AVIF" in page.inner_text(".mme-composer-error")
    page.click(".mme-clear")
    assert item_kinds(page) == ["text"] and page.input_value(".mme-item-text textarea") == ""

    page.click("#mme-search")  # an empty query gets a message, not a crash
    page.wait_for_selector(".mme-error")
    assert "the query is empty" in page.inner_text(".mme-error")
    page.fill(".mme-item-text textarea", "Stack orange squares")
    page.press(".mme-item-text textarea", "Enter")  # Enter searches
    page.wait_for_selector(".mme-card")
    assert re.match(r"\d+ results", page.inner_text(".mme-summary"))


CJK_NOTE = "# 红烧肉\n\n1. 把五花肉切块。\n\n![圆](images/red_circle.png)\n\n2. 小火慢炖，直到汤汁变红。\n"


@pytest.fixture(scope="module")
def two_collection_app(tiny_dsvl, tmp_path_factory):
    """A demo collection (the shapes notes) and the person's own notes, served on 127.0.0.1."""
    from indexer import Searcher, build_index
    from webapp.fallback import draw_shape

    from .helpers import write_notes

    root = tmp_path_factory.mktemp("browser-two")
    mine = root / "mine"
    mine.mkdir()
    (mine / "fold-towels.md").write_text("# Fold towels\n\nFold each towel in thirds, then roll it.\n")
    (mine / "red-sauce.md").write_text("# Red sauce\n\nSimmer the tomatoes until the sauce is red.\n")
    draw_shape(mine / "images" / "red_circle.png", "red", "circle")
    (mine / "hongshaorou.md").write_text(CJK_NOTE, encoding="utf-8")  # a picture: placed on the plot
    uri = str(root / "index")
    build_index(
        str(write_notes(root / "demo")), uri, tiny_dsvl, ns=(1, 3), progress=False, name="demo", demo=True
    )
    build_index(str(mine), uri, tiny_dsvl, ns=(1, 3), progress=False, name="mine")
    searcher = Searcher.open(uri, tiny_dsvl)
    with serving(build_demo(searcher, tiny_dsvl, AppOptions(model_label="tiny-dsvl (test)"))) as url:
        yield url, searcher


def test_switch_mode_and_collections_and_see_the_matched_words(browser, two_collection_app, tmp_path):
    from indexer.search import Filters
    from mme_core.documents import InterleavedDoc

    url, searcher = two_collection_app
    context = browser.new_context(viewport={"width": 1280, "height": 1100})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_selector(".mme-composer .mme-item-text textarea")
    query = InterleavedDoc((TextSegment("fold a red circle"),))

    def expected(mode, collections):
        hits = searcher.search(query, n=3, k=10, mode=mode, filters=Filters(collections=collections))
        return [hit.id for hit in hits]

    def shown_when(summary_part):
        page.wait_for_function(
            f"document.querySelector('.mme-summary')?.innerText.includes({summary_part!r})"
        )
        return [doc_id for _, _, doc_id in cards(page)]

    # The person's own notes are searched by default: never the demo mixed in.
    default = searcher.default_mode
    checked = page.locator("#mme-mode input:checked").get_attribute("value")
    assert checked == default
    assert page.locator("#mme-collections").inner_text().count("mine") == 1
    page.fill(".mme-item-text textarea", "fold a red circle")
    page.click("#mme-search")
    assert shown_when(f"{default} search") == expected(default, ("mine",))

    # Words only: a different ranking, and the matched words are marked on the cards.
    semantic = "semantic" if default != "semantic" else "hybrid"
    page.locator("#mme-mode label", has_text="Meaning" if semantic == "semantic" else "Both").click()
    assert shown_when(f"{semantic} search") == expected(semantic, ("mine",))
    page.locator("#mme-mode label", has_text="Words").click()
    in_keyword = shown_when("keyword search")
    assert in_keyword == expected("keyword", ("mine",)) and in_keyword[0] == "mine/fold-towels.md"
    first_mark = page.locator(".mme-card").first.locator("mark").first
    assert first_mark.is_visible() and first_mark.inner_text().lower() == "fold"

    # Add the demo collection: its note with every word of the query comes first.
    page.locator("#mme-collections input").click()
    page.get_by_role("option", name="demo", exact=True).click()
    page.wait_for_function("document.querySelector('.mme-card')?.dataset.id === 'demo/fold-red-circle.md'")
    both = [doc_id for _, _, doc_id in cards(page)]
    assert both == expected("keyword", ("mine", "demo")) and both != in_keyword
    marks = page.locator(".mme-card").first.locator("mark").all_inner_texts()
    assert {m.lower() for m in marks} >= {"red", "circle"}
    page.keyboard.press("Escape")
    screenshot = tmp_path / "search-keyword.png"
    page.screenshot(path=str(screenshot), full_page=True)
    if os.environ.get("MME_SCREENSHOT_DIR"):  # keep a copy to look at
        shutil.copy(screenshot, Path(os.environ["MME_SCREENSHOT_DIR"]) / "search-keyword.png")
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def test_a_chinese_title_is_text_in_the_plot(browser, two_collection_app):
    """The plot names its results in the page's own text (Vega-Lite SVG and an HTML tooltip), so a
    Chinese title is drawn with the browser's fonts, not as boxes baked into a picture."""
    url, _ = two_collection_app
    context = browser.new_context(viewport={"width": 1280, "height": 1100})
    page = context.new_page()
    page.goto(url)
    page.fill(".mme-composer .mme-item-text textarea", "红烧肉")
    page.click("#mme-search")
    page.wait_for_selector(".mme-card[data-id='mine/hongshaorou.md']")
    bar = page.locator("#mme-plot svg .role-mark path[aria-label*='红烧肉']")
    bar.wait_for()
    assert any(name.endswith(" 红烧肉") for name in plot_bars(page)["top results"]["which"])
    bar.hover(force=True)  # the bar may sit on top of the sample's bar in the same bin
    tooltip = page.locator("#vg-tooltip-element")
    tooltip.wait_for()
    assert "红烧肉" in tooltip.inner_text()
    context.close()


def test_upload_a_note_and_its_photo_then_find_the_note(browser, tiny_dsvl, tmp_path, app_collection):
    """On the Collection tab a person picks files as they are (no zip): the note and its photo are
    indexed, the stray file is listed under "Not indexed", and the note is found on the Search tab."""
    from indexer import Searcher, build_index

    uri = str(tmp_path / "index")
    build_index(str(app_collection), uri, tiny_dsvl, ns=(1, 3), progress=False, name="demo", demo=True)
    options = AppOptions(
        model_label="tiny-dsvl (test)",
        index_uri=uri,
        open_searcher=Searcher.open,
        build_index=build_index,
        uploads_dir=tmp_path / "uploads",
    )
    chosen = tmp_path / "phone"
    chosen.mkdir()
    (chosen / "梅干.md").write_text("# 梅干\n\n把梅子晒干。 ![](IMG_0042.png)\n", encoding="utf-8")
    shutil.copyfile(app_collection / "images/red_triangle.png", chosen / "IMG_0042.png")
    (chosen / "notes.sh").write_text("echo hi\n")
    with serving(build_demo(Searcher.open(uri, tiny_dsvl), tiny_dsvl, options)) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 1100})
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        page.get_by_role("tab", name="Collection").click()
        page.set_input_files("#mme-upload input[type=file]", [str(p) for p in sorted(chosen.iterdir())])
        page.wait_for_function(
            "document.querySelectorAll('#mme-upload tbody tr, #mme-upload .file').length >= 3"
        )
        page.click("#mme-upload-button")
        page.wait_for_selector("#mme-index-status .mme-success", timeout=60_000)
        assert "Collection '梅干': 1 added" in page.inner_text("#mme-index-status")
        assert "notes.sh" in page.inner_text("#mme-skipped") and "unsupported type" in page.inner_text(
            "#mme-skipped"
        )
        assert "梅干" in page.inner_text("#mme-collections-table")
        if os.environ.get("MME_SCREENSHOT_DIR"):  # keep a picture of the tab to look at
            page.screenshot(
                path=str(Path(os.environ["MME_SCREENSHOT_DIR"]) / "collection-upload.png"), full_page=True
            )

        page.get_by_role("tab", name="Search").click()
        page.fill(".mme-composer .mme-item-text textarea", "梅子")
        page.click("#mme-search")
        page.wait_for_selector(".mme-card[data-id='梅干/梅干.md']")
        context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"
