"""The paper's two shuffle ablations on hand-made documents."""

from __future__ import annotations

import random

import pytest

from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment
from mme_core.evaluation.ablations import apply_shuffle, shuffle_image_order, shuffle_image_positions


def doc(*items: str, id: str = "d") -> InterleavedDoc:
    return InterleavedDoc(
        tuple(ImageSegment(i) if i.endswith(".png") else TextSegment(i) for i in items), id=id, title="t"
    )


def kinds(d: InterleavedDoc) -> list[str]:
    return ["I" if isinstance(s, ImageSegment) else "T" for s in d.segments]


def texts(d: InterleavedDoc) -> list[str]:
    return [s.text for s in d.segments if isinstance(s, TextSegment)]


def paths(d: InterleavedDoc) -> list[str]:
    return [s.path for s in d.images]


ORIGINAL = doc("intro", "a.png", "step one", "b.png", "step two", "c.png", "end")


def test_image_order_keeps_every_text_and_slot_but_reorders_pictures():
    for seed in range(20):
        shuffled = shuffle_image_order(ORIGINAL, random.Random(seed))
        assert kinds(shuffled) == kinds(ORIGINAL)
        assert texts(shuffled) == texts(ORIGINAL)
        assert sorted(paths(shuffled)) == ["a.png", "b.png", "c.png"]
        assert paths(shuffled) != paths(ORIGINAL)
        assert (shuffled.id, shuffled.title) == ("d", "t")


def test_image_positions_keep_picture_order_and_text_order_but_move_pictures():
    moved = 0
    for seed in range(20):
        shuffled = shuffle_image_positions(ORIGINAL, random.Random(seed))
        assert texts(shuffled) == texts(ORIGINAL)
        assert paths(shuffled) == paths(ORIGINAL)
        assert shuffled.segments != ORIGINAL.segments
        moved += kinds(shuffled) != kinds(ORIGINAL)
    assert moved == 20


def test_nothing_to_shuffle_returns_the_document_unchanged():
    single = doc("only text", "a.png", "more")
    assert shuffle_image_order(single, random.Random(0)) is single
    assert (
        shuffle_image_positions(doc("a.png", "b.png"), random.Random(0)).segments
        == doc("a.png", "b.png").segments
    )
    assert shuffle_image_positions(doc("just text"), random.Random(0)) == doc("just text")


def test_apply_shuffle_is_deterministic_per_seed_and_document():
    docs = [doc("x", "a.png", "y", "b.png", "z", "c.png", id=f"d{i}") for i in range(8)]
    first = apply_shuffle(docs, "images", seed=1)
    assert first == apply_shuffle(docs, "images", seed=1)
    assert [paths(d) for d in first] != [paths(d) for d in apply_shuffle(docs, "images", seed=2)]
    assert len({tuple(paths(d)) for d in first}) > 1  # each document draws its own order
    assert apply_shuffle(docs, "none") == docs


def test_unknown_shuffle_lists_choices():
    with pytest.raises(ValueError, match="none, images, positions"):
        apply_shuffle([ORIGINAL], "text")


@pytest.mark.parametrize("kind", ["images", "positions"])
def test_shuffle_depends_on_document_id_not_on_the_folder(kind):
    def collection(folder: str, ids: bool = True) -> list[InterleavedDoc]:
        return [
            doc("x", f"{folder}/a.png", "y", f"{folder}/b.png", "z", f"{folder}/c.png", "w",
                f"{folder}/e.png", id=f"d{i}" if ids else "")
            for i in range(12)
        ]  # fmt: skip

    def names(docs: list[InterleavedDoc]) -> list[list[str]]:
        return [[s.path.rsplit("/", 1)[-1] if isinstance(s, ImageSegment) else s.text for s in d.segments]
                for d in docs]  # fmt: skip

    here = apply_shuffle(collection("/home/ann/notes"), kind, seed=3)
    there = apply_shuffle(collection("/mnt/copy/of/notes"), kind, seed=3)
    assert names(here) == names(there)
    assert len({tuple(row) for row in names(here)}) > 1  # still one draw per document id
    no_ids = apply_shuffle(collection("/home/ann/notes", ids=False), kind, seed=3)
    assert names(no_ids) == names(apply_shuffle(collection("/elsewhere", ids=False), kind, seed=3))
