"""Read a wikiHow-TIIR-format evaluation split: docs.jsonl, queries.jsonl, qrels.jsonl.

The indexer has its own collection readers; this one serves evaluation and training inside
mme_core, which must not import the indexer. Image paths resolve against the split's directory.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mme_core.documents import InterleavedDoc


@dataclass(frozen=True)
class TIIRSplit:
    docs: list[InterleavedDoc]
    queries: list[InterleavedDoc]  # InterleavedDoc.id is the qid
    qrels: dict[str, set[str]]  # qid -> relevant document ids

    def __post_init__(self) -> None:
        doc_ids = {doc.id for doc in self.docs}
        query_ids = {query.id for query in self.queries}
        for qid, relevant in self.qrels.items():
            if qid not in query_ids:
                raise ValueError(f"qrels name query {qid!r}, which queries.jsonl does not have")
            unknown = sorted(relevant - doc_ids)
            if unknown:
                raise ValueError(f"qrels of query {qid!r} name documents not in docs.jsonl: {unknown[:3]}")
        unjudged = sorted(query_ids - set(self.qrels))
        if unjudged:
            raise ValueError(f"{len(unjudged)} queries have no qrels, e.g. {unjudged[:3]}")


def read_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, record) for each non-blank line; a bad line raises ValueError naming file and line."""
    if not path.is_file():
        raise ValueError(f"missing file: {path}")
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}:{number}: not valid JSON ({err.msg})") from err
            if not isinstance(record, dict):
                raise ValueError(f"{path}:{number}: expected a JSON object, got {type(record).__name__}")
            yield number, record


def field(record: dict, key: str, path: Path, number: int, kind: type = str):
    if key not in record:
        raise ValueError(
            f"{path}:{number}: missing key {key!r} (found {', '.join(sorted(record)) or 'none'})"
        )
    value = record[key]
    if kind is str and not isinstance(value, (str, int)) or kind is list and not isinstance(value, list):
        raise ValueError(f"{path}:{number}: {key!r} must be a {kind.__name__}, got {type(value).__name__}")
    return str(value) if kind is str else value


def read_items(path: Path, id_key: str, root: Path) -> list[InterleavedDoc]:
    items: list[InterleavedDoc] = []
    seen: set[str] = set()
    for number, record in read_jsonl(path):
        item_id = field(record, id_key, path, number)
        if item_id in seen:
            raise ValueError(f"{path}:{number}: duplicate {id_key} {item_id!r}")
        seen.add(item_id)
        try:
            data = field(record, "data", path, number, list)
            doc = InterleavedDoc.from_data(data, root=root, id=item_id, source=str(path))
        except ValueError as err:
            raise ValueError(f"{path}:{number}: {err}") from err
        items.append(doc)
    if not items:
        raise ValueError(f"{path} has no records")
    return items


def load_tiir(directory: str | Path) -> TIIRSplit:
    """Load a split; every problem (missing file, bad line, dangling id) is a ValueError naming it."""
    root = Path(directory)
    if not root.is_dir():
        raise ValueError(f"not a directory: {root} (expected docs.jsonl, queries.jsonl, qrels.jsonl inside)")
    docs = read_items(root / "docs.jsonl", "id", root)
    queries = read_items(root / "queries.jsonl", "qid", root)
    qrels: dict[str, set[str]] = {}
    for number, record in read_jsonl(root / "qrels.jsonl"):
        qid = field(record, "qid", root / "qrels.jsonl", number)
        did = field(record, "did", root / "qrels.jsonl", number)
        qrels.setdefault(qid, set()).add(did)
    return TIIRSplit(docs, queries, qrels)
