"""The benchmark's promise, checked on the written files with an oracle written apart from the generator:
every query has exactly one answer, text alone and pictures alone (even in order) cannot find it."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest

from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment
from mme_data.synthetic import ImageSpec, render
from mme_data.synthetic.drawing import random_spec


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def steps_with_pictures(data: list[str]) -> list[tuple[str, str]]:
    """(step sentence, picture file name) pairs of a tutorial's data list."""
    return [(data[i].split(". ", 1)[1].rstrip("."), Path(data[i + 1]).name) for i in range(1, len(data), 2)]


def text_of(data: list[str]) -> str:
    return "\n".join(s.text for s in InterleavedDoc.from_data(data).segments if isinstance(s, TextSegment))


def pictures_of(data: list[str]) -> list[str]:
    return [Path(s.path).name for s in InterleavedDoc.from_data(data).segments if isinstance(s, ImageSegment)]


@pytest.fixture(scope="module")
def corpus(small_benchmark):
    docs = {d["id"]: d["data"] for d in read_jsonl(small_benchmark / "docs.jsonl")}
    meta = {m["qid"]: m for m in read_jsonl(small_benchmark / "queries_meta.jsonl")}
    return docs, meta


def oracle_answers(docs: dict[str, list[str]], title: str, pairs: list[tuple[str, str]]) -> list[str]:
    found = []
    for did, data in docs.items():
        if data[0] != title:
            continue
        steps, position = steps_with_pictures(data), 0
        for pair in pairs:
            while position < len(steps) and steps[position][0] != pair[0]:
                position += 1
            if position == len(steps) or steps[position] != pair:
                break
            position += 1
        else:
            found.append(did)
    return found


def test_every_query_has_exactly_one_answer(corpus):
    docs, meta = corpus
    for qid, m in meta.items():
        target = docs[m["did"]]
        steps = steps_with_pictures(target)
        pairs = [steps[i] for i in m["shown"]]
        assert [p for _, p in pairs] == [f"{key}.png" for key in m["pictures"]]
        assert oracle_answers(docs, target[0], pairs) == [m["did"]], qid


def test_text_alone_cannot_choose(corpus):
    docs, meta = corpus
    texts = Counter(text_of(data) for data in docs.values())
    for m in meta.values():
        assert texts[text_of(docs[m["did"]])] == 3  # the target and its two text twins


def test_pictures_alone_cannot_choose_even_in_order(corpus):
    docs, meta = corpus
    by_pictures = defaultdict(list)
    for did, data in docs.items():
        by_pictures[tuple(pictures_of(data))].append(did)
    for m in meta.values():
        target = docs[m["did"]]
        twins = [d for d in by_pictures[tuple(pictures_of(target))] if d != m["did"]]
        assert len(twins) == 1 and docs[twins[0]][0] != target[0]  # same pictures, other tutorial


def test_an_order_twin_shows_the_same_pictures_at_other_steps(corpus):
    """Same text, the target's pictures (all, or all but the edited one) in a deranged order."""
    docs, meta = corpus
    for m in meta.values():
        target = docs[m["did"]]
        target_pictures = pictures_of(target)
        twins = [
            pictures
            for did, data in docs.items()
            if did != m["did"] and text_of(data) == text_of(target)
            for pictures in [pictures_of(data)]
            if sum((Counter(pictures) & Counter(target_pictures)).values()) >= len(target_pictures) - 1
            and all(a != b for a, b in zip(pictures, target_pictures, strict=True))
        ]
        assert twins


def test_train_hard_negatives_are_order_picture_and_edit_twins(small_benchmark):
    """neg[0]: same text, the pictures (all, or all but the edit) at other steps;
    neg[1]: same pictures, other text; neg[2]: same text, one picture edited
    (and, when the positive is the permuted one, reordered too)."""
    for record in read_jsonl(small_benchmark / "train.jsonl"):
        pos = record["pos"]["data"]
        order, picture, edited = (n["data"] for n in record["neg"])
        assert text_of(order) == text_of(pos)
        assert all(a != b for a, b in zip(pictures_of(order), pictures_of(pos), strict=True))
        assert sum((Counter(pictures_of(order)) & Counter(pictures_of(pos))).values()) >= len(pos) // 2 - 1
        assert pictures_of(picture) == pictures_of(pos) and picture[0] != pos[0]
        assert text_of(edited) == text_of(pos)
        shared = sum((Counter(pictures_of(edited)) & Counter(pictures_of(pos))).values())
        assert pictures_of(edited) != pictures_of(pos) and shared >= len(pictures_of(pos)) - 1


def test_train_and_test_tutorials_are_disjoint(small_benchmark):
    test = {json.dumps(d["data"]) for d in read_jsonl(small_benchmark / "docs.jsonl")}
    train = {json.dumps(r["pos"]["data"]) for r in read_jsonl(small_benchmark / "train.jsonl")}
    assert not test & train


def test_doc_order_does_not_reveal_the_cluster_role(small_benchmark):
    roles = [m["picture_variant"] for m in read_jsonl(small_benchmark / "docs_meta.jsonl")]
    assert roles[:6] != ["original", "permuted", "edited"] * 2  # shuffled, not written cluster by cluster
    targets = Counter(
        m["picture_variant"]
        for m in read_jsonl(small_benchmark / "docs_meta.jsonl")
        if m["id"] in {q["did"] for q in read_jsonl(small_benchmark / "qrels.jsonl")}
    )
    assert len(targets) == 3  # queries ask about every kind of cluster member


def test_spec_keys_round_trip_and_bad_specs_name_valid_choices():
    import random

    rng = random.Random(0)
    for _ in range(50):
        spec = random_spec(rng)
        assert ImageSpec.from_key(spec.key) == spec
    with pytest.raises(ValueError, match="valid choices are red, orange"):
        ImageSpec("magenta", "circle", 1, "top", "none")
    with pytest.raises(ValueError, match="valid choices are 1, 2, 3"):
        ImageSpec("red", "circle", 7, "top", "none")
    with pytest.raises(ValueError, match="expected colour-shape-count-place-tool"):
        ImageSpec.from_key("red-circle")
    with pytest.raises(ValueError, match="at least 32 px"):
        render(spec, size=8)


def test_jittered_rendering_differs_but_keeps_the_colour():
    import random

    spec = ImageSpec("blue", "star", 2, "middle", "brush")
    canonical, fresh = render(spec), render(spec, jitter=random.Random(4))
    assert canonical.tobytes() != fresh.tobytes()
    assert canonical.size == fresh.size == (64, 64)
    pixels = np.asarray(fresh.convert("RGB"))  # (64, 64, 3)
    blueish = int(((pixels[..., 2] > 150) & (pixels[..., 0] < 90)).sum())
    assert blueish > 40  # two stars still cover a visible blue area
