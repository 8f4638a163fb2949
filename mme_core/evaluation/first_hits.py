"""Where a system's first hit lands relative to the answer, on a generated split (docs_meta.jsonl).

A text-only system should fail to *text twins*, a picture-only one to *picture twins* and order
twins; an interleaved model that binds pictures to steps should fail least to either.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

Roles = Mapping[str, tuple[int, str, str]]  # doc id -> (cluster, text variant, picture variant)
RELATIONS = ("answer", "text twin", "picture twin", "other in cluster", "other cluster", "nothing")


def load_roles(data_dir: str | Path) -> dict[str, tuple[int, str, str]] | None:
    """doc id -> (cluster, text variant, picture variant), or None for a split that is not synthetic."""
    path = Path(data_dir) / "docs_meta.jsonl"
    if not path.is_file():
        return None
    roles = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        meta = json.loads(line)
        roles[meta["id"]] = (meta["cluster"], meta["text_variant"], meta["picture_variant"])
    return roles


def relation(found: str, answer: str, roles: Roles) -> str:
    if found == answer:
        return "answer"
    (cluster, text, pictures), (answer_cluster, answer_text, answer_pictures) = roles[found], roles[answer]
    if cluster != answer_cluster:
        return "other cluster"
    if text == answer_text:
        return "text twin"  # same text, the pictures reordered or edited
    return "picture twin" if pictures == answer_pictures else "other in cluster"


def top1_relations(
    rankings: Mapping[str, Sequence[str]], qrels: Mapping[str, set[str]], roles: Roles
) -> dict[str, float]:
    """Fraction of queries whose first hit is the answer, a text twin, a picture twin, ..."""
    counts: Counter[str] = Counter()
    for qid, relevant in qrels.items():
        ranked = rankings.get(qid) or []
        answer = next(iter(relevant))
        counts[relation(ranked[0], answer, roles) if ranked else "nothing"] += 1
    return {name: counts[name] / len(qrels) for name in RELATIONS}
