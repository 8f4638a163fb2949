from __future__ import annotations

from collections import Counter

import pytest

from mme_core.training.strategies import (
    GranularityPlan,
    MeanStrategy,
    MRLStrategy,
    RandomStrategy,
    make_strategy,
)

NS = (1, 2, 3, 4, 6)


def test_random_uses_one_n_per_step_for_query_and_document():
    strategy = RandomStrategy(NS, seed=3)
    seen = Counter()
    for step in range(200):
        plan = strategy.plan(step)
        assert isinstance(plan, GranularityPlan)
        assert len(plan.pairs) == 1
        (q_n, d_n) = plan.pairs[0]
        assert q_n == d_n and q_n in NS
        assert plan.query_ns == plan.doc_ns == (q_n,)
        seen[q_n] += 1
    assert set(seen) == set(NS)  # every N is drawn over 200 steps
    assert min(seen.values()) > 15  # roughly uniform (expected 40 each)


def test_random_is_reproducible_per_step_so_resume_matches():
    a, b = RandomStrategy(NS, seed=7), RandomStrategy(NS, seed=7)
    assert [a.plan(s) for s in range(50)] == [b.plan(s) for s in reversed(range(50))][::-1]
    other = RandomStrategy(NS, seed=8)
    assert [a.plan(s) for s in range(50)] != [other.plan(s) for s in range(50)]


def test_mrl_pairs_each_n_with_itself():
    plan = MRLStrategy(NS).plan(0)
    assert plan.pairs == ((1, 1), (2, 2), (3, 3), (4, 4), (6, 6))
    assert plan.query_ns == plan.doc_ns == NS
    assert MRLStrategy(NS).plan(123) == plan


def test_mean_uses_all_m_by_m_pairs():
    plan = MeanStrategy(NS).plan(5)
    assert len(plan.pairs) == 25 and len(set(plan.pairs)) == 25
    assert set(plan.pairs) == {(q, d) for q in NS for d in NS}
    assert (1, 6) in plan.pairs and (6, 1) in plan.pairs
    assert plan.query_ns == plan.doc_ns == NS  # one forward per N and side, not per pair


def test_full_granularity_is_allowed():
    assert MeanStrategy((3, "full")).plan(0).pairs == ((3, 3), (3, "full"), ("full", 3), ("full", "full"))


def test_make_strategy_by_name_and_unknown_name_lists_choices():
    assert isinstance(make_strategy("mean", NS), MeanStrategy)
    assert isinstance(make_strategy("mrl", NS), MRLStrategy)
    assert isinstance(make_strategy("random", NS), RandomStrategy)
    with pytest.raises(ValueError, match="random, mrl, mean"):
        make_strategy("matryoshka", NS)


@pytest.mark.parametrize("ns", [(), (0, 1), (1, 1), (1.5,), ("all",), (True,), (1, 5), (48,)])
def test_bad_granularities_are_refused(ns):
    with pytest.raises(ValueError, match="granularit"):
        MeanStrategy(ns)


def test_granularities_go_through_the_encoders_checker():
    # 5 is a positive int but no pooling size the encoder accepts: refused here, with the valid list
    with pytest.raises(ValueError, match="valid values are 1, 2, 3, 4, 6, 8, 12, 24, full"):
        MeanStrategy((1, 5))
    assert MeanStrategy(("1", "full")).ns == (1, "full")
    assert MeanStrategy(3).ns == (3,)
