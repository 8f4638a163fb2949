"""A tiny interleaved retrieval task for training tests: each document pairs a step with a picture.

Documents come in groups of six that share their step; within a group only the picture's colour
(which the query shows but does not name) tells them apart, so a model must read text and image.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

COLOURS = ["red", "blue", "green", "orange", "purple", "black"]
SHAPES = ["circle", "square"]
ACTIONS = ["fold the paper", "cut the paper", "paint the box", "glue the lid"]


def draw(path: Path, colour: str, shape: str, offset: int = 0) -> str:
    image = Image.new("RGB", (48, 48), "white")
    box = (8 + offset, 8 + offset, 38 + offset, 38 + offset)
    (ImageDraw.Draw(image).ellipse if shape == "circle" else ImageDraw.Draw(image).rectangle)(
        box, fill=colour
    )
    image.save(path)
    return path.name


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))


@pytest.fixture(scope="session")
def mini_tiir(tmp_path_factory) -> Path:
    """docs.jsonl / queries.jsonl / qrels.jsonl / train.jsonl over 24 documents, images alongside."""
    root = tmp_path_factory.mktemp("mini-tiir")
    docs, queries, qrels, keys = [], [], [], []
    for index in range(24):
        colour, shape, action = COLOURS[index % 6], SHAPES[(index // 6) % 2], ACTIONS[index // 6 % 4]
        keys.append((colour, shape, action))
        did, qid = f"d{index:02d}", f"q{index:02d}"
        doc_image = draw(root / f"{did}.png", colour, shape)
        query_image = draw(root / f"{qid}.png", colour, shape, offset=2)
        docs.append({"id": did, "data": [f"Step 1. {action} with {colour} parts.", doc_image]})
        queries.append({"qid": qid, "data": [f"I want to {action}, like this:", query_image, "what next?"]})
        qrels.append({"qid": qid, "did": did})
    # hard negative: same action and shape, the next colour
    train = [
        {
            "qid": q["qid"],
            "query": q["data"],
            "pos": q["qid"].replace("q", "d"),
            "neg": [f"d{(i // 6) * 6 + (i + 1) % 6:02d}"],
        }
        for i, q in enumerate(queries)
    ]
    write_jsonl(root / "docs.jsonl", docs)
    write_jsonl(root / "queries.jsonl", queries)
    write_jsonl(root / "qrels.jsonl", qrels)
    write_jsonl(root / "train.jsonl", train)
    return root
