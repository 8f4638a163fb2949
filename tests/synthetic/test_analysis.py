"""Classifying a system's first hit relative to the answer's cluster."""

from __future__ import annotations

import json

import pytest

from mme_core.evaluation.first_hits import RELATIONS, load_roles, relation, top1_relations

ROLES = {
    "ans": (0, "A", "original"),
    "reordered": (0, "A", "permuted"),
    "edited": (0, "A", "edited"),
    "same-pictures": (0, "B", "original"),
    "sibling": (0, "B", "permuted"),
    "far": (1, "A", "original"),
}


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        ("ans", "answer"),
        ("reordered", "text twin"),
        ("edited", "text twin"),
        ("same-pictures", "picture twin"),
        ("sibling", "other in cluster"),
        ("far", "other cluster"),
    ],
)
def test_relation(found, expected):
    assert relation(found, "ans", ROLES) == expected


def test_top1_fractions_cover_every_query():
    rankings = {"q1": ["ans", "far"], "q2": ["reordered", "ans"], "q3": ["far"], "q4": []}
    qrels = {q: {"ans"} for q in rankings}
    fractions = top1_relations(rankings, qrels, ROLES)
    assert list(fractions) == list(RELATIONS)
    assert fractions == {
        "answer": 0.25,
        "text twin": 0.25,
        "picture twin": 0.0,
        "other in cluster": 0.0,
        "other cluster": 0.25,
        "nothing": 0.25,
    }


def test_load_roles_reads_generated_splits_only(small_benchmark, tmp_path):
    roles = load_roles(small_benchmark)
    first = json.loads((small_benchmark / "docs_meta.jsonl").read_text().splitlines()[0])
    assert roles[first["id"]] == (first["cluster"], first["text_variant"], first["picture_variant"])
    assert load_roles(tmp_path) is None
