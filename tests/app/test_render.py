"""Result cards: rank order, scores, interleaved order, and escaping of collection text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment
from webapp.render import banner_html, full_document_html, results_html, stats_html


@dataclass(frozen=True)
class Hit:  # the shape of indexer.Hit
    id: str
    score: float
    doc: InterleavedDoc
    rank: int


def test_cards_in_rank_order_with_scores_and_interleaved_segments(media, image_factory):
    red, blue = image_factory("red"), image_factory("blue")
    first = InterleavedDoc(
        (TextSegment("cut"), ImageSegment(red), TextSegment("fold"), ImageSegment(blue)),
        id="a",
        title="Fold",
        source="/home/u/notes/crafts/fold.md",
    )
    second = InterleavedDoc((ImageSegment(blue),), id="b", title="Blue", source="b.md", part=2)
    html = results_html(
        [Hit("a", 0.91234, first, 1), Hit("b", 0.5, second, 2)],
        media,
        n=3,
        tokens_per_image=9,
        elapsed_ms=12.3,
    )
    assert re.findall(r'data-rank="(\d+)"', html) == ["1", "2"]
    assert re.findall(r'class="mme-score"[^>]*>([\d.]+)<', html) == ["0.912", "0.500"]
    first_card = html.split('data-rank="2"')[0]
    red_name, blue_name = red.rsplit("/", 1)[1], blue.rsplit("/", 1)[1]
    assert card_steps(first_card) == [
        ("cut", [red_name]),
        ("fold", [blue_name]),
    ]  # each text with its picture
    assert 'loading="lazy"' not in html
    assert "N = 3 (9 tokens/image)" in html and "2 results" in html
    assert "notes/crafts/fold.md" in html and "part 3" in html
    assert red not in html.replace(f'alt="{red.rsplit("/", 1)[1]}"', "")  # no server paths in the page


def card_steps(html: str) -> list[tuple[str, list[str]]]:
    """(text, picture names) of each step row, in order."""
    rows = re.findall(r'<li class="mme-step[^"]*">(.*?)</li>', html)
    return [
        (
            "".join(re.findall(r'<p class="mme-text">(.*?)</p>', row)),
            re.findall(r'<img class="mme-image"[^>]*alt="([^"]*)"', row),
        )
        for row in rows
    ]


def test_pictures_stay_with_the_text_before_them_and_leading_pictures_form_their_own_step(
    media, image_factory
):
    a, b, c = image_factory("red"), image_factory("blue"), image_factory("green")
    doc = InterleavedDoc(
        (ImageSegment(a), TextSegment("one"), ImageSegment(b), ImageSegment(c), TextSegment("two")),
        id="d",
        title="",
    )
    name = {p: p.rsplit("/", 1)[1] for p in (a, b, c)}
    expected = [("", [name[a]]), ("one", [name[b], name[c]]), ("two", [])]
    assert card_steps(full_document_html(doc)) == expected
    card = results_html([Hit("d", 0.2, doc, 1)], media, n=1, tokens_per_image=1, elapsed_ms=1)
    assert card_steps(card) == expected
    assert 'class="mme-step mme-step-text-only"><p class="mme-text">two' in card


def test_collection_text_is_escaped(media):
    doc = InterleavedDoc(
        (TextSegment("<script>alert(1)</script> & <b>"),),
        id='x"><img src=x>',
        title="<i>t</i>",
        source="s.md",
    )
    html = results_html([Hit(doc.id, 0.1, doc, 1)], media, n=1, tokens_per_image=1, elapsed_ms=1)
    assert "<script>" not in html and "<i>t</i>" not in html and "<img src=x>" not in html
    assert "&lt;script&gt;" in html
    assert "<script>" not in full_document_html(doc)
    assert "<b>" not in banner_html("<s>", "<b>m</b>", "<i>", "<u>") and "&lt;b&gt;m" in banner_html(
        "t", "<b>m</b>", ""
    )
    assert "&lt;x&gt;" in stats_html({"model": "<x>", "documents": 3})


def test_long_documents_are_previewed_and_shown_in_full_on_demand(media):
    segments = tuple(TextSegment(f"step {i} " + "word " * 100) for i in range(12))
    doc = InterleavedDoc(segments, id="long", title="Long")
    card = results_html([Hit("long", 0.3, doc, 1)], media, n=1, tokens_per_image=1, elapsed_ms=1)
    assert "9 more steps" in card and "step 3 " not in card and " …" in card
    assert [text.split()[:2] for text, _ in card_steps(card)] == [["step", "0"], ["step", "1"], ["step", "2"]]
    full = full_document_html(doc)
    assert "step 11" in full and len(card_steps(full)) == 12 and "more steps" not in full


def test_no_hits_says_what_to_do(media):
    assert "Collection tab" in results_html([], media, n=3, tokens_per_image=9, elapsed_ms=1)
    filtered = results_html([], media, n=3, tokens_per_image=9, elapsed_ms=1, filters=["tags: <b>"])
    assert "these filters (tags: &lt;b&gt;)" in filtered and "Collection tab" not in filtered


def test_preview_does_not_repeat_the_title_and_bolds_headings(media):
    text = TextSegment("# Fix a tap\n\n## Tools\n1. Close the valve.")
    doc = InterleavedDoc((text,), id="t", title="Fix a tap")
    card = results_html([Hit("t", 0.4, doc, 1)], media, n=1, tokens_per_image=1, elapsed_ms=1)
    body = card.split('class="mme-doc">')[1]
    assert "Fix a tap" not in body and '<span class="mme-heading-text">Tools</span>' in body
    assert "Fix a tap" in full_document_html(doc)  # the full view keeps everything


def test_stats_name_the_collections_instead_of_printing_their_records():
    """The Collection tab showed `{'name': 'ja', 'root': ...}` under Collections (the table below
    it already has every count)."""
    stats = {"documents": 173, "collections": [{"name": "ja", "root": "/n/ja"}, {"name": "レシピ"}]}
    html = stats_html(stats)
    assert "<dt>Collections</dt><dd>ja, レシピ</dd>" in html and "{" not in html


def test_a_pictures_words_show_under_it_only_where_the_query_matched_them_escaped(image_factory):
    from webapp.render import document_body

    shot, photo = image_factory("red"), image_factory("blue")
    doc = InterleavedDoc(
        (TextSegment("Open the settings."), ImageSegment(shot), TextSegment("Done."), ImageSegment(photo)),
        id="a",
        meta={"picture_words": ["General\nEnable <b>dark</b> mode\nAbout", ""]},
    )
    html = document_body(doc, preview=True, terms=("dark",))
    [caption] = re.findall(r'<figcaption class="mme-picture-words"[^>]*>(.*?)</figcaption>', html)
    assert caption == "Enable &lt;b&gt;<mark>dark</mark>&lt;/b&gt; mode"  # the matched line alone, escaped
    assert html.count("<figure") == 1  # the photo with no words is a plain thumbnail
    assert "mme-picture-words" not in document_body(doc, preview=True, terms=("settings",))
    assert "Enable &lt;b&gt;dark&lt;/b&gt; mode" in document_body(doc, preview=False)  # on hover, in full


def test_a_preview_says_when_the_query_s_words_are_in_a_picture_it_does_not_show(image_factory):
    from webapp.render import PREVIEW_STEPS, document_body

    pictures = [image_factory("red") for _ in range(PREVIEW_STEPS + 1)]
    segments = []
    for number, picture in enumerate(pictures):
        segments += [TextSegment(f"Step {number}."), ImageSegment(picture)]
    words = [""] * PREVIEW_STEPS + ["Error 0x80070005: access denied"]
    doc = InterleavedDoc(tuple(segments), id="a", meta={"picture_words": words})

    preview = document_body(doc, preview=True, terms=("denied",))
    assert "mme-picture-words" not in preview  # that picture is not in the preview...
    note = re.search(r'<p class="mme-more-steps">(.*?)</p>', preview).group(1)
    assert "a picture further on" in note and "access <mark>denied</mark>" in note  # ...but said
    assert "further on" not in document_body(doc, preview=True, terms=("allowed",))
    assert "mme-picture-words" in document_body(doc, preview=False, terms=("denied",))


def test_a_preview_says_where_the_query_s_words_are_in_text_it_does_not_show():
    from webapp.render import PREVIEW_STEPS, document_body

    filler = "Do the thing carefully and slowly. " * 3
    steps = [TextSegment(f"Step {number}. {filler}") for number in range(PREVIEW_STEPS + 2)]
    steps.append(TextSegment("Loosen the four bolts and tighten the nut, then check the Größe of the gap."))
    doc = InterleavedDoc(tuple(steps), id="a")

    note = re.search(r'<p class="mme-more-steps">(.*?)</p>', document_body(doc, True, ("grosse",))).group(1)
    assert len(steps) == 6 and "further on, in step 6:" in note  # the step named, its words marked as written
    assert "step 6: … and tighten the nut, then check the <mark>Größe</mark> of the gap." in note  # a stretch
    shown = document_body(doc, True, ("carefully",))  # marked in the preview already: nothing added
    assert "<mark>carefully</mark>" in shown and "further on" not in shown
    assert "further on" not in document_body(doc, True, ("absent",))
    assert "further on" not in document_body(doc, False, ("grosse",))  # the full view shows it all

    one_long_step = InterleavedDoc((TextSegment("Intro words. " * 40 + "The gasket is cracked."),), id="b")
    body = document_body(one_long_step, True, ("gasket",))  # clipped text, no hidden step
    assert '<p class="mme-more-steps">The query\'s words are further on, in step 1:' in body
    assert "<mark>gasket</mark> is cracked." in body


def test_a_card_shows_its_tags_and_marks_the_one_the_query_names(tmp_path):
    from types import SimpleNamespace

    from webapp.media import MediaRegistry
    from webapp.render import results_html

    meta = {"tags": ["weeknight", "<b>"]}
    doc = InterleavedDoc((TextSegment("Sweat the leeks."),), id="soup", title="Leek soup", meta=meta)
    hit = SimpleNamespace(doc=doc, rank=1, id="soup", score=2.0, mode="keyword", note="")
    hit.terms = ("weeknight",)
    html = results_html([hit], MediaRegistry(tmp_path), n=3, tokens_per_image=9, elapsed_ms=1.0)
    assert '<span class="mme-tags">#<mark>weeknight</mark> #&lt;b&gt;</span>' in html  # escaped, marked


def test_a_card_names_the_other_languages_its_page_is_in(tmp_path):
    from types import SimpleNamespace

    from webapp.media import MediaRegistry

    doc = InterleavedDoc((TextSegment("Run the installer."),), id="docs/en/install.md", title="Install")
    others = (("ja-jp", "docs/ja-jp/install.md"), ("zh-hans", "docs/zh-hans/install.md"), ("xx", "a<b"))
    hit = SimpleNamespace(doc=doc, rank=1, id=doc.id, score=2.0, mode="keyword", note="", translations=others)
    html = results_html([hit], MediaRegistry(tmp_path), n=3, tokens_per_image=9, elapsed_ms=1.0)
    assert (
        '<span class="mme-translations">also in: <span title="docs/ja-jp/install.md">日本語 (ja-jp)</span>, '
        '<span title="docs/zh-hans/install.md">中文 (zh-hans)</span>, <span title="a&lt;b">xx</span></span>'
    ) in html
    alone = SimpleNamespace(doc=doc, rank=1, id=doc.id, score=2.0, mode="keyword", note="")
    html = results_html([alone], MediaRegistry(tmp_path), n=3, tokens_per_image=9, elapsed_ms=1.0)
    assert "also in" not in html


def test_a_card_from_an_app_that_names_files_by_ids_shows_its_notebook_not_the_id(tmp_path):
    from types import SimpleNamespace

    from webapp.media import MediaRegistry
    from webapp.render import results_html

    path = "20210808180117-6v0mkxr/20200923234011-ieuun1p/20210808180303-axh6q1d.sy"
    meta = {"properties": {"notebook": "厨房笔记 / <汤>"}}
    siyuan = InterleavedDoc((TextSegment("先烧水"),), id=path, title="番茄蛋汤", source=path, meta=meta)
    plain = InterleavedDoc((TextSegment("Rinse."),), id="rice.md", title="Rice", source="notes/rice.md")
    hits = [
        SimpleNamespace(doc=d, rank=r, id=d.id, score=1.0, mode="keyword", note="")
        for r, d in ((1, siyuan), (2, plain))
    ]
    html = results_html(hits, MediaRegistry(tmp_path), n=3, tokens_per_image=9, elapsed_ms=1.0)
    sources = re.findall(r'<div class="mme-source" title="([^"]*)">([^<]*)<', html)
    assert sources == [
        (path, "厨房笔记 / &lt;汤&gt;"),
        ("notes/rice.md", "notes/rice.md"),
    ]  # the path on hover


def test_a_photos_card_says_where_it_was_taken_and_marks_the_town_the_query_named(tmp_path):
    from types import SimpleNamespace

    from webapp.media import MediaRegistry
    from webapp.render import results_html

    def card(doc, terms=()) -> str:
        hit = SimpleNamespace(doc=doc, rank=1, id=doc.id, score=2.0, mode="keyword", note="", terms=terms)
        return results_html([hit], MediaRegistry(tmp_path), n=3, tokens_per_image=9, elapsed_ms=1.0)

    meta = {"properties": {"place": "35.01160, 135.76810", "place_name": "Kyoto, Japan"}}
    photo = InterleavedDoc((TextSegment("DCIM / IMG 4021"),), id="IMG_4021.jpg", title="IMG 4021", meta=meta)
    place = '<span class="mme-place" title="where the photo was taken (GPS)"><mark>Kyoto</mark>, Japan</span>'
    assert place in card(photo, ("京都", "Kyoto"))  # 京都 searched "Kyoto" too (indexer.place_names)
    note = InterleavedDoc((TextSegment("A note."),), id="a.md", title="A note", meta={"properties": {}})
    assert "mme-place" not in card(note) and "mme-length" not in card(note)
    clip = InterleavedDoc(
        (TextSegment("DCIM / IMG 4022"),),
        id="DCIM/IMG_4022.MOV",
        title="IMG_4022.MOV",
        meta={"properties": {"length": "12 s"}},
    )
    html = card(clip)
    assert '<h3 class="mme-title">IMG_4022.MOV</h3>' in html  # the file's name, as the person knows it
    assert '<span class="mme-length" title="a video, shown by its keyframes">video, 12 s</span>' in html


def test_a_clipped_preview_keeps_the_length_line_of_the_video_it_shows(media, image_factory):
    frame = image_factory("red")
    long = "Drag the link from the browser's address bar. " * 10
    doc = InterleavedDoc((TextSegment(long + "\nvideo, 4 s"), ImageSegment(frame)), id="n.md", title="N")
    card = results_html([Hit("n.md", 0.3, doc, 1)], media, n=1, tokens_per_image=1, elapsed_ms=1)
    assert " …\nvideo, 4 s</p>" in card  # the frames beside it keep their label
    assert card.count('<li class="mme-step') == 1 and card.count('<img class="mme-image"') == 1
    plain = InterleavedDoc((TextSegment(long + "\nvideos of it are online"),), id="p.md", title="P")
    card = results_html([Hit("p.md", 0.3, plain, 1)], media, n=1, tokens_per_image=1, elapsed_ms=1)
    assert " …</p>" in card and "online" not in card
