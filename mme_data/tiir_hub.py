"""wikiHow-TIIR-format collections from the Hugging Face hub (or a local copy of one), ready to use.

    root = download("vec-ai/wikiHow-TIIR")                  # huggingface_hub snapshot, cached
    split = prepare(root, work_dir)                          # docs/queries/qrels with image paths resolved
    split = prepare(root, work_dir, max_docs=3000)           # the first 3,000 documents, as a collection

A dataset folder holds docs.jsonl, queries.jsonl and qrels.jsonl (at the top or in a `test/` folder)
and the images, loose or in .zip / .tar(.gz) archives; archives are unpacked once beside themselves.
Image references are resolved against the split folder, the snapshot root and every unpacked or
`*images*` folder, by relative path first, then by file name; a reference found nowhere stops the
run, naming it. Used by `bench/tiir_eval.py` (the official evaluation) and by the app, which can
start a Space from a hub dataset collection (`MME_COLLECTION=hf:OWNER/NAME`).
"""

from __future__ import annotations

import json
import tarfile
import zipfile
from pathlib import Path

from mme_core.documents import is_image_reference
from mme_core.loading import ModelNotAvailableError, offline_mode

DATASET = "vec-ai/wikiHow-TIIR"
SPLIT_FILES = ("docs.jsonl", "queries.jsonl", "qrels.jsonl")


def download(repo_id: str) -> Path:
    """The dataset snapshot in the huggingface_hub cache (downloaded once, resumable)."""
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(repo_id, repo_type="dataset", local_files_only=offline_mode()))
    except Exception as err:  # noqa: BLE001 - hub errors vary by cause; all mean "cannot have it"
        reason = f"{type(err).__name__}: {err}"
        raise ModelNotAvailableError(
            f"cannot download dataset {repo_id!r} ({reason}); pass --data with a local copy"
        ) from err


def find_split(root: Path) -> Path:
    for candidate in (root / "test", root):
        if all((candidate / name).is_file() for name in SPLIT_FILES):
            return candidate
    raise ValueError(
        f"{root} holds no wikiHow-TIIR test split: expected {', '.join(SPLIT_FILES)} there or in test/"
    )


def unpack_archives(root: Path) -> list[Path]:
    """Unpack each image archive once (a marker file records it); returns the unpacked folders."""
    folders = []
    for archive in sorted(p for p in root.rglob("*") if p.is_file() and _is_archive(p)):
        target = archive.parent / (archive.name.split(".")[0] + "_unpacked")
        marker = target / ".complete"
        if not marker.exists():
            if archive.suffix == ".zip":
                with zipfile.ZipFile(archive) as bundle:
                    bundle.extractall(target)
            else:
                with tarfile.open(archive) as bundle:
                    bundle.extractall(target, filter="data")
            marker.touch()
        folders.append(target)
    return folders


def _is_archive(path: Path) -> bool:
    return path.name.endswith((".zip", ".tar", ".tar.gz", ".tgz"))


def prepare(root: Path, work: Path, max_docs: int | None = None) -> Path:
    """A split folder whose image references are absolute paths that exist (written to `work`).

    `max_docs` keeps the first documents only, with the queries whose relevant documents are all kept
    (and their qrels): a collection of that size that still has its example queries.
    """
    if max_docs is not None and max_docs < 1:
        raise ValueError(f"max_docs must be a positive number of documents, got {max_docs}")
    split = find_split(root)
    kept = _kept_ids(split, max_docs) if max_docs is not None else None
    roots = [split, root, *unpack_archives(root), *(p for p in root.rglob("*images*") if p.is_dir())]
    by_name: dict[str, Path] | None = None
    work.mkdir(parents=True, exist_ok=True)
    for name in SPLIT_FILES:
        lines = []
        for number, line in enumerate((split / name).read_text(encoding="utf-8").splitlines(), start=1):
            record = json.loads(line) if line.strip() else None
            if record is None or (kept is not None and not kept(name, record)):
                continue
            if isinstance(record.get("data"), list):
                data = []
                for item in record["data"]:
                    if isinstance(item, str) and is_image_reference(item):
                        found = next((r / item for r in roots if (r / item).is_file()), None)
                        if found is None:
                            by_name = by_name if by_name is not None else _index_by_name(roots)
                            found = by_name.get(Path(item).name)
                        if found is None:
                            raise ValueError(
                                f"{split / name}:{number}: image {item!r} not found under {root}"
                            )
                        item = str(found.resolve())
                    data.append(item)
                record["data"] = data
            lines.append(json.dumps(record, ensure_ascii=False))
        (work / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return work


def _kept_ids(split: Path, max_docs: int):
    """A predicate (file name, record) -> kept, for the first `max_docs` documents."""

    def records(name: str):
        with (split / name).open(encoding="utf-8") as lines:
            yield from (json.loads(line) for line in lines if line.strip())

    docs = set()
    for record in records("docs.jsonl"):
        if len(docs) >= max_docs:
            break
        docs.add(str(record["id"]))
    relevant: dict[str, set[str]] = {}
    for record in records("qrels.jsonl"):
        relevant.setdefault(str(record["qid"]), set()).add(str(record["did"]))
    queries = {qid for qid, dids in relevant.items() if dids <= docs}

    def kept(name: str, record: dict) -> bool:
        if name == "docs.jsonl":
            return str(record["id"]) in docs
        return str(record["qid"]) in queries

    return kept


def _index_by_name(roots: list[Path]) -> dict[str, Path]:
    index: dict[str, Path] = {}
    for folder in roots:
        for path in folder.rglob("*"):
            if path.is_file() and is_image_reference(path.name):
                index.setdefault(path.name, path)
    return index
