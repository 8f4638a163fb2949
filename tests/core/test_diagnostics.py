"""Dominance maths on hand-made vectors, and through a real tiny encoder."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mme_core.diagnostics import Dominance, cosine, dominance_scores, measure_dominance
from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment


def test_cosine_rowwise_exact():
    a = np.array([[1.0, 0.0], [3.0, 4.0]])
    b = np.array([[0.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose(cosine(a, b), [0.0, 1.0])


def test_cosine_rejects_bad_shapes_and_zero_rows():
    with pytest.raises(ValueError, match="same shape"):
        cosine(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="zero vector"):
        cosine(np.zeros((1, 3)), np.ones((1, 3)))


def test_dominance_scores_text_side_positive_image_side_negative():
    text = np.array([[1.0, 0.0], [1.0, 0.0]])
    image = np.array([[0.0, 1.0], [0.0, 1.0]])
    leaning_text = [math.cos(math.radians(30)), math.sin(math.radians(30))]  # 30 degrees from text
    leaning_image = [math.cos(math.radians(80)), math.sin(math.radians(80))]
    scores = dominance_scores(np.array([leaning_text, leaning_image]), text, image)
    expected_text = math.cos(math.radians(30)) - math.cos(math.radians(60))
    expected_image = math.cos(math.radians(80)) - math.cos(math.radians(10))
    np.testing.assert_allclose(scores, [expected_text, expected_image])
    assert scores[0] > 0 > scores[1]


class AxisEncoder:
    """Embeds text on the x axis and images on the y axis, weighted by segment count and `n`.

    Stands in for a model so the bookkeeping of `measure_dominance` can be checked exactly.
    """

    def __init__(self):
        self.calls = []

    def encode(self, docs, n=3, batch_size=None, prompt_name="document"):
        self.calls.append((len(docs), n, prompt_name))
        rows = []
        for doc in docs:
            texts = sum(isinstance(s, TextSegment) for s in doc.segments)
            images = sum(isinstance(s, ImageSegment) for s in doc.segments) * n
            vector = np.array([texts, images], dtype=np.float64)
            rows.append(vector / np.linalg.norm(vector))
        return np.array(rows, dtype=np.float32)


def test_measure_dominance_uses_the_three_views_and_keeps_order(tmp_path):
    mixed = InterleavedDoc((TextSegment("cut"), ImageSegment("a.png")), id="mixed")
    text_only = InterleavedDoc((TextSegment("just words"),), id="text")
    image_only = InterleavedDoc((ImageSegment("b.png"),), id="image")
    encoder = AxisEncoder()

    results = measure_dominance(encoder, [text_only, mixed, image_only], n=2, prompt_name="query")

    assert [r.doc_id for r in results] == ["text", "mixed", "image"]
    assert results[0] == Dominance("text", "text", None, None) and results[0].score is None
    assert results[2].modality == "image" and results[2].score is None
    # mixed doc embeds as (1, 2)/sqrt(5): cos to text axis 1/sqrt5, to image axis 2/sqrt5
    assert results[1].modality == "interleaved"
    assert results[1].score == pytest.approx(1 / math.sqrt(5) - 2 / math.sqrt(5), abs=1e-6)
    assert encoder.calls == [(1, 2, "query")] * 3  # only the mixed doc is encoded, once per view


def test_measure_dominance_score_falls_as_images_get_more_weight():
    doc = InterleavedDoc((TextSegment("step"), ImageSegment("a.png")), id="d")
    scores = [measure_dominance(AxisEncoder(), [doc], n=n)[0].score for n in (1, 2, 4)]
    assert scores[0] > scores[1] > scores[2]


def test_measure_dominance_bad_input():
    assert measure_dominance(AxisEncoder(), []) == []
    with pytest.raises(ValueError, match=r"docs\[0\] must be an InterleavedDoc"):
        measure_dominance(AxisEncoder(), ["not a doc"])


@pytest.mark.parametrize("encoder_fixture", ["tiny_dsvl", "tiny_qwen2vl"])
def test_measure_dominance_with_a_real_tiny_encoder(request, encoder_fixture, image_factory):
    encoder = request.getfixturevalue(encoder_fixture)
    doc = InterleavedDoc(
        (TextSegment("Fold the red paper"), ImageSegment(image_factory("red")), TextSegment("then press it")),
        id="d",
    )
    [result] = measure_dominance(encoder, [doc], n=2)
    full, text, image = (encoder.encode([view], n=2) for view in (doc, doc.text_only(), doc.images_only()))
    assert result.modality == "interleaved"
    assert result.score == pytest.approx(float(dominance_scores(full, text, image)[0]), abs=1e-5)
    assert -2.0 <= result.score <= 2.0
