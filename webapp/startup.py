"""Which model, which index, which collection: flags and env vars -> a loaded, searchable app.

Order of choice for the model (the banner always names what was picked):
  1. --model / MME_MODEL (hub id or local dir) with optional --adapter / MME_ADAPTER;
  2. the shipped demo model in demo/model (trained by this project, offline);
  3. last resort, no demo model in this checkout: a tiny random-weight checkpoint built into the
     data folder, with a warning that its results mean nothing.
The index is --index / MME_INDEX, else one per encoder fingerprint in the data folder; an index that
does not exist yet is built from --collection / MME_COLLECTION, else the demo collection.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from indexer import Index, Searcher, build_index, rebuild_index
from indexer.schema import SCHEMA_VERSION
from mme_core import MMEEncoder
from mme_core.documents import InterleavedDoc
from mme_data.tiny import build_tiny

from .assets import ExampleQuery, load_examples
from .fallback import write_fallback_collection
from .layout import AppOptions

REPO_DIR = Path(__file__).resolve().parent.parent
DEMO_MODEL = REPO_DIR / "demo" / "model"
DEMO_COLLECTION = REPO_DIR / "demo" / "collection"
DEFAULT_NS = (1, 2, 3, 4, 6)
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
    data_dir = Path(args.data_dir).expanduser() if args.data_dir else AppConfig.data_dir
    return AppConfig(
        model=args.model or None,
        adapter=args.adapter or None,
        index=args.index or None,
        collection=args.collection or None,
        data_dir=data_dir,
        collections_roots=roots,
        device=args.device,
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
        collection = Path(config.collection) if config.collection else _default_collection(config)
        label = config.model + (f" + {config.adapter}" if config.adapter else "")
        return ModelChoice(config.model, config.adapter, collection, label, "chosen with --model / MME_MODEL")
    if (DEMO_MODEL / "config.json").is_file():
        shipped_adapter = DEMO_MODEL / "adapter"
        adapter = config.adapter or (str(shipped_adapter) if shipped_adapter.is_dir() else None)
        collection = Path(config.collection) if config.collection else _default_collection(config)
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
    collection = Path(config.collection) if config.collection else _default_collection(config)
    return ModelChoice(
        str(fallback_dir),
        None,
        collection,
        "tiny random-weight fallback (no demo model in this checkout)",
        "built offline",
        warning="This model is untrained: rankings are not meaningful. Pass --model, or add demo/model.",
    )


def _default_collection(config: AppConfig) -> Path:
    if DEMO_COLLECTION.is_dir() and any(DEMO_COLLECTION.iterdir()):
        return DEMO_COLLECTION
    return write_fallback_collection(config.data_dir / "fallback-collection")


def index_uri_for(config: AppConfig, encoder) -> str:
    if config.index:
        return config.index
    return str(config.data_dir / "indexes" / f"{encoder.family}-{encoder.fingerprint}")


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
    encoder = MMEEncoder.from_pretrained(choice.model, adapter=choice.adapter, device=config.device)
    uri = index_uri_for(config, encoder)
    generated = not config.collection  # the shipped demo (or fallback) collection, not the person's
    if not index_exists(uri):
        log(f"MME app: indexing {choice.collection} into {uri} (first start only) ...")
        name = "demo" if generated else None
        build_index(
            str(choice.collection), uri, encoder, ns=DEFAULT_NS, progress=True, name=name, demo=generated
        )
    elif Index.open(uri, any_version=True).schema_version < SCHEMA_VERSION:
        log(f"MME app: {uri} was written by an older version; re-reading its collections (once) ...")
        rebuild_index(uri, encoder)
    searcher = Searcher.open(uri, encoder)
    options = AppOptions(
        model_label=choice.label,
        model_note=f"{choice.note} · {encoder.describe()}",
        model_warning=choice.warning,
        examples=examples_for(choice.collection),
        index_uri=uri,
        open_searcher=Searcher.open,
        build_index=build_index,
        collections_roots=config.collections_roots,
        uploads_dir=config.data_dir / "uploaded-collections",
    )
    return LoadedApp(searcher, encoder, options)


def index_exists(uri: str) -> bool:
    return Index.exists(uri)
