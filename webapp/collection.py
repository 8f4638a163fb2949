"""Bringing a collection in from the page: a folder on the server, or a zip the visitor uploads.

A folder must lie under one of the roots the app was started with (none on a public Space, so
visitors cannot index the server's own files). A zip is checked before anything is written: no
absolute names, no `..`, no links, only collection file types, and bounded file count, total size and
compression ratio (headers can lie, so bytes are counted again while extracting). It is unpacked
into a temporary folder and moved into place only when complete: a refused zip leaves nothing.

Collection file types are what the readers read (notes, pictures, `docs.jsonl`), documents they
report as not read (PDF, Word, ...: said, not silently dropped), and the files that say what kind of
folder it is (a vault's `.obsidian/app.json`, a Logseq graph's `logseq/config.edn`, a site's
config), and the files an mdBook's pages include (its code listings): a zipped vault, site or book
is read as the same folder on disk would be. A zip holding one
folder (how "Compress MyVault" makes it) is indexed from that folder.
"""

from __future__ import annotations

import hashlib
import shutil
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from indexer.sources import NotesFolderReader
from indexer.sources.site import DOCUMENT_TYPES, SITE_FILES
from indexer.sources.site_includes import MAX_INCLUDE_BYTES, include_targets
from indexer.sources.site_kinds import kept_hidden
from mme_core.documents import IMAGE_EXTENSIONS

NOTE_EXTENSIONS = (*NotesFolderReader.parsers, ".jsonl")
COLLECTION_EXTENSIONS = (*NOTE_EXTENSIONS, *IMAGE_EXTENSIONS, *DOCUMENT_TYPES)
# Files at a path that tell the readers a folder is a vault or a graph (see indexer.sources.vault)
FOLDER_KIND_PATHS = (".obsidian/app.json", "logseq/config.edn")


@dataclass(frozen=True)
class ZipLimits:
    """Defaults suit a personal how-to collection; raise them with the app's flags if needed."""

    max_zip_bytes: int = 200 * 1024**2
    max_total_bytes: int = 1024**3
    max_files: int = 20_000
    max_ratio: float = 200.0  # uncompressed / compressed, per member; text compresses ~10x, bombs ~1000x


DEFAULT_ZIP_LIMITS = ZipLimits()


def resolve_folder(path: str, allowed_roots: tuple[Path, ...]) -> Path:
    """The folder to index, or one file (a PDF manual, an Evernote export, a note: a collection of
    its own, as `python -m indexer add FILE` takes it), if it exists under an allowed root."""
    if not isinstance(path, str) or not path.strip():
        raise ValueError("enter the path of a folder (or one file) to index")
    if not allowed_roots:
        raise ValueError(
            "indexing a server folder is disabled in this app (start it with --collections-root DIR "
            "to allow folders under DIR); upload a zip instead"
        )
    folder = Path(path.strip()).expanduser().resolve()
    if not any(folder.is_relative_to(root.resolve()) for root in allowed_roots):
        roots = ", ".join(str(root) for root in allowed_roots)
        raise ValueError(f"refused {path.strip()}: only folders and files under {roots} may be indexed")
    if not folder.exists():
        raise ValueError(f"no such folder or file: {path.strip()}")
    if not (folder.is_dir() or folder.is_file()):
        raise ValueError(f"not a folder or a file: {path.strip()}")
    return folder


def extract_zip(zip_path: str | Path, destination_root: Path, limits: ZipLimits = DEFAULT_ZIP_LIMITS) -> Path:
    """Check and unpack a collection zip into a new folder under destination_root; return that folder."""
    zip_path = Path(zip_path)
    if not zip_path.is_file():
        raise ValueError(f"zip not found: {zip_path.name}")
    size = zip_path.stat().st_size
    if size > limits.max_zip_bytes:
        raise ValueError(
            f"zip is {size / 1024**2:.0f} MB; the limit is {limits.max_zip_bytes / 1024**2:.0f} MB"
        )
    if not zipfile.is_zipfile(zip_path):
        raise ValueError(f"not a zip file: {zip_path.name}")
    with zipfile.ZipFile(zip_path) as archive:
        members = _checked_members(archive, limits)
        destination_root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(zip_path.read_bytes()).hexdigest()[:12]
        final = destination_root / f"{safe_stem(zip_path.stem)}-{digest}"
        if final.is_dir():
            return _collection_root(final)  # the same zip was unpacked before
        staging = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=destination_root))
        try:
            budget = limits.max_total_bytes
            for info, relative in members:
                budget = _extract_member(archive, info, staging / relative, budget, limits)
            staging.rename(final)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as err:
            shutil.rmtree(staging, ignore_errors=True)  # encrypted, corrupt or unsupported members
            raise ValueError(f"cannot unpack {zip_path.name}: {err}") from err
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return _collection_root(final)


