"""One granularity rule for every entry point: the same values are refused with the same message."""

from __future__ import annotations

import pytest

from mme_core.pooling import GRANULARITIES, check_granularity, parse_granularities

VALID_CHOICES = "valid values are 1, 2, 3, 4, 6, 8, 12, 24, full"
BAD = [2.0, "3 ", 5, 48, True, "FULL", "", -3]


def entry_points():
    """Every place a person's N enters, each called with one bad value."""
    from indexer.__main__ import parse_ns_option
    from mme_core.evaluation.cli import EvalConfig
    from mme_core.training.config import TrainConfig
    from mme_core.training.strategies import MeanStrategy

    return {
        "check_granularity": check_granularity,
        "parse_granularities(list)": lambda n: parse_granularities([1, n]),
        "training config": lambda n: TrainConfig(model="m", data="d", out="o", ns=(1, n)),
        "training strategy": lambda n: MeanStrategy((n,)),
        "evaluation config": lambda n: EvalConfig(data="d", out="o", baselines=("bm25",), ns=(n,)),
        "indexer CLI --ns": lambda n: parse_ns_option(f"1,{n}"),  # the text the person typed
    }


@pytest.mark.parametrize("bad", BAD, ids=repr)
@pytest.mark.parametrize("where", list(entry_points()))
def test_every_entry_point_refuses_the_same_values_with_the_choices(where, bad):
    from indexer.__main__ import UsageError  # the CLI's exit-2 error, raised from the ValueError

    with pytest.raises((ValueError, UsageError), match=f"unsupported granularity N=.*; {VALID_CHOICES}"):
        entry_points()[where](bad)


@pytest.mark.parametrize(
    "given, expected",
    [("1,2,full", (1, 2, "full")), ([3, "4"], (3, 4)), (("full",), ("full",)), ("24", (24,))],
)
def test_lists_parse_from_text_or_iterables_in_order(given, expected):
    assert parse_granularities(given) == expected


def test_every_listed_granularity_is_accepted_as_int_and_text():
    for n in GRANULARITIES:
        assert check_granularity(n) == n and check_granularity(str(n)) == n


@pytest.mark.parametrize(
    "given, message",
    [
        ("", "no granularity given"),
        ([], "no granularity given"),
        ("1,3,1", "N=1 listed twice in 1, 3, 1"),
        ("1,,2", "unsupported granularity N=''"),
        (3, "comma-separated string like '1,2,full' or a list, got 3"),
    ],
)
def test_bad_lists_name_the_problem(given, message):
    with pytest.raises(ValueError, match=message):
        parse_granularities(given)


def test_a_narrower_valid_set_is_listed_in_the_message():
    with pytest.raises(ValueError, match="unsupported granularity N=24; valid values are 1, 2, 3"):
        parse_granularities("1,24", valid=(1, 2, 3))
