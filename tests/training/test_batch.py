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