def _collection_root(folder: Path) -> Path:
    """The folder to index: the zip's one top-level folder when it holds nothing else."""
    entries = list(folder.iterdir())
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else folder


def _checked_members(
    archive: zipfile.ZipFile, limits: ZipLimits
) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    infos = archive.infolist()
    files = [info for info in infos if not info.is_dir()]
    if len(files) > limits.max_files:
        raise ValueError(f"zip holds {len(files):,} files; the limit is {limits.max_files:,}")
    declared = sum(info.file_size for info in files)
    if declared > limits.max_total_bytes:
        raise ValueError(
            f"zip unpacks to {declared / 1024**2:,.0f} MB; "
            f"the limit is {limits.max_total_bytes / 1024**2:,.0f} MB"
        )
    members, every = [], {}
    for info in files:
        relative = _safe_member_path(info)
        every[relative.as_posix()] = (info, relative)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ValueError(f"zip member {info.filename!r} is a symbolic link; links are not allowed")
        if info.compress_size and info.file_size / info.compress_size > limits.max_ratio:
            raise ValueError(
                f"zip member {info.filename!r} expands {info.file_size / info.compress_size:,.0f}x "
                f"(limit {limits.max_ratio:,.0f}x): refusing a possible zip bomb"
            )
        if _collection_file(relative):
            members.append((info, relative))
    members += _book_includes(archive, members, every)
    if not any(r.suffix.lower() in (*NOTE_EXTENSIONS, *IMAGE_EXTENSIONS) for _, r in members):
        raise ValueError(
            "zip holds no notes (Markdown, Org, reStructuredText, Jupyter, Word, PDF, EPUB, Evernote, "
            "Day One, Google Keep, Bear, HTML, text), pictures or docs.jsonl: nothing to index"
        )
    return members


def _book_includes(archive: zipfile.ZipFile, members, every: dict) -> list:
    """The files an mdBook's pages take in with `{{#include}}` (code listings, `.rs`, `.toml`...),
    which are not notes: kept when the zip holds a book, so its pages read as they do on disk."""
    if not any(relative.name == "book.toml" for _, relative in members):
        return []
    kept, found = {relative.as_posix() for _, relative in members}, []
    for info, relative in members:
        if relative.suffix.lower() != ".md" or info.file_size > MAX_INCLUDE_BYTES:
            continue
        with archive.open(info) as source:  # bounded: a header may lie about the size
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


def _collection_file(relative: PurePosixPath) -> bool:
    """Whether a zip member belongs to the collection (see the module doc); other files (scripts,
    a Mac's `__MACOSX/` copies, hidden files, Word's `~$` lock files) are left out."""
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


def _safe_member_path(info: zipfile.ZipInfo) -> PurePosixPath:
    name = info.filename.replace("\\", "/")
    path = PurePosixPath(name)
    if name.startswith("/") or (len(name) > 1 and name[1] == ":") or ".." in path.parts or not path.parts:
        raise ValueError(f"zip member {info.filename!r} points outside the collection folder")
    return path


def _extract_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, budget: int, limits: ZipLimits
) -> int:
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with archive.open(info) as source, open(target, "wb") as sink:
        while chunk := source.read(1024 * 1024):
            written += len(chunk)
            if written > info.file_size or written > budget:
                raise ValueError(
                    f"zip member {info.filename!r} is larger than it claims: refusing a zip bomb"
                )
            sink.write(chunk)
    return budget - written


def safe_stem(stem: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)[:48]
    return cleaned or "collection"
