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
    segment_pattern = r'<p class="mme-text">([^<]*)</p>|<img class="mme-image"[^>]*alt="([^"]*)"'
    order = re.findall(segment_pattern, first_card)
    assert [t or a for t, a in order] == ["cut", red.rsplit("/", 1)[1], "fold", blue.rsplit("/", 1)[1]]
    assert "N = 3 (9 tokens/image)" in html and "2 results" in html
    assert "notes/crafts/fold.md" in html and "part 3" in html
    assert red not in html.replace(f'alt="{red.rsplit("/", 1)[1]}"', "")  # no server paths in the page


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
    assert "4 more segments" in card and "step 11" not in card and " …" in card
    full = full_document_html(doc)
    assert "step 11" in full and full.count('class="mme-text"') == 12


def test_no_hits_says_what_to_do(media):
    assert "Collection tab" in results_html([], media, n=3, tokens_per_image=9, elapsed_ms=1)


def test_preview_does_not_repeat_the_title_and_bolds_headings(media):
    text = TextSegment("# Fix a tap\n\n## Tools\n1. Close the valve.")
    doc = InterleavedDoc((text,), id="t", title="Fix a tap")
    card = results_html([Hit("t", 0.4, doc, 1)], media, n=1, tokens_per_image=1, elapsed_ms=1)
    body = card.split('class="mme-doc">')[1]
    assert "Fix a tap" not in body and '<span class="mme-heading-text">Tools</span>' in body
    assert "Fix a tap" in full_document_html(doc)  # the full view keeps everything
