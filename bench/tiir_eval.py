"""wikiHow-TIIR test split, one command: download, evaluate a model at every N, write BENCHMARKS.

    python bench/tiir_eval.py --model Qwen/Qwen3-VL-Embedding-2B               # needs the hub and a GPU
    python bench/tiir_eval.py --model Alibaba-NLP/gme-Qwen2-VL-2B-Instruct --dim 1536
    python bench/tiir_eval.py --model M --data ./wikiHow-TIIR --max-queries 500  # a local copy

The dataset (vec-ai/wikiHow-TIIR; 7,654 test queries, 155,262 documents) is fetched with
huggingface_hub into the hub cache unless --data names a local folder. Either way the folder holds
docs.jsonl, queries.jsonl and qrels.jsonl (at the top or in a `test/` folder) and the images, loose
or in .zip / .tar(.gz) archives; archives are unpacked once beside themselves. Image references are
resolved against the split folder, the snapshot root and every unpacked or `*images*` folder, by
relative path first, then by file name; a reference found nowhere stops the run, naming it.

The model is scored by `mme_core.evaluation` (exact ranking, the official metric definitions) at
N in {1,2,3,4,6,8,full}; results.json/.md and nsweep.png go to --out and the table becomes the
section "wikiHow-TIIR test: MODEL" of docs/BENCHMARKS.md. Memory: every N's document vectors are
held at once, 155k x dim x 4 bytes per N (8.9 GB for 7 N at 2048-d; --dim 1024 halves it).
"""

from __future__ import annotations

import argparse
import json
import sys
import tarfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.report import write_section  # noqa: E402
from mme_core.documents import is_image_reference  # noqa: E402
from mme_core.loading import ModelNotAvailableError, offline_mode  # noqa: E402

DATASET = "vec-ai/wikiHow-TIIR"
SPLIT_FILES = ("docs.jsonl", "queries.jsonl", "qrels.jsonl")
NS = "1,2,3,4,6,8,full"


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


def prepare(root: Path, work: Path) -> Path:
    """A split folder whose image references are absolute paths that exist (written to `work`)."""
    split = find_split(root)
    roots = [split, root, *unpack_archives(root), *(p for p in root.rglob("*images*") if p.is_dir())]
    by_name: dict[str, Path] | None = None
    work.mkdir(parents=True, exist_ok=True)
    for name in SPLIT_FILES:
        lines = []
        for number, line in enumerate((split / name).read_text(encoding="utf-8").splitlines(), start=1):
            record = json.loads(line) if line.strip() else None
            if record is None:
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


def _index_by_name(roots: list[Path]) -> dict[str, Path]:
    index: dict[str, Path] = {}
    for folder in roots:
        for path in folder.rglob("*"):
            if path.is_file() and is_image_reference(path.name):
                index.setdefault(path.name, path)
    return index


def benchmark_section(results: dict) -> str:
    """The evaluation report with its headings moved under the BENCHMARKS section."""
    from mme_core.evaluation.report import markdown_report

    lines = []
    for line in markdown_report(results).splitlines():
        if line.startswith("# "):
            lines.append(line[2:] + ".")
        else:
            lines.append("#" + line if line.startswith("## ") else line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/tiir_eval.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="hub id or local directory")
    parser.add_argument("--adapter", help="LoRA adapter directory or hub id")
    parser.add_argument("--dim", type=int, help="Matryoshka output dim (models trained for it)")
    parser.add_argument("--data", type=Path, help=f"local copy of the dataset (default: download {DATASET})")
    parser.add_argument("--repo", default=DATASET, help="dataset repo id on the hub")
    parser.add_argument("--ns", default=NS, help="granularities to evaluate")
    parser.add_argument(
        "--out", type=Path, default=Path("results/tiir"), help="reports and the prepared split"
    )
    parser.add_argument("--max-queries", type=int, help="only the first N test queries (a quick look)")
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--dtype", default="auto")
    parser.add_argument(
        "--benchmarks", type=Path, help="file to write the section to (default docs/BENCHMARKS.md)"
    )
    args = parser.parse_args(argv)
    from mme_core.evaluation.cli import EvalConfig, evaluate, parse_ns

    try:
        root = args.data if args.data is not None else download(args.repo)
        if not root.is_dir():
            raise ValueError(f"--data {args.data} is not a folder")
        config = EvalConfig(
            data=prepare(root, args.out / "split"),
            out=args.out,
            model=args.model,
            adapter=args.adapter,
            dim=args.dim,
            ns=parse_ns(args.ns),
            batch_size=args.batch_size,
            device=args.device,
            dtype=args.dtype,
            max_queries=args.max_queries,
            progress=True,
        )
        results = evaluate(config)
    except (ValueError, ModelNotAvailableError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    data = results["data"]
    title = f"wikiHow-TIIR test: {args.model}" + (f" at {args.dim}-d" if args.dim else "")
    note = (
        f"{data['queries']} queries x {data['docs']} documents"
        + (" (a --max-queries subset, not the official test)" if args.max_queries else "")
        + f"; source {args.data or args.repo}."
    )
    write_section(title, note + "\n\n" + benchmark_section(results), path=args.benchmarks)
    print(f"wrote {args.out}/results.md and the section {title!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
