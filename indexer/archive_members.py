"""Which members of an archive are unpacked: the collection's files, as a folder on disk is read.

Every member is checked first (no absolute names or `..`, no links, devices or pipes, no encrypted
members, bounded count, size and compression ratio): one bad member refuses the whole archive,
naming it, before anything is written.

Collection file types are what the readers read (notes, pictures, videos, `docs.jsonl`), documents they
report as not read (PDF, Word, ...: said, not silently dropped), and the files that say what kind of
folder it is (a vault's `.obsidian/app.json`, a Logseq graph's `logseq/config.edn`, a site's
config), and the files an mdBook's pages include (its code listings): a zipped vault, site or book
is read as the same folder on disk would be. Scripts, a Mac's `__MACOSX/` copies, hidden files and
Word's `~$` lock files are left out.
"""

from __future__ import annotations

import re
import shutil
import tarfile
import tempfile
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from indexer.archive_formats import Member, ZipArchive
from indexer.sources import NotesFolderReader
from indexer.sources.site import DOCUMENT_TYPES, SITE_FILES
from indexer.sources.site_includes import MAX_INCLUDE_BYTES, include_targets
from indexer.sources.site_kinds import kept_hidden
from indexer.sources.videos import VIDEO_SUFFIXES
from mme_core.documents import IMAGE_EXTENSIONS

if TYPE_CHECKING:
    from indexer.archives import ArchiveLimits

NOTE_EXTENSIONS = (*NotesFolderReader.parsers, ".jsonl")
# videos: a phone's are documents (sources/videos.py); audio is left out, as it is not read
COLLECTION_EXTENSIONS = (*NOTE_EXTENSIONS, *IMAGE_EXTENSIONS, *sorted(VIDEO_SUFFIXES), *DOCUMENT_TYPES)
# Files at a path that tell the readers a folder is a vault or a graph (see indexer.sources.vault)
FOLDER_KIND_PATHS = (".obsidian/app.json", "logseq/config.edn")
Chosen = list[tuple[Member, PurePosixPath]]


def checked_members(
    members: list[Member], shown: str, size: int, compressed_whole: bool, limits: ArchiveLimits
) -> list[tuple[Member, PurePosixPath]]:
    files = [member for member in members if member.kind != "dir"]
    if len(files) > limits.max_files:
        raise ValueError(f"{shown} holds {len(files):,} files; the limit is {limits.max_files:,}")
    declared = sum(member.size for member in files)
    if declared > limits.max_total_bytes:
        raise ValueError(
            f"{shown} unpacks to {declared / 1024**2:,.0f} MB; "
            f"the limit is {limits.max_total_bytes / 1024**2:,.0f} MB"
        )
    if compressed_whole and size and declared / size > limits.max_ratio and declared > 1024**2:
        raise ValueError(
            f"{shown} expands {declared / size:,.0f}x (limit {limits.max_ratio:,.0f}x): "
            "refusing a possible zip bomb"
        )
    checked = []
    for member in files:
        relative = _safe_member_path(member, shown)
        if member.kind in ("link", "hard link"):
            what = "symbolic link" if member.kind == "link" else "hard link"
            raise ValueError(f"{shown}: member {member.name!r} is a {what}; links are not allowed")
        if member.kind == "special":
            raise ValueError(f"{shown}: member {member.name!r} is a device or pipe, not a file")
        if member.encrypted:
            raise ValueError(
                f"cannot unpack {shown}: member {member.name!r} is encrypted (password-protected); "
                "unpack it with its password and add the folder"
            )
        if member.packed and member.size / member.packed > limits.max_ratio:
            raise ValueError(
                f"{shown}: member {member.name!r} expands {member.size / member.packed:,.0f}x "
                f"(limit {limits.max_ratio:,.0f}x): refusing a possible zip bomb"
            )
        if isinstance(member.handle, tarfile.TarInfo) and hasattr(tarfile, "data_filter"):
            try:  # the standard library's own rules for unpacking data, as a second guard
                tarfile.data_filter(member.handle, "/unpacking")
            except tarfile.FilterError as err:
                raise ValueError(f"{shown}: member {member.name!r} is refused: {err}") from err
        checked.append((member, relative))
    return checked


def _safe_member_path(member: Member, shown: str) -> PurePosixPath:
    name = member.name.replace("\\", "/")
    path = PurePosixPath(name)
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in path.parts or not path.parts:
        raise ValueError(f"{shown}: member {member.name!r} points outside the collection folder")
    return path


