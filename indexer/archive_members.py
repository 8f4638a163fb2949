"""Which members of an archive are unpacked: the collection's files, as a folder on disk is read.

Collection file types are what the readers read (notes, pictures, `docs.jsonl`), documents they
report as not read (PDF, Word, ...: said, not silently dropped), and the files that say what kind of
folder it is (a vault's `.obsidian/app.json`, a Logseq graph's `logseq/config.edn`, a site's
config), and the files an mdBook's pages include (its code listings): a zipped vault, site or book
is read as the same folder on disk would be. Scripts, a Mac's `__MACOSX/` copies, hidden files and
Word's `~$` lock files are left out.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from indexer.archive_formats import Member
from indexer.sources import NotesFolderReader
from indexer.sources.site import DOCUMENT_TYPES, SITE_FILES
from indexer.sources.site_includes import MAX_INCLUDE_BYTES, include_targets
from indexer.sources.site_kinds import kept_hidden
from mme_core.documents import IMAGE_EXTENSIONS

NOTE_EXTENSIONS = (*NotesFolderReader.parsers, ".jsonl")
COLLECTION_EXTENSIONS = (*NOTE_EXTENSIONS, *IMAGE_EXTENSIONS, *DOCUMENT_TYPES)
# Files at a path that tell the readers a folder is a vault or a graph (see indexer.sources.vault)
FOLDER_KIND_PATHS = (".obsidian/app.json", "logseq/config.edn")
Chosen = list[tuple[Member, PurePosixPath]]


def collection_members(archive, checked: Chosen, shown: str) -> Chosen:
    """The checked members to unpack; refused (naming the archive) when none is a note or picture."""
    chosen = [(member, relative) for member, relative in checked if collection_file(relative)]
    chosen += _book_includes(archive, chosen, {relative.as_posix(): (m, relative) for m, relative in checked})
    if not any(r.suffix.lower() in (*NOTE_EXTENSIONS, *IMAGE_EXTENSIONS) for _, r in chosen):
        raise ValueError(
            f"{shown} holds no notes (Markdown, Org, reStructuredText, Jupyter, Word, PDF, EPUB, Evernote, "
            "Day One, Google Keep, Bear, HTML, text), pictures or docs.jsonl: nothing to index"
        )
    return chosen


def collection_file(relative: PurePosixPath) -> bool:
    """Whether an archive member belongs to the collection (see the module doc)."""
    posix = relative.as_posix()
    if relative.parts[0] == "__MACOSX":
        return False
    if any(posix == kind or posix.endswith("/" + kind) for kind in FOLDER_KIND_PATHS):
        return True
    if kept_hidden(posix):  # a VuePress or VitePress config, pictures in `.gitbook/assets/`...
        return True
    if any(part.startswith(".") for part in relative.parts) or relative.name.startswith("~$"):
        return False  # hidden files, and an Office lock file (see indexer.sources.base.HIDDEN)
    return relative.suffix.lower() in COLLECTION_EXTENSIONS or relative.name in SITE_FILES


def _book_includes(archive, chosen: Chosen, every: dict) -> Chosen:
    """The files an mdBook's pages take in with `{{#include}}` (code listings, `.rs`, `.toml`...),
    which are not notes: kept when the archive holds a book, so its pages read as they do on disk."""
    if not any(relative.name == "book.toml" for _, relative in chosen):
        return []
    kept, found = {relative.as_posix() for _, relative in chosen}, []
    for member, relative in chosen:
        if relative.suffix.lower() != ".md" or member.size > MAX_INCLUDE_BYTES:
            continue
        with archive.open(member) as source:  # bounded: a header may lie about the size
            text = source.read(MAX_INCLUDE_BYTES).decode("utf-8", "replace")
        for target in include_targets(text, relative.as_posix()):
            if (
                target in every
                and target not in kept
                and not any(p.startswith(".") for p in target.split("/"))
            ):
                kept.add(target)
                found.append(every[target])
    return found
