"""Command line: index a collection, search it with an interleaved query, inspect and maintain it.

    python -m indexer add PATH [--name NAME] [--index DIR] [--model ID] [--adapter DIR] [--ns 1,2,3,4,6]
                               [--dim 512] [--report skipped.json] [--read-pictures] [--fetch-pictures]
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

import json
import sys
import warnings
from pathlib import Path

from indexer.cli_args import UsageError, make_parser, parse_ns_option
from indexer.cli_common import (
    chosen_model,
    existing_index,
    load_encoder,
    print_skipped,
    print_warnings,
    report_failures,
)
from indexer.cli_search import cmd_search

__all__ = ["UsageError", "main", "make_parser", "parse_ns_option"]  # what tests and scripts import


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
            fetch_pictures=args.fetch_pictures,
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


if __name__ == "__main__":
    sys.exit(main())
