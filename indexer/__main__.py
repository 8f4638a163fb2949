"""Command line: index a collection, search it with an interleaved query, inspect and maintain it.

    python -m indexer add PATH [--name NAME] [--index DIR] [--model ID] [--adapter DIR] [--ns 1,2,3,4,6]
                               [--dim 512] [--report skipped.json]
                               [--engine local|ray] [--ray-address ADDR] [--workers K] [--gpus-per-worker G]
    python -m indexer search --text "my sink looks like" --image sink.jpg --text "what next?" [--n 3] [-k 10]
                             [--mode keyword|semantic|hybrid] [--vectors single|multi] [--budget 4]
                             [--collection NAME] [--folder PREFIX] [--tag TAG]   (each repeatable)
                             [--taken 2024-06] (repeatable) [--language CODE] [--all-translations]
                             [--cascade [--cascade-n 1] [--cascade-k K] [--fusion mean|max-n] [--full-top F]]
    python -m indexer collections [--json]
    python -m indexer stats [--json]
    python -m indexer remove NAME|ID|FOLDER|PATH
    python -m indexer rebuild [--model ID] [--adapter DIR] [--ns 1,2,3,4,6]
    python -m indexer compact [--keep-for 10m] [--keep-versions 1]

An archive given to `add` (a Takeout, Notion or vault zip, a `.tar.gz`) is unpacked inside the index
and indexed from there as the collection named after it (see `indexer.archive_add`: why there, and
how a newer download updates the same collection).

Each folder given to `add` is a named collection (default name: the folder's); a document's id is
`NAME/relative/path.md`. `add NEWFOLDER --name NAME` re-points a moved collection without
re-embedding; so does adding a renamed folder whose old location is gone. What could not be
indexed (missing or unsupported pictures, unreadable notes) is summarised by `add`, listed in full
with `--report`, and kept in the index (`stats --json`).

Query segments keep the order given on the command line. `--index` takes a directory or any
LanceDB URI (e.g. s3://bucket/index; see `indexer.uri` for credentials and MME_STORAGE_OPTIONS).

Environment variables (flags win over them):
    MME_INDEX    index location; default ./mme-index
    MME_MODEL    model (hub id or local dir) for a new index; an existing index remembers its own
                 model, which `search`, `add` and `rebuild` then use unless --model is given
    MME_ADAPTER  LoRA adapter (dir or hub id) to go with MME_MODEL
    MME_DEVICE   auto | cpu | cuda | mps (default auto)
    MME_DTYPE    auto | float32 | bfloat16 (default auto)

Query text: control characters are removed (with a warning), text the terminal could not decode as
UTF-8 is refused, and a query over the token budget is refused, never truncated (`indexer.query`).

Exit codes: 0 success; 2 usage error (bad option, unknown N, empty, undecodable or over-long
query); 1 anything else (missing path, unreadable image, no index, index built with another model,
documents that could not be indexed), with a one-line message on stderr. Ctrl-C exits 130;
re-running resumes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from pathlib import Path

DEFAULT_INDEX = "./mme-index"
DEFAULT_MODEL: str | None = None  # the demo model, once it ships


class UsageError(Exception):
    pass


class AppendSegment(argparse.Action):
    """--text / --image append (kind, value) to one shared list, preserving command-line order."""

    def __call__(self, parser, namespace, values, option_string=None):
        setattr(namespace, self.dest, [*(getattr(namespace, self.dest) or []), (self.const, values)])


def positive_int(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return int(text)


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m indexer", description="Interleaved text-image search.", allow_abbrev=False
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        # allow_abbrev=False: an unknown --mode must not be read as an abbreviation of --model
        sub = commands.add_parser(name, help=help, description=help, allow_abbrev=False)
        sub.add_argument(
            "--index", default=os.environ.get("MME_INDEX", DEFAULT_INDEX), help="index dir or URI"
        )
        return sub

    def model_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--model", help="hub id or local dir (default: the index's own, then $MME_MODEL)")
        sub.add_argument("--adapter", help="LoRA adapter dir or hub id")
        sub.add_argument(
            "--dim",
            type=positive_int,
            help="Matryoshka output dim, for models trained for it (Qwen3-VL-Embedding: 64 up to its "
            "full dim); default: the index's, else the model's full dim",
        )
        sub.add_argument("--device", default=os.environ.get("MME_DEVICE", "auto"), help="auto|cpu|cuda|mps")
        sub.add_argument("--dtype", default=os.environ.get("MME_DTYPE", "auto"), help="auto|float32|bfloat16")
        sub.add_argument(
            "--batch-size", type=positive_int, help="documents per encoder batch (default: automatic)"
        )
        sub.add_argument("--write-batch", type=positive_int, default=64, help="documents per index commit")

    add = command(
        "add",
        "index (or update) a folder of notes (Markdown, Org, notebooks, Word, PDF, EPUB, Evernote, HTML, "
        "text; photos no note shows), one such file on its own, an export as it downloads (a .zip or "
        ".tar.gz, unpacked into INDEX/unpacked/), or a TIIR folder",
    )
    add.add_argument(
        "path", help="a folder, one note or document (manual.pdf, Recipes.enex), or an archive (notes.zip)"
    )
    add.add_argument("--name", help="collection name (default: the folder's or the file's name)")
    add.add_argument(
        "--report", metavar="FILE.json", help="write every skipped reference and its reason here"
    )
    model_options(add)
    add.add_argument("--ns", help="granularities to store, e.g. 1,2,3,4,6 or 3,full (new index only)")
    add.add_argument("--quiet", action="store_true", help="no progress bar")
    add.add_argument(
        "--read-pictures",
        action=argparse.BooleanOptionalAction,
        help="read the words pictures show (screenshots, labels) so keyword search finds them; slower: "
        "0.3-3 s a picture, once. The index keeps the choice (default: as before, a new index no)",
    )
    add.add_argument("--engine", choices=("local", "ray"), default="local", help="where to embed")
    add.add_argument("--ray-address", help="Ray cluster to use (default: start Ray on this machine)")
    add.add_argument("--workers", type=positive_int, help="Ray embedding actors (default 2)")
    add.add_argument("--gpus-per-worker", type=float, help="GPUs per Ray actor (default 0)")

    search = command("search", "search with an interleaved query")
    search.add_argument("--text", dest="segments", action=AppendSegment, const="text", metavar="TEXT")
    search.add_argument("--image", dest="segments", action=AppendSegment, const="image", metavar="PATH")
    search.add_argument(
        "--n",
        help="granularity N to search at, one the index stores (default: the N the model's own "
        "training report measured best, else 3)",
    )
    search.add_argument(
        "--mode",
        choices=("keyword", "semantic", "hybrid"),
        help="keyword (words), semantic (MME vectors at N), hybrid (both, fused); default: chosen for the "
        "model and collections (see docs/BENCHMARKS.md)",
    )
    search.add_argument(
        "--vectors",
        choices=("single", "multi"),
        help="single (one vector per document, cosine) or multi (MaxSim over meta-token vectors; needs an "
        "index built with a multi-vector model); default: the index's kind",
    )
    search.add_argument(
        "--budget", type=positive_int, help="multi-vector budget: vectors per query and document"
    )
    search.add_argument(
        "--cascade",
        action="store_true",
        help="search the cheapest stored N (or --cascade-n), re-score its top K over every stored N "
        "(implied by the --cascade-* options, --fusion and --full-top)",
    )
    search.add_argument("--cascade-n", help="cascade: the N searched first (default: the cheapest stored)")
    search.add_argument("--cascade-k", type=int, metavar="K", help="cascade: candidates re-scored")
    search.add_argument("--fusion", help="cascade: mean (mean cosine over the stored N) or max-n (largest N)")
    search.add_argument(
        "--full-top", type=int, metavar="F", help="cascade: re-encode the best F at full tokens (n=full)"
    )
    search.add_argument("-k", type=positive_int, default=10, help="number of results")
    search.add_argument("--source", help="only documents whose source path starts with this")
    search.add_argument("--title", help="only documents whose title contains this (case-insensitive)")
    search.add_argument("--collection", action="append", default=[], help="only this collection (repeatable)")
    search.add_argument("--folder", action="append", default=[], help="only under this folder (repeatable)")
    search.add_argument("--tag", action="append", default=[], help="only notes with this tag (repeatable)")
    search.add_argument(
        "--taken",
        action="append",
        default=[],
        metavar="DATE",
        help="only photos taken that day, month or year: 2024-06-12, 2024-06, 2024 (repeatable)",
    )
    search.add_argument(
        "--language",
        metavar="CODE",
        help="show a page kept in several languages (a translated site's) in this one (en, zh, ja, de...); "
        "default: the query's, read from its script (a Latin-script query: the site's original)",
    )
    search.add_argument(
        "--all-translations", action="store_true", help="list each language's version of a page on its own"
    )
    search.add_argument("--json", action="store_true")
    model_options(search)

    collections = command("collections", "list the collections: name, folder, documents, parts, images")
    collections.add_argument("--json", action="store_true")

    stats = command("stats", "describe the index")
    stats.add_argument("--json", action="store_true")

    remove = command(
        "remove", "remove a collection (by name), a document id, or a folder inside a collection"
    )
    remove.add_argument("target", metavar="NAME|ID|FOLDER|PATH")

    rebuild = command("rebuild", "re-embed everything (e.g. with another model or N set)")
    model_options(rebuild)
    rebuild.add_argument("--ns", help="granularities to store (default: the index's)")
    rebuild.add_argument("--quiet", action="store_true")

    compact = command("compact", "merge small files and delete old table versions (done after every add)")
    compact.add_argument(
        "--keep-for", default="10m", help="keep versions that were current this recently: 0, 90s, 10m, 2h, 7d"
    )
    compact.add_argument("--keep-versions", type=positive_int, default=1, help="newest versions kept")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        commands = {"add": cmd_add, "search": cmd_search, "stats": cmd_stats, "remove": cmd_remove}
        commands |= {"rebuild": cmd_rebuild, "collections": cmd_collections, "compact": cmd_compact}
        return commands[args.command](args)
    except UsageError as err:
        parser.error(str(err))  # exits 2 with the usage line
    except KeyboardInterrupt:
        print("interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    except (ValueError, OSError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


# --- commands ------------------------------------------------------------------------------------
def cmd_add(args) -> int:
    path = Path(args.path).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {args.path}")
    index_dir = Path(args.index).expanduser()
    new_index = "://" not in args.index and not any(p.name != "unpacked" for p in _entries(index_dir))
    unpacked = None
    if path.is_file():  # a file that is no note is refused before a model is looked for
        from indexer.archive_formats import archive_suffix

        if archive_suffix(path.name) and path.suffix.lower() != ".jex":  # an export as downloaded
            unpacked = unpack_archive_for(path, args)
        else:
            from indexer.sources.collection import check_one_file

            check_one_file(path)
    if new_index:
        chosen_model(args, None)  # a new index and no model: said at once, before the heavy imports
    from indexer.build import build_index

    ns = parse_ns_option(args.ns)
    build = build_index
    ray_options = {"--ray-address": args.ray_address, "--workers": args.workers}
    ray_options["--gpus-per-worker"] = gpus = args.gpus_per_worker
    if args.engine == "ray":
        from indexer.ray_build import RayConfig, ray_builder

        try:
            config = RayConfig.from_options(args.ray_address, args.workers, gpus, args.batch_size)
        except ValueError as err:
            raise UsageError(str(err)) from err
        build = ray_builder(config, args.device, args.dtype)  # starts Ray (or fails) before loading a model
    elif given := [name for name, value in ray_options.items() if value is not None]:
        raise UsageError(f"{', '.join(given)} only apply with --engine ray")
    encoder = load_encoder(args, existing_index(args.index, required=False))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = build(
            str(unpacked.folder) if unpacked else args.path,
            args.index,
            encoder,
            ns,
            not args.quiet,
            name=args.name or (unpacked.name if unpacked else None),
            batch_size=args.batch_size,
            write_batch=args.write_batch,
            read_pictures=args.read_pictures,
        )
    print_warnings(caught)
    print(report.summary())
    kind = existing_index(args.index).meta
    if unpacked and report.moved_from:
        from indexer.archive_add import remove_earlier_unpack

        if removed := remove_earlier_unpack(report.moved_from, args.index, kind.collections):
            print(f"removed the earlier unpack {removed} (the collection now reads {unpacked.folder})")
    if kind.vectors == "multi":
        budgets = ", ".join(map(str, kind.budgets))
        print(f"multi-vector index: budgets {budgets} stored beside the single vectors")
    print_skipped(report, args.report)
    return report_failures([report])


def unpack_archive_for(path: Path, args):
    """Unpack an archive given to `add` (see `indexer.archive_add`) and say where and why."""
    from indexer.archive_add import unpack_for_add

    known = "://" in args.index or Path(args.index).expanduser().exists()
    index = existing_index(args.index, required=False) if known else None
    unpacked = unpack_for_add(path, args.index, args.name, index.meta.collections if index else {})
    how = (
        "" if unpacked.encoding == "utf-8" else f"; names without the UTF-8 flag read as {unpacked.encoding}"
    )
    where = "with the index" if "://" not in args.index else "in the cache, as the index is on object storage"
    print(
        f"{path.name}: {'already ' if unpacked.reused else ''}unpacked to {unpacked.folder} (kept {where}: "
        f"notes and pictures are shown from there){how}; collection '{args.name or unpacked.name}'"
    )
    return unpacked


def _entries(folder: Path) -> list[Path]:
    return list(folder.iterdir()) if folder.is_dir() else []


def cmd_search(args) -> int:
    if not args.segments:
        raise UsageError("empty query: give at least one --text or --image (in the order they should appear)")
    from indexer.languages import check_language, language_name
    from indexer.model_report import preferred_n
    from indexer.query import QueryTooLongError, clean_query_text
    from indexer.search import Filters, Searcher
    from mme_core import ImageSegment, InterleavedDoc, TextSegment, check_granularity

    segments, removed = [], 0
    for kind, value in args.segments:
        if kind == "text":
            texts = sum(isinstance(s, TextSegment) for s in segments) + 1
            try:
                text, dropped = clean_query_text(value, f"--text number {texts}")
            except ValueError as err:
                raise UsageError(str(err)) from err
            removed += dropped
            segments.append(TextSegment(text))
        elif not Path(value).expanduser().is_file():
            raise FileNotFoundError(f"image not found: {value}")
        else:
            segments.append(ImageSegment(str(Path(value).expanduser().resolve())))
    index = None
    try:
        check_language(args.language)  # before loading anything
        query = InterleavedDoc(tuple(segments))
        if args.n is not None:
            n = check_granularity(args.n)
        else:
            index = existing_index(args.index)
            n = preferred_n(args.model or index.meta.model_id, index.meta.ns)
    except ValueError as err:
        raise UsageError(str(err)) from err
    index = index or existing_index(args.index)
    if n not in index.meta.ns:
        stored = ", ".join(map(str, index.meta.ns))
        raise UsageError(f"N={n} is not stored in {args.index}; stored N: {stored}")
    check_vector_options(args, index)  # before loading a model
    cascade = cascade_option(args, index)  # before loading a model
    if removed:
        print(f"warning: removed {removed} control character(s) from the query text", file=sys.stderr)
    words_only = args.mode == "keyword" and all(kind == "text" for kind, _ in args.segments)
    encoder = None if words_only else load_encoder(args, index)  # keyword search needs no model
    searcher = Searcher.open(args.index, encoder, warm=False)
    try:
        filters = Filters(
            collections=tuple(args.collection),
            folders=tuple(args.folder),
            tags=tuple(args.tag),
            taken=tuple(args.taken),
            source_prefix=args.source,
            title_contains=args.title,
        )
        unknown = [name for name in filters.collections if name not in index.meta.collections]
        if unknown:
            known = ", ".join(index.meta.collections) or "none yet"
            raise UsageError(f"no collection named {unknown[0]!r} in {args.index}; collections: {known}")
        hits = searcher.search(
            query,
            n=n,
            k=args.k,
            filters=filters,
            mode=args.mode,
            vectors=args.vectors,
            budget=args.budget,
            cascade=cascade,
            translations=not args.all_translations,
            language=args.language,
        )
    except QueryTooLongError as err:
        raise UsageError(str(err)) from err
    if args.json:
        print(json.dumps([hit_dict(hit) for hit in hits], ensure_ascii=False, indent=1))
    elif not hits:
        print("no results", file=sys.stderr)
    else:
        for hit in hits:
            part = f" (part {hit.doc.part + 1})" if hit.doc.part else ""  # counted as the page counts
            budget = f", budget {hit.budget}" if hit.budget else ""
            stage = f", {hit.stage}" if hit.stage else ""
            note = f"  ({hit.note})" if hit.note else ""
            how = f"[{hit.mode}{budget}{stage}]{note}"
            print(f"{hit.rank:>3}  {hit.score:.3f}  {hit.id}{part}  {hit.doc.title}  {how}")
            print_quote(hit, bold=sys.stdout.isatty())
            if hit.translations:
                print(f"       also in: {', '.join(language_name(code) for code, _ in hit.translations)}")
            if where := (hit.doc.meta.get("properties") or {}).get("place_name"):
                print(f"       taken at: {where}")  # a photo's town (indexer.sources.places)
    return 0


def print_quote(hit, bold: bool) -> None:
    """The hit's words where the query's are, indented under it (in bold on a terminal)."""
    from indexer.matches import quote

    found = quote(hit.doc, hit.terms)
    if not found:
        return
    place, stretch, spans = found
    out, position = [], 0
    for start, end in spans if bold else ():
        out += [stretch[position:start], "\033[1m", stretch[start:end], "\033[0m"]
        position = end
    out.append(stretch[position:])
    print(f"       {place + ': ' if place else ''}{''.join(out)}")


def cmd_stats(args) -> int:
    from indexer.search import Searcher
    from indexer.skipped import Skipped, summarise

    stats = Searcher(existing_index(args.index), encoder=None, warm=False).stats()
    if args.json:
        print(json.dumps(stats, ensure_ascii=False, indent=1))
        return 0
    for key, value in stats.items():
        if key == "collections":
            print("collections:", *[f"  {collection_line(c)}" for c in value], sep="\n")
        elif key == "skipped":
            by_collection: dict[str, list[Skipped]] = {}
            for row in value:
                fields = {key: text for key, text in row.items() if key != "collection"}
                by_collection.setdefault(row["collection"], []).append(Skipped(**fields))
            print("skipped:" + (" none" if not value else ""))
            for name, items in by_collection.items():
                prefix = f"{name}: " if len(by_collection) > 1 else ""
                print(*[f"  {prefix}{line}" for line in summarise(items)], sep="\n")
        elif isinstance(value, dict):  # search: N -> exact / ANN
            print(f"{key}: " + ", ".join(f"N={n} {how}" for n, how in value.items()))
        else:
            print(f"{key}: {', '.join(map(str, value)) if isinstance(value, list) else value}")
    return 0


def collection_line(c: dict) -> str:
    demo = " (demo)" if c["demo"] else ""
    skipped = f", {c['skipped']} skipped" if c["skipped"] else ""
    return (
        f"{c['name']}{demo}: {c['root']} - {c['documents']} documents, {c['parts']} parts, "
        f"{c['images']} images{skipped}; updated {c['updated']}"
    )


def cmd_collections(args) -> int:
    collections = existing_index(args.index).collections()
    if args.json:
        print(json.dumps(collections, ensure_ascii=False, indent=1))
    elif not collections:
        print(f"no collections in {args.index} yet; add one with: python -m indexer add FOLDER")
    for c in [] if args.json else collections:
        print(collection_line(c))
    return 0


def cmd_remove(args) -> int:
    index = existing_index(args.index)
    whole = index.target_filter(args.target)[1]
    root = (index.meta.collections.get(whole) or {}).get("root") if whole is not None else None
    removed = index.remove(args.target)
    if whole is not None:
        print(f"removed collection {whole!r} ({removed} row{'s' * (removed != 1)})")
        if root:  # a collection added from an archive: its unpacked files go with it
            from indexer.archive_add import remove_earlier_unpack

            if folder := remove_earlier_unpack(root, args.index, index.meta.collections):
                print(f"removed its unpacked files {folder}")
        return 0
    if not removed:
        names = ", ".join(index.meta.collections) or "none"
        raise ValueError(
            f"nothing in {args.index} matches {args.target!r} (a collection name, a document id such as "
            f"NAME/notes.md, a folder inside a collection, or a path on disk); collections: {names}"
        )
    print(f"removed {removed} row{'s' * (removed != 1)} matching {args.target}")
    return 0


def cmd_rebuild(args) -> int:
    from indexer.rebuild import rebuild_index

    ns = parse_ns_option(args.ns)
    index = existing_index(args.index)
    encoder = load_encoder(args, index)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reports = rebuild_index(
            args.index, encoder, ns, not args.quiet, batch_size=args.batch_size, write_batch=args.write_batch
        )
    print_warnings(caught)
    for report in reports:
        print(f"{report.collection or '(documents added directly)'}: {report.summary()}")
        print_skipped(report, None)
    return report_failures(reports)


def cmd_compact(args) -> int:
    from indexer.maintenance import CompactionPolicy, compact_index, parse_duration

    try:
        policy = CompactionPolicy(keep_for=parse_duration(args.keep_for), keep_versions=args.keep_versions)
    except ValueError as err:
        raise UsageError(f"--keep-for: {err}") from err
    report = compact_index(existing_index(args.index), policy)
    print(f"compacted {args.index}: {report.summary()}")
    return 0


# --- helpers -------------------------------------------------------------------------------------
def check_vector_options(args, index) -> None:
    """--vectors multi needs a multi-vector index; --budget one of its budgets (and not with single)."""
    from indexer.multivector import check_budget, check_vectors

    try:
        check_vectors(args.vectors, index.meta)
        if args.budget is not None and args.vectors == "single":
            raise ValueError(f"--budget {args.budget} applies only to --vectors multi")
        if args.budget is not None:
            check_budget(args.budget, index.meta)
    except ValueError as err:
        raise UsageError(f"{err} (index {args.index})") from err


def cascade_option(args, index):
    """The --cascade options as a Cascade checked against the index (None without them)."""
    from indexer.cascade import Cascade, resolve_cascade

    given = {
        "first_n": args.cascade_n,
        "k": args.cascade_k,
        "fusion": args.fusion,
        "full_top": args.full_top,
    }
    given = {name: value for name, value in given.items() if value is not None}
    if not args.cascade and not given:
        return None
    try:
        cascade = Cascade(**given)
        return resolve_cascade(cascade, index.meta, args.mode, args.vectors, args.budget)
    except ValueError as err:
        raise UsageError(f"{err} (index {args.index})") from err


def parse_ns_option(text: str | None):
    if text is None:
        return None
    from mme_core import parse_granularities

    try:
        return parse_granularities(text)
    except ValueError as err:
        raise UsageError(str(err)) from err


def existing_index(uri: str, required: bool = True):
    from indexer.store import Index

    if not Index.exists(uri):
        if required:
            raise FileNotFoundError(
                f"no index at {uri}; create one with: python -m indexer add PATH --index {uri}"
            )
        return None
    return Index.open(uri)


def chosen_model(args, index) -> tuple[str, str | None, int | None]:
    """(model, adapter, dim): --model, else the index's own model (with its adapter), else
    $MME_MODEL, else the default; a UsageError when there is none (checked before anything heavy
    is imported, so a forgotten --model is said at once)."""
    dim = getattr(args, "dim", None)
    if args.model:
        model, adapter = args.model, args.adapter
    elif index is not None:
        model, adapter = index.meta.model_id, args.adapter or index.meta.adapter
        dim = dim or index.meta.dim  # a truncated index is searched and updated at its own dim
    else:
        model, adapter = (
            os.environ.get("MME_MODEL") or DEFAULT_MODEL,
            args.adapter or os.environ.get("MME_ADAPTER"),
        )
    if not model:
        demo = Path(__file__).resolve().parents[1] / "demo" / "model"
        hint = f"; to try it offline, the shipped demo model: --model {demo}" if demo.is_dir() else ""
        raise UsageError(f"no model: pass --model (hub id or local dir) or set MME_MODEL{hint}")
    return absolute_if_local(model), adapter and absolute_if_local(adapter), dim


def load_encoder(args, index):
    """The encoder of `chosen_model`; `--dtype auto` on an index of that model loads the precision
    the index was embedded in (another one gives other vectors, and the index would refuse it)."""
    model, adapter, dim = chosen_model(args, index)
    dtype = args.dtype
    if dtype == "auto" and index is not None and index.meta.dtype and model == index.meta.model_id:
        dtype = index.meta.dtype
    from mme_core import MMEEncoder

    if getattr(args, "quiet", True):  # `search` is always quiet: results on stdout, nothing else
        from transformers.utils import logging

        logging.disable_progress_bar()
    return MMEEncoder.from_pretrained(model, adapter=adapter, device=args.device, dtype=dtype, dim=dim)


def absolute_if_local(name: str) -> str:
    """A local directory is recorded by absolute path, so the index works from any directory."""
    path = Path(name).expanduser()
    return str(path.resolve()) if path.is_dir() else name


def hit_dict(hit) -> dict:
    doc = hit.doc
    return {
        "rank": hit.rank,
        "score": round(hit.score, 6),
        "budget": hit.budget,
        "mode": hit.mode,
        "stage": hit.stage,
        "note": hit.note,
        "id": hit.id,
        "part": doc.part,
        "title": doc.title,
        "source": doc.source,
        "collection": doc.meta.get("collection", ""),
        "tags": doc.meta.get("tags", []),
        "properties": doc.meta.get("properties") or {},  # front matter; a photo's taken, camera, place
        "language": doc.meta.get("language", ""),
        "translations": [{"language": code, "id": other} for code, other in hit.translations],
        "data": doc.to_data(),
    }


def print_warnings(caught) -> None:
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)


def print_skipped(report, path: str | None) -> None:
    """A summary on stderr (one line per reason); every item in `path` as JSON when asked."""
    from indexer.skipped import summarise

    for line in summarise(list(report.skipped)):
        print(line, file=sys.stderr)
    if report.skipped and not path:
        print("(the full list: --report FILE.json, or python -m indexer stats --json)", file=sys.stderr)
    if path:
        items = [{"collection": report.collection} | item.to_dict() for item in report.skipped]
        Path(path).write_text(json.dumps(items, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def report_failures(reports) -> int:
    failed = [item for report in reports for item in report.failed]
    if failed:
        print(f"error: {len(failed)} document(s) could not be indexed (see above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
