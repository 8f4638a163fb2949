"""Which model, which index, which collection: flags and env vars -> a loaded, searchable app.

Order of choice for the model (the banner always names what was picked):
  1. --model / MME_MODEL (hub id or local dir) with optional --adapter / MME_ADAPTER;
  2. the shipped demo model in demo/model (trained by this project, offline);
  3. last resort, no demo model in this checkout: a tiny random-weight checkpoint built into the
     data folder, with a warning that its results mean nothing.
The index is --index / MME_INDEX, else one per encoder fingerprint in the data folder; an index that
does not exist yet is built from --collection / MME_COLLECTION, else the demo collection. The data
folder is --data-dir / MME_DATA_DIR, else /data/mme-search on a Space with persistent storage, else
~/.cache/mme-search.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from indexer import Index, Searcher, build_index, rebuild_index
from indexer.schema import OLDEST_READABLE
from mme_core import MMEEncoder
from mme_core.documents import InterleavedDoc
from mme_data.tiir_hub import download as download_tiir
from mme_data.tiir_hub import prepare as prepare_tiir
from mme_data.tiny import build_tiny

from .assets import ExampleQuery, load_examples
from .fallback import write_fallback_collection
from .gpu import lend_gpu_to
from .layout import AppOptions

REPO_DIR = Path(__file__).resolve().parent.parent
DEMO_MODEL = REPO_DIR / "demo" / "model"
DEMO_COLLECTION = REPO_DIR / "demo" / "collection"
DEFAULT_NS = (1, 2, 3, 4, 6)
SPACE_STORAGE = Path("/data")  # a Space's persistent storage, when the Space has it
MAX_EXAMPLES = 4


@dataclass(frozen=True)
class AppConfig:
    """Start-up settings; flags win over environment variables, which win over these defaults."""

    model: str | None = None
    adapter: str | None = None
    index: str | None = None
    collection: str | None = None
    data_dir: Path = Path("~/.cache/mme-search").expanduser()
    collections_roots: tuple[Path, ...] = ()
    device: str = "auto"
    dim: int | None = None
    host: str | None = None
    port: int | None = None


def parse_config(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> AppConfig:
    env = os.environ if env is None else env
    on_space = bool(env.get("SPACE_ID"))
    parser = argparse.ArgumentParser(prog="app.py", description="Interleaved text-image search (MME).")
    add = parser.add_argument
    add("--model", default=env.get("MME_MODEL"), help="hub id or local dir (env MME_MODEL)")
    add("--adapter", default=env.get("MME_ADAPTER"), help="LoRA adapter dir or hub id (env MME_ADAPTER)")
    add("--index", default=env.get("MME_INDEX"), help="LanceDB directory or URI (env MME_INDEX)")
    add("--collection", default=env.get("MME_COLLECTION"), help="indexed on first start (env MME_COLLECTION)")
    add("--data-dir", default=env.get("MME_DATA_DIR"), help="caches, indexes, zips (env MME_DATA_DIR)")
    add(
        "--collections-root",
        action="append",
        default=None,
        help="a folder under which the Collection tab may index folders (repeatable; env "
        "MME_COLLECTIONS_ROOT, os.pathsep-separated; default: your home folder, none on a Space)",
    )
    add("--device", default=env.get("MME_DEVICE", "auto"), help="auto | cpu | cuda | cuda:1 (env MME_DEVICE)")
    add("--dim", type=int, default=env.get("MME_DIM"), help="Matryoshka output dim (env MME_DIM)")
    add("--host", default=None, help="address to listen on (Gradio's default otherwise)")
    add("--port", type=int, default=None)
    args = parser.parse_args(list(argv) if argv is not None else None)

    if args.collections_root is not None:
        roots = tuple(Path(r).expanduser().resolve() for r in args.collections_root)
    elif env.get("MME_COLLECTIONS_ROOT") is not None:
        listed = env["MME_COLLECTIONS_ROOT"].split(os.pathsep)
        roots = tuple(Path(r).expanduser().resolve() for r in listed if r)
    else:
        roots = () if on_space else (Path.home().resolve(),)
    if args.data_dir:
        data_dir = Path(args.data_dir).expanduser()
    elif on_space and SPACE_STORAGE.is_dir():  # survives restarts: no re-indexing, no re-download
        data_dir = SPACE_STORAGE / "mme-search"
    else:
        data_dir = AppConfig.data_dir
    return AppConfig(
        model=args.model or None,
        adapter=args.adapter or None,
        index=args.index or None,
        collection=args.collection or None,
        data_dir=data_dir,
        collections_roots=roots,
        device=args.device,
        dim=int(args.dim) if args.dim else None,
        host=args.host,
        port=args.port,
    )


@dataclass(frozen=True)
class ModelChoice:
    model: str
    adapter: str | None
    collection: Path
    label: str
    note: str
    warning: str = ""


def choose_model(config: AppConfig) -> ModelChoice:
    """Decide what to load, without loading it (the fallback checkpoint is written if needed)."""
    if config.model:
        collection = _collection(config)
        label = config.model + (f" + {config.adapter}" if config.adapter else "")
        return ModelChoice(config.model, config.adapter, collection, label, "chosen with --model / MME_MODEL")
    if (DEMO_MODEL / "config.json").is_file():
        shipped_adapter = DEMO_MODEL / "adapter"
        adapter = config.adapter or (str(shipped_adapter) if shipped_adapter.is_dir() else None)
        collection = _collection(config)
        return ModelChoice(
            str(DEMO_MODEL),
            adapter,
            collection,
            "MME demo model (demo/model)",
            "small DeepSeek-VL-family model trained by this project on its synthetic how-to collection, "
            "runs offline",
        )
    fallback_dir = config.data_dir / "fallback-model"
    if not (fallback_dir / "config.json").is_file():
        build_tiny("deepseek_vl", fallback_dir)
    collection = _collection(config)
    return ModelChoice(
        str(fallback_dir),
        None,
        collection,
        "tiny random-weight fallback (no demo model in this checkout)",
        "built offline",
        warning="This model is untrained: rankings are not meaningful. Pass --model, or add demo/model.",
    )


HUB_PREFIX = "hf:"  # MME_COLLECTION=hf:OWNER/NAME: a wikiHow-TIIR-format dataset on the hub
HUB_COLLECTION_DOCS = 3000


def _collection(config: AppConfig) -> Path:
    """--collection / MME_COLLECTION: a folder, or `hf:OWNER/NAME[:DOCS]` (a dataset in wikiHow-TIIR
    layout, downloaded once with huggingface_hub, its first DOCS documents (default 3,000) prepared
    under the data folder), else the demo collection."""
    if not config.collection:
        return _default_collection(config)
    if not config.collection.startswith(HUB_PREFIX):
        return Path(config.collection)
    repo, docs = _hub_repo(config.collection)
    work = config.data_dir / "hub-collections" / f"{repo.replace('/', '--')}-{docs}"
    if not (work / "docs.jsonl").is_file():
        prepare_tiir(download_tiir(repo), work, max_docs=docs)
    return work


def _hub_repo(collection: str) -> tuple[str, int]:
    """`hf:OWNER/NAME[:DOCS]` -> (repo id, documents to keep)."""
    repo, _, docs = collection.removeprefix(HUB_PREFIX).partition(":")
    if repo.count("/") != 1 or (docs and not docs.isdigit()) or docs == "0":
        raise ValueError(
            f"--collection {collection}: expected hf:OWNER/NAME or hf:OWNER/NAME:DOCS (a number of documents)"
        )
    return repo, int(docs or HUB_COLLECTION_DOCS)


def _default_collection(config: AppConfig) -> Path:
    if DEMO_COLLECTION.is_dir() and any(DEMO_COLLECTION.iterdir()):
        return DEMO_COLLECTION
    return write_fallback_collection(config.data_dir / "fallback-collection")


def index_uri_for(config: AppConfig, encoder) -> str:
    if config.index:
        return config.index
    return str(config.data_dir / "indexes" / f"{encoder.family}-{encoder.fingerprint}")


def examples_collection(collections: dict[str, dict], folder: Path) -> str | None:
    """The name the index gives the folder the examples were written for (`collections`: the index
    metadata's name -> entry, read without scanning the table); None when it does not hold it (an
    index of the person's own, opened with --index): the chips would ask of other notes."""
    root = str(Path(folder).expanduser().resolve())
    return next((name for name, entry in collections.items() if entry.get("root") == root), None)


def examples_for(collection: Path) -> tuple[ExampleQuery, ...]:
    """examples.json beside the collection, else its first TIIR queries, else none."""
    if (collection / "examples.json").is_file():
        return load_examples(collection / "examples.json")[:MAX_EXAMPLES]
    queries = collection / "queries.jsonl"
    if not queries.is_file():
        return ()
    examples = []
    with queries.open(encoding="utf-8") as lines:
        for line in lines:
            if len(examples) == MAX_EXAMPLES:
                break
            try:
                record = json.loads(line)
                doc = InterleavedDoc.from_data(record["data"], root=collection)
            except (json.JSONDecodeError, KeyError, TypeError, ValueError):
                continue  # an odd line in a demo file should not stop the app
            items = tuple(("text", s.text) if hasattr(s, "text") else ("image", s.path) for s in doc.segments)
            if all(kind == "text" or Path(content).is_file() for kind, content in items):
                examples.append(ExampleQuery(str(record.get("qid", len(examples) + 1)), items))
    return tuple(examples)


@dataclass(frozen=True)
class LoadedApp:
    searcher: object
    encoder: object
    options: AppOptions


def load_app(config: AppConfig, log: Callable[[str], None] = print) -> LoadedApp:
    """The heavy part, done once per process: load the encoder, open (or first build) the index."""
    choice = choose_model(config)
    log(f"MME app: loading {choice.label} ...")
    encoder = MMEEncoder.from_pretrained(
        choice.model, adapter=choice.adapter, device=config.device, dim=config.dim
    )
    lend_gpu_to(encoder)  # ZeroGPU: all GPU work goes through encode_all
    uri = index_uri_for(config, encoder)
    # The shipped demo (or fallback) collection, or a Space's hub dataset: a showcase, not the person's
    # notes, so searches leave it out once visitors index their own.
    hub = bool(config.collection) and config.collection.startswith(HUB_PREFIX)
    generated = not config.collection or hub
    if not index_exists(uri):
        log(f"MME app: indexing {choice.collection} into {uri} (first start only) ...")
        name = (
            "demo"
            if not config.collection
            else _hub_repo(config.collection)[0].split("/")[-1]
            if hub
            else None
        )
        build_index(
            str(choice.collection), uri, encoder, ns=DEFAULT_NS, progress=True, name=name, demo=generated
        )
    elif Index.open(uri, any_version=True).schema_version < OLDEST_READABLE:
        log(f"MME app: {uri} was written by an older version; re-reading its collections (once) ...")
        rebuild_index(uri, encoder)
    searcher = Searcher.open(uri, encoder)
    shown_in = examples_collection(searcher.index.meta.collections, choice.collection)
    options = AppOptions(
        model_label=choice.label,
        model_note=f"{choice.note} · {encoder.describe()}",
        model_warning=choice.warning,
        examples=examples_for(choice.collection) if shown_in else (),
        examples_collection=shown_in,
        index_uri=uri,
        open_searcher=Searcher.open,
        build_index=build_index,
        collections_roots=config.collections_roots,
        uploads_dir=config.data_dir / "uploaded-collections",
    )
    return LoadedApp(searcher, encoder, options)


def index_exists(uri: str) -> bool:
    return Index.exists(uri)
