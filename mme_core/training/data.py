"""Training triples (query, positive, hard negatives) read from TIIR-style jsonl.

`train.jsonl`, one object per line:

    {"qid": "q1", "query": <doc>, "pos": <doc>, "neg": [<doc>, ...]}     ("qid" optional)

A `<doc>` is a wikiHow-TIIR `data` list (text strings and image paths, in order), an object
`{"data": [...], "id": ...}` holding one (what `python -m mme_data.synthetic` writes), or -- for
"pos"/"neg" -- a document id looked up in `docs.jsonl` (`{"id", "data"}`) next to the file.
Relative image paths resolve against the file's directory. A directory in the plain wikiHow-TIIR
layout (`docs.jsonl`, `queries.jsonl`, `qrels.jsonl`, no `train.jsonl`) also works: one triple per
qrel, with in-batch negatives only.

Every problem is found at load time and reported with file and line, before a long run starts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from mme_core.documents import InterleavedDoc
from mme_core.tiir import (
    DOCS_FILE,
    QRELS_FILE,
    QUERIES_FILE,
    document,
    load_tiir,
    read_docs,
    read_jsonl,
    read_qrel_pairs,
)

TRIPLES_FILE = "train.jsonl"
TRIPLE_KEYS = ("qid", "query", "pos", "neg")


@dataclass(frozen=True)
class TrainingTriple:
    qid: str
    query: InterleavedDoc
    positive: InterleavedDoc
    negatives: tuple[InterleavedDoc, ...] = ()

    def sample_negatives(self, k: int, rng: random.Random) -> tuple[InterleavedDoc, ...]:
        """k hard negatives, drawn without replacement when more are available."""
        if k > len(self.negatives):
            raise ValueError(f"query {self.qid!r} has {len(self.negatives)} hard negatives, {k} requested")
        return tuple(rng.sample(self.negatives, k)) if k < len(self.negatives) else self.negatives


def load_corpus(path: Path) -> dict[str, InterleavedDoc]:
    """id -> document of a `docs.jsonl` (the one TIIR reader; every picture must exist)."""
    return read_docs(path)


def _inline_doc(value, root: Path, where: str, fallback_id: str) -> InterleavedDoc:
    """A data list, or an object {"data": [...], "id"?: ...}."""
    if isinstance(value, dict):
        if "data" not in value:
            raise ValueError(f"{where}: a document object needs a 'data' list")
        return document(value["data"], root, where, id=str(value.get("id", fallback_id)))
    return document(value, root, where, id=fallback_id)


class _DocResolver:
    """Turns a `<doc>` (inline data list or id) into an InterleavedDoc, loading docs.jsonl once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._corpus: dict[str, InterleavedDoc] | None = None

    def __call__(self, value, where: str, fallback_id: str) -> InterleavedDoc:
        if isinstance(value, dict):
            return _inline_doc(value, self.root, where, fallback_id)
        if isinstance(value, list):
            return document(value, self.root, where, id=fallback_id)
        if isinstance(value, str):
            corpus = self.corpus(where)
            if value not in corpus:
                raise ValueError(f"{where}: document id {value!r} is not in {self.root / 'docs.jsonl'}")
            return corpus[value]
        kind = type(value).__name__
        raise ValueError(
            f"{where}: a document must be a data list, a {{'data': [...]}} object or an id, got {kind}"
        )

    def corpus(self, where: str) -> dict[str, InterleavedDoc]:
        if self._corpus is None:
            path = self.root / "docs.jsonl"
            if not path.is_file():
                raise ValueError(f"{where}: documents are given by id but {path} does not exist")
            self._corpus = load_corpus(path)
        return self._corpus


def load_triples(path: str | Path, min_negatives: int = 0, drop_short: bool = False) -> list[TrainingTriple]:
    """Read triples from a train.jsonl file, a directory holding one, or a TIIR qrels directory.

    `min_negatives`: every triple must carry at least this many hard negatives (the batch shape
    needs the same count for each query), otherwise ValueError naming the first short one -- or,
    with `drop_short`, such triples are left out (ValueError if none remains).
    """
    path = Path(path)
    if path.is_dir():
        if (path / TRIPLES_FILE).is_file():
            path = path / TRIPLES_FILE
        elif all((path / name).is_file() for name in (DOCS_FILE, QUERIES_FILE, QRELS_FILE)):
            triples = _triples_from_qrels(path)
            return _check(triples, min_negatives, path, drop_short)
        else:
            raise ValueError(
                f"{path} holds neither {TRIPLES_FILE} nor docs.jsonl + queries.jsonl + qrels.jsonl"
            )
    if not path.is_file():
        raise ValueError(f"training data not found: {path}")
    resolve = _DocResolver(path.parent)
    triples = []
    for number, row in read_jsonl(path):
        where = f"{path}:{number}"
        missing = [key for key in ("query", "pos") if key not in row]
        if missing:
            keys = ", ".join(TRIPLE_KEYS)
            raise ValueError(f"{where}: missing {', '.join(missing)}; a triple has keys {keys}")
        qid = str(row.get("qid", f"line{number}"))
        negatives = row.get("neg", [])
        if not isinstance(negatives, list):
            raise ValueError(f"{where}: 'neg' must be a list of documents (data lists or ids)")
        triples.append(
            TrainingTriple(
                qid=qid,
                query=_inline_doc(row["query"], path.parent, where, qid),
                positive=resolve(row["pos"], where, f"{qid}/pos"),
                negatives=tuple(resolve(neg, where, f"{qid}/neg{i}") for i, neg in enumerate(negatives)),
            )
        )
    return _check(triples, min_negatives, path, drop_short)


def _triples_from_qrels(root: Path) -> list[TrainingTriple]:
    """One triple per judgement, in qrels file order (so a run is reproducible)."""
    split = load_tiir(root)
    docs = {doc.id: doc for doc in split.docs}
    queries = {query.id: query for query in split.queries}
    return [TrainingTriple(qid, queries[qid], docs[did]) for qid, did in read_qrel_pairs(root / QRELS_FILE)]


def _check(
    triples: list[TrainingTriple], min_negatives: int, source: Path, drop_short: bool = False
) -> list[TrainingTriple]:
    if not triples:
        raise ValueError(f"no training triples in {source}")
    if drop_short:
        triples = [t for t in triples if len(t.negatives) >= min_negatives]
        if not triples:
            raise ValueError(f"no triple in {source} has {min_negatives} hard negatives")
    for triple in triples:
        if len(triple.negatives) < min_negatives:
            raise ValueError(
                f"{source}: query {triple.qid!r} has {len(triple.negatives)} hard negatives but "
                f"{min_negatives} are needed (lower num_negatives or add negatives)"
            )
    return triples
