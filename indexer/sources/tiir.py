"""A wikiHow-TIIR directory as a collection: the format is read by `mme_core.tiir` (one reader,
malformed lines are ValueErrors naming file and line); this adapter resolves pictures against an
image root the collection way. Missing pictures are warned about once per file with a count: at 155k
documents and ~770k images a warning per image would bury the message.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from indexer.sources.base import (
    CollectionReader,
    CollectionWarning,
    ImageResolver,
    clean_text,
    first_line,
    warn,
)
from mme_core.documents import ImageSegment, InterleavedDoc, Segment, TextSegment, is_image_reference
from mme_core.tiir import DOCS_FILE, QRELS_FILE, QUERIES_FILE, read_qrel_pairs, read_records


@dataclass(frozen=True)
class TiirEvalSet:
    """Queries by qid and the relevant document ids of each (evaluation works on plain dicts)."""

    queries: dict[str, InterleavedDoc]
    relevant: dict[str, set[str]]


class TiirReader(CollectionReader):
    """Documents of a TIIR directory. `images_root` defaults to the directory holding docs.jsonl.

    Images are checked for existence and size, not decoded (`verify_images=True` decodes each:
    minutes for the full corpus); the encoder names any corrupt file it meets.
    """

    def __init__(self, images_root: str | Path | None = None, verify_images: bool = False) -> None:
        self.images_root = images_root
        self.verify_images = verify_images

    def read(self, root: str | Path) -> list[InterleavedDoc]:
        path = _required(Path(root), DOCS_FILE)
        images = self._resolver(Path(root))
        return sorted(_documents(path, "id", images, source=DOCS_FILE), key=lambda doc: doc.id)

    def read_eval_set(self, root: str | Path) -> TiirEvalSet:
        """Queries and qrels for evaluation; qrels naming an unknown query are an error."""
        root = Path(root)
        queries_path, qrels_path = _required(root, QUERIES_FILE), _required(root, QRELS_FILE)
        queries = {q.id: q for q in _documents(queries_path, "qid", self._resolver(root), QUERIES_FILE)}
        relevant: dict[str, set[str]] = {}
        for qid, did in read_qrel_pairs(qrels_path):
            if qid not in queries:
                raise ValueError(f"{qrels_path}: qid {qid!r} is not in {QUERIES_FILE}")
            relevant.setdefault(qid, set()).add(did)
        unjudged = len(queries) - len(relevant)
        if unjudged:
            warn(
                f"{qrels_path}: {unjudged} of {len(queries)} queries have no relevant document",
                file=QRELS_FILE,
            )
        return TiirEvalSet(queries=queries, relevant=relevant)

    def _resolver(self, root: Path) -> ImageResolver:
        images_root = Path(self.images_root) if self.images_root is not None else root
        if not images_root.is_dir():
            raise ValueError(f"image root not found: {images_root}")
        return ImageResolver(images_root, verify=self.verify_images)


def read_tiir_eval_set(root: str | Path, images_root: str | Path | None = None) -> TiirEvalSet:
    return TiirReader(images_root).read_eval_set(root)


def is_tiir_dir(path: str | Path) -> bool:
    return (Path(path) / DOCS_FILE).is_file()


def _required(root: Path, file_name: str) -> Path:
    path = root / file_name
    if not path.is_file():
        raise ValueError(
            f"{file_name} not found in {root} "
            f"(a TIIR directory holds {DOCS_FILE}, {QUERIES_FILE}, {QRELS_FILE})"
        )
    return path


def _documents(path: Path, id_key: str, images: ImageResolver, source: str) -> list[InterleavedDoc]:
    problems: list[CollectionWarning] = []
    images = replace(images, report=problems.append)
    docs = []
    for record in read_records(path, id_key):
        doc_id, data, line_number = record.id, record.data, record.line
        where = f"{path.name}:{line_number}"
        segments: list[Segment] = []
        for item in data:
            if is_image_reference(item):
                image = images.resolve(item, images.root, where)
                segments += [image] if image is not None else []
            elif item.strip():
                segments.append(TextSegment(clean_text(item, where, report=problems.append)))
        if not any(isinstance(s, ImageSegment) or s.text.strip() for s in segments):
            problems.append(
                CollectionWarning(
                    f"{where}: no text and no readable image, {doc_id!r} skipped", file=source, reason="empty"
                )
            )
            continue
        title = first_line(next((s.text for s in segments if isinstance(s, TextSegment)), ""))
        docs.append(InterleavedDoc(tuple(segments), id=doc_id, title=title, source=source))
    if problems:
        reasons = Counter(problem.reason for problem in problems)
        counts = ", ".join(f"{count} {reason}" for reason, count in reasons.most_common())
        warn(
            f"{path}: {len(problems)} problem(s) ({counts}), first: {problems[0]}",
            file=source,
            reference=problems[0].reference,
            reason=next(iter(reasons)) if len(reasons) == 1 else "other",
        )
    return docs
