"""Text-only BM25 (bm25s) and the image-only colour-histogram baseline."""

from __future__ import annotations

import numpy as np
import pytest

from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment
from mme_core.evaluation.baselines import (
    bm25_rankings,
    colour_histogram,
    histogram_rankings,
    rrf_fusion,
)


def make(id: str, *items: str) -> InterleavedDoc:
    return InterleavedDoc(
        tuple(ImageSegment(i) if i.endswith(".png") else TextSegment(i) for i in items), id=id
    )


def test_bm25_ranks_the_document_sharing_rare_words_first(image_factory):
    picture = image_factory("red", "circle")
    docs = [
        make("paint", "How to paint a fence", "Sand the fence, then brush on primer.", picture),
        make("bake", "How to bake bread", "Knead the dough until smooth.", picture),
        make("pictures-only", picture),
    ]
    queries = [make("q1", "My fence needs primer: what now?", picture), make("q2", picture)]
    rankings = bm25_rankings(docs, queries, k=10)
    assert rankings["q1"][0] == "paint"
    assert "pictures-only" not in rankings["q1"]  # no text, never found by text search
    assert rankings["q2"] == []  # a picture-only query has no words to search with
    assert len(bm25_rankings(docs, queries, k=1)["q1"]) == 1


def test_bm25_weighs_rare_terms_over_common_ones_and_matches_word_forms():
    docs = [
        make("common", "Tighten the screw, then tighten the other screw."),
        make("rare", "Replace the washer under the screw."),
        make("unrelated", "Water the tomatoes every morning."),
    ]
    # "screw" is in two documents, "washers" (stemmed to washer) in one: the rare term wins.
    ranking = bm25_rankings(docs, [make("q", "Which washers and screw?")], k=10)["q"]
    assert ranking == ["rare", "common"]  # the unrelated document shares no term, so it is not ranked
    # Stop words alone match nothing.
    assert bm25_rankings(docs, [make("q", "The, and the")], k=10)["q"] == []


def test_histogram_maxsim_matches_colours_and_ignores_text(image_factory):
    docs = [
        make("blue", "How to bake bread", image_factory("blue", "square"), image_factory("green", "circle")),
        make("red", "Totally unrelated words", image_factory("red", "circle")),
        make("text-only", "red circle"),
    ]
    query = make("q", "bake bread", image_factory("red", "circle", size=(64, 64)))
    ranking = histogram_rankings(docs, [query], k=3)["q"]
    assert ranking[0] == "red" and ranking[-1] == "text-only"


def test_colour_histogram_is_a_unit_vector_and_colour_sensitive(image_factory):
    from PIL import Image

    red = colour_histogram(Image.open(image_factory("red", "circle")))
    red_again = colour_histogram(Image.open(image_factory("red", "square")))
    blue = colour_histogram(Image.open(image_factory("blue", "circle")))
    assert red.shape == (256,) and np.isclose(np.linalg.norm(red), 1.0)
    assert red @ red_again > red @ blue


@pytest.mark.parametrize("rank", [bm25_rankings, histogram_rankings])
def test_k_must_be_positive(rank):
    with pytest.raises(ValueError, match="k must be >= 1"):
        rank([make("d", "x")], [make("q", "x")], k=0)


def test_rrf_fusion_rewards_agreement_and_keeps_documents_only_one_system_found():
    text = {"q": ["a", "b", "c"]}
    images = {"q": ["b", "d", "a"]}
    fused = rrf_fusion([text, images], k=10, rrf_k=60)["q"]
    # b: 1/62 + 1/61 > a: 1/61 + 1/63 > d (images only, rank 2) > c (text only, rank 3)
    assert fused == ["b", "a", "d", "c"]
    assert rrf_fusion([text, images], k=2)["q"] == ["b", "a"]
    assert rrf_fusion([text, {"q": []}], k=10)["q"] == ["a", "b", "c"]  # one system found nothing


def test_rrf_fusion_refuses_bad_constants():
    with pytest.raises(ValueError, match="k must be >= 1"):
        rrf_fusion([{"q": ["a"]}], k=0)
    with pytest.raises(ValueError, match="rrf_k must be >= 0"):
        rrf_fusion([{"q": ["a"]}], rrf_k=-1)
