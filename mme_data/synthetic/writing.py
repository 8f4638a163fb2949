"""Write tutorials and queries as TIIR jsonl files plus PNG pictures, into a directory swapped in whole.

Layout (image paths in `data` lists are relative to the dataset directory):

    docs.jsonl         {"id": "d00042", "data": ["How to ...", "Step 1. ...", "images/doc/<spec>.png", ...]}
    queries.jsonl      {"qid": "q00007", "data": ["I am trying to ... :", "images/query/q00007-0.png", ...]}
    qrels.jsonl        {"qid": "q00007", "did": "d00042"}
    train.jsonl        {"query": {"data": [...]}, "pos": {"data": [...]}, "neg": [{"data": [...]}, ...]}
    dev.jsonl          same as train.jsonl
    docs_meta.jsonl    {"id", "cluster", "text_variant", "picture_variant", "title", "pictures": [spec keys]}
    queries_meta.jsonl {"qid", "did", "shown": [step indices], "pictures": [spec keys]}
    synthetic.json     {"generator_version", "config"}
    images/doc/        canonical pictures, one file per distinct spec, shared by documents
    images/query|train|dev/  fresh jittered renderings for each query
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
from pathlib import Path

from mme_data.synthetic.drawing import ImageSpec, render
from mme_data.synthetic.tutorials import Query, Tutorial

JSONL_FILES = ("docs", "queries", "qrels", "train", "dev", "docs_meta", "queries_meta")


class DatasetWriter:
    """Context manager: files go to a hidden sibling directory that replaces `out_dir` only on success."""

    def __init__(self, out_dir: Path, image_size: int, overwrite: bool = False) -> None:
        if out_dir.exists() and not out_dir.is_dir():
            raise ValueError(f"output path exists and is not a directory: {out_dir}")
        if out_dir.is_dir() and any(out_dir.iterdir()) and not overwrite:
            raise ValueError(f"output directory is not empty: {out_dir} (pass overwrite to replace it)")
        if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / "synthetic.json").is_file():
            raise ValueError(
                f"refusing to overwrite {out_dir}: it is not a synthetic benchmark (no synthetic.json)"
            )
        self.out_dir = out_dir
        self.image_size = image_size
        self.images_written = 0
        self.bytes_written = 0
        self.targets: list[str] = []
        self._doc_images: set[str] = set()
        self._files: dict[str, object] = {}
        self._staging: Path | None = None

    def __enter__(self) -> DatasetWriter:
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        self._staging = Path(
            tempfile.mkdtemp(prefix=f".{self.out_dir.name}.partial-", dir=self.out_dir.parent)
        )
        for sub in ("doc", "query", "train", "dev"):
            (self._staging / "images" / sub).mkdir(parents=True)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        for handle in self._files.values():
            handle.close()
        if exc_type is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
            return
        for name in JSONL_FILES:  # every split file exists, possibly empty, so readers need no special case
            (self._staging / f"{name}.jsonl").touch()
        self.bytes_written = sum(p.stat().st_size for p in self._staging.rglob("*") if p.is_file())
        if self.out_dir.exists():
            retired = self._staging.with_name(self._staging.name.replace(".partial-", ".retired-"))
            self.out_dir.rename(retired)
            self._staging.rename(self.out_dir)
            shutil.rmtree(retired)
        else:
            self._staging.rename(self.out_dir)

    # --- records ---------------------------------------------------------------------------------

    def write_doc(self, doc_id: str, tutorial: Tutorial) -> None:
        self._line("docs", {"id": doc_id, "data": self.tutorial_data(tutorial)})
        self._line(
            "docs_meta",
            {
                "id": doc_id,
                "cluster": tutorial.cluster,
                "text_variant": tutorial.text_variant,
                "picture_variant": tutorial.picture_variant,
                "title": tutorial.title,
                "pictures": [spec.key for spec in tutorial.specs],
            },
        )

    def write_query(self, qid: str, query: Query, doc_id: str, jitter: random.Random) -> None:
        self._line("queries", {"qid": qid, "data": self.query_data(query, f"query/{qid}", jitter)})
        self._line("qrels", {"qid": qid, "did": doc_id})
        self._line(
            "queries_meta",
            {
                "qid": qid,
                "did": doc_id,
                "shown": list(query.shown),
                "pictures": [s.key for _, s in query.shown_pairs],
            },
        )
        self.targets.append(doc_id)

    def write_triple(
        self, split: str, name: str, query: Query, negatives: list[Tutorial], jitter: random.Random
    ) -> None:
        record = {
            "query": {"data": self.query_data(query, f"{split}/{name}", jitter)},
            "pos": {"data": self.tutorial_data(query.target)},
            "neg": [{"data": self.tutorial_data(negative)} for negative in negatives],
        }
        self._line(split, record)

    def write_json(self, name: str, payload: dict) -> None:
        (self._staging / name).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")

    # --- data lists ------------------------------------------------------------------------------

    def tutorial_data(self, tutorial: Tutorial) -> list[str]:
        data = [tutorial.title]
        for number, (sentence, spec) in enumerate(zip(tutorial.steps, tutorial.specs, strict=True), start=1):
            data.append(f"Step {number}. {sentence}.")
            data.append(self._doc_image(spec))
        return data

    def query_data(self, query: Query, stem: str, jitter: random.Random) -> list[str]:
        data: list[str] = []
        for k, (connector, (_, spec)) in enumerate(zip(query.connectors, query.shown_pairs, strict=True)):
            data.append(f"{query.opener} {connector}" if k == 0 else connector)
            relative = f"images/{stem}-{k}.png"
            self._save(render(spec, self.image_size, jitter=jitter), relative)
            data.append(relative)
        data.append(query.closer)
        return data

    def _doc_image(self, spec: ImageSpec) -> str:
        relative = f"images/doc/{spec.key}.png"
        if spec.key not in self._doc_images:
            self._save(render(spec, self.image_size), relative)
            self._doc_images.add(spec.key)
        return relative

    def _save(self, image, relative: str) -> None:
        image.save(self._staging / relative, format="PNG")
        self.images_written += 1

    def _line(self, name: str, record: dict) -> None:
        if name not in self._files:
            self._files[name] = open(self._staging / f"{name}.jsonl", "w", encoding="utf-8")  # noqa: SIM115
        self._files[name].write(json.dumps(record, ensure_ascii=False) + "\n")
