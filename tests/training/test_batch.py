from __future__ import annotations

import torch

from mme_core import InterleavedDoc, TextSegment
from mme_core.training.loop import micro_batch, same_as_positive


def doc(text: str, id: str = "") -> InterleavedDoc:
    return InterleavedDoc((TextSegment(text),), id=id)


def test_duplicate_positives_in_a_batch_are_not_negatives():
    positives = [doc("a", "x"), doc("b"), doc("a", "y")]  # queries 0 and 2 share a document
    negatives = [doc("c"), doc("a"), doc("d")]  # query 1's hard negative is that document too
    mask = same_as_positive(positives, positives + negatives)
    expected = torch.zeros(3, 6, dtype=torch.bool)
    expected[0, 2] = expected[2, 0] = True
    expected[0, 4] = expected[2, 4] = True
    assert torch.equal(mask, expected)
    assert same_as_positive([doc("a"), doc("b")], [doc("a"), doc("b")]) is None


def test_micro_batches_cover_each_epoch_once_in_a_seeded_order():
    items = list(range(10))
    epoch0 = [micro_batch(items, 4, seed=0, index=i) for i in range(3)]
    assert sorted(x for b in epoch0 for x in b) == items and [len(b) for b in epoch0] == [4, 4, 2]
    epoch1 = [micro_batch(items, 4, seed=0, index=i) for i in range(3, 6)]
    assert sorted(x for b in epoch1 for x in b) == items and epoch1 != epoch0
    assert micro_batch(items, 4, seed=0, index=4) == micro_batch(items, 4, seed=0, index=4)


def triple(title: str, number: int):
    from mme_core.training.data import TrainingTriple

    positive = InterleavedDoc((TextSegment(title), TextSegment(f"step {number}")))
    return TrainingTriple(qid=f"{title}{number}", query=doc(f"q {title} {number}"), positive=positive)


def test_grouped_micro_batches_hold_runs_of_one_title_and_still_cover_the_epoch():
    # 3 titles x 5 triples: runs of 2 -> 6 full runs (each in one batch of 4) and 3 leftovers last
    items = [triple(title, n) for title in "abc" for n in range(5)]
    for epoch in range(2):
        batches = [micro_batch(items, 4, seed=1, index=epoch * 4 + i, group=2) for i in range(4)]
        assert sorted(t.qid for b in batches for t in b) == sorted(t.qid for t in items)
        for batch in batches[:3]:  # the first 12 positions: six whole runs, two per batch
            titles = [t.positive.segments[0].text for t in batch]
            assert titles[0] == titles[1] and titles[2] == titles[3]
        leftovers = [t.positive.segments[0].text for t in batches[3]]
        assert sorted(leftovers) == ["a", "b", "c"]
    plain = [micro_batch(items, 4, seed=1, index=i) for i in range(4)]
    assert plain != [micro_batch(items, 4, seed=1, index=i, group=2) for i in range(4)]


def test_a_batch_of_one_group_is_one_title():
    items = [triple(title, n) for title in "ab" for n in range(8)]
    for index in range(4):
        batch = micro_batch(items, 4, seed=3, index=index, group=4)
        assert len({t.positive.segments[0].text for t in batch}) == 1
