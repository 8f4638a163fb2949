"""Metrics against rankings computed by hand (wikiHow-TIIR official definitions)."""

from __future__ import annotations

import math

import pytest

from mme_core.evaluation.metrics import (
    DEFAULT_METRICS,
    evaluate_rankings,
    ndcg_at_k,
    parse_metric,
    per_query_metrics,
    recall_at_k,
    reciprocal_rank_at_k,
)

RANKINGS = {
    "q1": ["a", "b", "c", "d", "e"],  # the one relevant doc at rank 3
    "q2": ["x", "y"],  # one of two relevant docs at rank 1, the other never retrieved
    "q3": [f"d{i}" for i in range(1, 31)],  # relevant at rank 21: outside every cut but R@100
}
QRELS = {"q1": {"c"}, "q2": ["x", "z"], "q3": ("d21",)}


def test_single_relevant_document_at_rank_three():
    table = per_query_metrics(RANKINGS, QRELS, ["R@1", "R@5", "MRR@5", "MRR@10", "nDCG@5", "nDCG@20"])
    assert table["q1"] == {
        "R@1": 0.0,
        "R@5": 1.0,
        "MRR@5": 1 / 3,
        "MRR@10": 1 / 3,
        "nDCG@5": 1 / math.log2(4),  # 0.5; ideal DCG is 1
        "nDCG@20": 0.5,
    }


def test_recall_with_two_relevant_documents_follows_the_official_split_definition():
    table = per_query_metrics(RANKINGS, QRELS, ["R@1", "R@5", "Hit@5", "MRR@5", "nDCG@5"])
    # R@1 is success at 1 (the official recall_1 counter); R@5 is pytrec_eval's fraction 1/2.
    assert table["q2"]["R@1"] == 1.0
    assert table["q2"]["R@5"] == 0.5
    assert table["q2"]["Hit@5"] == 1.0
    assert table["q2"]["MRR@5"] == 1.0
    assert table["q2"]["nDCG@5"] == pytest.approx(1 / (1 + 1 / math.log2(3)), abs=1e-15)  # 0.6131471927654584


def test_relevant_document_beyond_every_cut_but_one():
    table = per_query_metrics(RANKINGS, QRELS, ["R@20", "R@100", "MRR@20", "nDCG@20"])
    assert table["q3"] == {"R@20": 0.0, "R@100": 1.0, "MRR@20": 0.0, "nDCG@20": 0.0}


def test_means_over_queries_with_all_default_metrics():
    means = evaluate_rankings(RANKINGS, QRELS)
    assert tuple(means) == DEFAULT_METRICS
    expected = {
        "R@1": (0 + 1 + 0) / 3,
        "R@5": (1 + 0.5 + 0) / 3,
        "R@20": (1 + 0.5 + 0) / 3,
        "R@100": (1 + 0.5 + 1) / 3,
        "MRR@5": (1 / 3 + 1 + 0) / 3,
        "MRR@10": (1 / 3 + 1 + 0) / 3,
        "MRR@20": (1 / 3 + 1 + 0) / 3,
        "nDCG@5": (0.5 + 1 / (1 + 1 / math.log2(3)) + 0) / 3,
        "nDCG@10": (0.5 + 1 / (1 + 1 / math.log2(3)) + 0) / 3,
        "nDCG@20": (0.5 + 1 / (1 + 1 / math.log2(3)) + 0) / 3,
    }
    for metric, value in expected.items():
        assert means[metric] == pytest.approx(value, abs=1e-15), metric


def test_ideal_dcg_is_cut_at_k():
    assert ndcg_at_k(["a", "b"], {"a", "b", "c"}, 2) == 1.0
    assert ndcg_at_k(["a", "x", "b"], {"a", "b"}, 3) == pytest.approx(
        (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3)), abs=1e-15
    )


def test_a_document_listed_twice_counts_at_its_first_rank():
    # e.g. two parts of one document: the official script keeps the first occurrence only
    table = per_query_metrics({"q": ["a", "a", "b"]}, {"q": {"b"}}, ["MRR@10", "R@1"])
    assert table["q"] == {"MRR@10": 0.5, "R@1": 0.0}


def test_plain_functions_and_empty_ranking():
    assert recall_at_k([], {"a"}, 5) == 0.0
    assert reciprocal_rank_at_k(["b", "a"], {"a"}, 1) == 0.0
    assert evaluate_rankings({"q": []}, {"q": {"a"}}, ["MRR@10"]) == {"MRR@10": 0.0}


@pytest.mark.parametrize("metric", ["MRR", "MRR@0", "MAP@10", "mrr@10", "R@k", "nDCG@-1"])
def test_unknown_metric_lists_valid_names(metric):
    with pytest.raises(ValueError, match="R, Hit, MRR, nDCG"):
        parse_metric(metric)


@pytest.mark.parametrize(
    ("rankings", "qrels", "message"),
    [
        ({"q": ["a"]}, {}, "qrels is empty"),
        ({}, {"q": {"a"}}, "have no ranking"),
        ({"q": ["a"], "extra": ["a"]}, {"q": {"a"}}, "not in qrels"),
        ({"q": ["a"]}, {"q": set()}, "no relevant document"),
        ({"q": ["a"]}, {"q": "a"}, "must be a collection"),
        ({"q": "abc"}, {"q": {"a"}}, "must be a sequence"),
    ],
)
def test_bad_inputs_raise_value_errors(rankings, qrels, message):
    with pytest.raises(ValueError, match=message):
        evaluate_rankings(rankings, qrels)


def test_no_metrics_requested():
    with pytest.raises(ValueError, match="no metrics"):
        evaluate_rankings({"q": ["a"]}, {"q": {"a"}}, [])
