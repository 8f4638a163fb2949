"""The one reader of the wikiHow-TIIR format: `docs.jsonl`, `queries.jsonl`, `qrels.jsonl`.

Lines are `{"id": ..., "data": [...]}` (docs), `{"qid": ..., "data": [...]}` (queries) and
`{"qid": ..., "did": ...}` (qrels); a `data` string ending in an image extension is an image path
relative to the split's directory. A dataset is machine-written, so every malformed line is a
ValueError naming file and line, found before any model loads.

Evaluation and training read splits with `load_tiir` / `read_docs`; the indexer's collection
reader (`indexer.sources.tiir`) takes the raw `read_records` and resolves pictures its own, lenient
way (a missing picture there is a warning, not an error).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mme_core.documents import InterleavedDoc

DOCS_FILE, QUERIES_FILE, QRELS_FILE = "docs.jsonl", "queries.jsonl", "qrels.jsonl"


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
                raise ValueError(f"qrels name query {qid!r}, which {QUERIES_FILE} does not have")
            unknown = sorted(relevant - doc_ids)
            if unknown:
                raise ValueError(f"qrels of query {qid!r} name documents not in {DOCS_FILE}: {unknown[:3]}")
        unjudged = sorted(query_ids - set(self.qrels))
        if unjudged:
            raise ValueError(f"{len(unjudged)} queries have no qrels, e.g. {unjudged[:3]}")


@dataclass(frozen=True)
class TIIRRecord:
    """One checked `docs.jsonl` / `queries.jsonl` line: its id and its `data` list of strings."""

    line: int
    id: str
    data: list[str]


def read_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line; a bad line raises ValueError naming file and line."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"missing file: {path}")
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError as err:
                raise ValueError(f"{path}:{number}: not UTF-8 text ({err.reason})") from err
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}:{number}: not valid JSON ({err.msg})") from err
            if not isinstance(record, dict):
                raise ValueError(f"{path}:{number}: expected a JSON object, got {type(record).__name__}")
            yield number, record


def record_id(record: dict, key: str, path: Path, number: int) -> str:
    """An identifier field as a string: a non-empty string or an integer (not a boolean)."""
    if key not in record:
        found = ", ".join(sorted(record)) or "none"
        raise ValueError(f"{path}:{number}: missing key {key!r} (found: {found})")
    value = record[key]
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value) == "":
        raise ValueError(f"{path}:{number}: {key!r} must be a non-empty string or integer, got {value!r}")
    return str(value)


def read_records(path: Path, id_key: str) -> Iterator[TIIRRecord]:
    """Checked records of a docs/queries file: ids present and unique, `data` a list of strings."""
    seen: set[str] = set()
    for number, record in read_jsonl(path):
        item_id = record_id(record, id_key, path, number)
        if item_id in seen:
            raise ValueError(f"{path}:{number}: duplicate {id_key} {item_id!r}")
        seen.add(item_id)
        data = record.get("data")
        if not isinstance(data, list):
            raise ValueError(f"{path}:{number}: 'data' must be a list of strings, got {type(data).__name__}")
        for position, item in enumerate(data):
            if not isinstance(item, str):
                raise ValueError(
                    f"{path}:{number}: 'data' must be a list of strings; "
                    f"item {position} is a {type(item).__name__}"
                )
        yield TIIRRecord(number, item_id, data)


def read_docs(path: Path, id_key: str = "id", root: Path | None = None) -> dict[str, InterleavedDoc]:
    """id -> document, in file order; every picture must exist (checked here, not mid-run)."""
    path = Path(path)
    root = path.parent if root is None else Path(root)
    docs: dict[str, InterleavedDoc] = {}
    for record in read_records(path, id_key):
        where = f"{path}:{record.line}"
        docs[record.id] = document(record.data, root, where, id=record.id, source=str(path))
    if not docs:
        raise ValueError(f"{path} has no records")
    return docs


def document(data, root: Path, where: str, **provenance) -> InterleavedDoc:
    """A `data` list as a document whose pictures exist; ValueError prefixed with `where` otherwise."""
    try:
        doc = InterleavedDoc.from_data(data, root=root, **provenance)
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from err
    for image in doc.images:
        if not Path(image.path).is_file():
            raise ValueError(f"{where}: image not found: {image.path}")
    return doc


def read_qrel_pairs(path: Path) -> list[tuple[str, str]]:
    """(qid, did) judgements in file order (training keeps this order; evaluation groups them)."""
    return [
        (record_id(record, "qid", path, number), record_id(record, "did", path, number))
        for number, record in read_jsonl(path)
    ]


def load_tiir(directory: str | Path) -> TIIRSplit:
    """Load a split; every problem (missing file, bad line, dangling id) is a ValueError naming it."""
    root = Path(directory)
    if not root.is_dir():
        raise ValueError(
            f"not a directory: {root} (expected {DOCS_FILE}, {QUERIES_FILE}, {QRELS_FILE} inside)"
        )
    docs = read_docs(root / DOCS_FILE)
    queries = read_docs(root / QUERIES_FILE, id_key="qid")
    qrels: dict[str, set[str]] = {}
    for qid, did in read_qrel_pairs(root / QRELS_FILE):
        qrels.setdefault(qid, set()).add(did)
    return TIIRSplit(list(docs.values()), list(queries.values()), qrels)