def archive_parts(archive, checked: Chosen, shown: str, limits: ArchiveLimits, opened: list) -> list:
    """(archive, members to unpack) pairs: the archive's collection files, or, when it holds none but
    zips (Notion wraps its export, `Export-…-Part-1.zip`, in another zip), those of each zip inside,
    unpacked side by side (one level: a zip inside those is a file like any other). The inner zips
    are checked with the same limits; `opened` gets each, to be closed by the caller."""
    inner = [(member, relative) for member, relative in checked if relative.suffix.lower() == ".zip"]
    if not inner or any(collection_file(relative) for _, relative in checked):
        return [(archive, collection_members(archive, checked, shown))]
    parts, files = [], 0
    for member, relative in inner:
        name = f"{shown}/{relative.as_posix()}"
        if member.size > limits.max_zip_bytes:
            raise ValueError(f"{name} is {member.size / 1024**2:.0f} MB; the limit is "
                             f"{limits.max_zip_bytes / 1024**2:.0f} MB")  # fmt: skip
        copy = tempfile.TemporaryFile()  # a zip is read from its end: a seekable copy
        with archive.open(member) as source:
            shutil.copyfileobj(source, copy)
        opened.append(copy)
        nested = ZipArchive(copy)
        opened.append(nested)
        members = checked_members(nested.members(limits), name, member.size, False, limits)
        files += len(members)
        if files > limits.max_files:
            raise ValueError(f"{shown} holds {files:,} files; the limit is {limits.max_files:,}")
        parts.append((nested, collection_members(nested, members, name)))
    return parts


def collection_members(archive, checked: Chosen, shown: str) -> Chosen:
    """The checked members to unpack; refused (naming the archive) when none is a note or picture."""
    chosen = [(member, relative) for member, relative in checked if collection_file(relative)]
    chosen += _book_includes(archive, chosen, {relative.as_posix(): (m, relative) for m, relative in checked})
    chosen += _antora_includes(chosen, checked)
    if not any(r.suffix.lower() in (*NOTE_EXTENSIONS, *IMAGE_EXTENSIONS, *VIDEO_SUFFIXES) for _, r in chosen):
        raise ValueError(
            f"{shown} holds no notes (Markdown, Org, reStructuredText, AsciiDoc, Jupyter, Word, "
            "LibreOffice, PowerPoint, OneNote, RTF, PDF, EPUB, Evernote, Day One, Google Keep, Bear, HTML, "
            "text, spreadsheets, CSV), pictures, videos or docs.jsonl: nothing to index"
        )
    return chosen


def collection_file(relative: PurePosixPath) -> bool:
    """Whether an archive member belongs to the collection (see the module doc)."""
    posix = relative.as_posix()
    if relative.parts[0] == "__MACOSX":
        return False
    if any(posix == kind or posix.endswith("/" + kind) for kind in FOLDER_KIND_PATHS):
        return True
    if any(PurePosixPath(part).suffix.lower() in NotesFolderReader.packages for part in relative.parts[:-1]):
        return True  # a file of a document saved as a folder (`Recipe.pages/Index/Document.iwa`, `.iwpv2`)
    if kept_hidden(posix):  # a VuePress or VitePress config, pictures in `.gitbook/assets/`...
        return True
    if any(part.startswith(".") for part in relative.parts) or relative.name.startswith("~$"):
        return False  # hidden files, and an Office lock file (see indexer.sources.base.HIDDEN)
    return relative.suffix.lower() in COLLECTION_EXTENSIONS or relative.name in SITE_FILES


_ANTORA_INCLUDED = re.compile(r"(?:^|/)modules/[^/]+/(?:examples|partials)/")


def _antora_includes(chosen: Chosen, checked: Chosen) -> Chosen:
    """The files an Antora site's pages include from its modules' `examples/` and `partials/` (a
    script, a config, a table as CSV), which are not notes: kept when the archive holds a component."""
    if not any(relative.name == "antora.yml" for _, relative in chosen):
        return []
    kept = {relative for _, relative in chosen}
    return [
        (member, relative)
        for member, relative in checked
        if relative not in kept
        and member.size <= MAX_INCLUDE_BYTES
        and _ANTORA_INCLUDED.search(relative.as_posix())
        and not any(part.startswith(".") for part in relative.parts)
    ]


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
