"""`python -m indexer search`: an interleaved query from the command line, its hits printed or as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from indexer.cli_args import UsageError
from indexer.cli_common import existing_index, load_encoder


def cmd_search(args) -> int:
    typed = [("text", " ".join(args.words))] if args.words else []
    args.segments = typed + (args.segments or [])  # the words typed plainly come first
    if not args.segments:
        raise UsageError("empty query: give words, or --text and --image in the order they should appear")
    _index_typed_as_a_word(args)
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


def _index_typed_as_a_word(args) -> None:
    """`search ~/my-index eggs`: the index typed where the words go, with no index at --index's
    default. Said with the fix, rather than searching a missing index for the path's words."""
    from indexer.store import Index

    first = args.words[0] if args.words else ""
    if first and not Index.exists(args.index) and Path(first).expanduser().is_dir() and Index.exists(first):
        fixed = " ".join(["python -m indexer search --index", first, *args.words[1:]])
        raise UsageError(f"no index at {args.index}, but {first} is one: {fixed}")
