"""The command line's options (`python -m indexer`; see its module doc for what each command does).

Kept apart from the commands so the parser can be built and tested without importing a command."""

from __future__ import annotations

import argparse
import os

DEFAULT_INDEX = "./mme-index"


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
    add.add_argument(
        "--fetch-pictures",
        action=argparse.BooleanOptionalAction,
        help="download the pictures notes show from the web (an image host's URLs: PicGo, a CDN) into "
        "the index; public addresses only. The collection keeps the choice (default: as before, a new "
        "collection no)",
    )
    add.add_argument("--engine", choices=("local", "ray"), default="local", help="where to embed")
    add.add_argument("--ray-address", help="Ray cluster to use (default: start Ray on this machine)")
    add.add_argument("--workers", type=positive_int, help="Ray embedding actors (default 2)")
    add.add_argument("--gpus-per-worker", type=float, help="GPUs per Ray actor (default 0)")

    search = command("search", "search with an interleaved query")
    search.add_argument(
        "words",
        nargs="*",
        metavar="WORDS",
        help="the query's words, as a person types them: the first text, before any --text/--image",
    )
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


def parse_ns_option(text: str | None):
    if text is None:
        return None
    from mme_core import parse_granularities

    try:
        return parse_granularities(text)
    except ValueError as err:
        raise UsageError(str(err)) from err
