"""An export as it downloads (a Takeout or Notion zip, a vault zipped on Windows, a `.tar.gz` from a
Linux box) unpacked into a folder the readers read, for `python -m indexer add notes.zip` and the
page's upload alike.

An archive is checked before anything is written: no absolute names, no `..`, no links, devices or
pipes, no encrypted members, and bounded file count, total size and compression ratio (headers can
lie, so bytes are counted again while unpacking). Only collection files are unpacked (see
`indexer.archive_members`). Everything goes into a hidden staging folder renamed into place when
complete: a refused or broken archive leaves nothing. The folder is named after the archive's collection
and a digest of its bytes, so the same archive added again is the same folder, as a browser's second
download `notes (1).zip` too (nothing is read or embedded
again), and a newer download of the export is a new folder, which the caller re-points the
collection to (`Unpacked.name` stays the same). Members keep their dates, so the index's stat cache
finds the notes that did not change between two downloads without reading them.

.7z and .rar (and a lone `.gz`) are refused with a message saying to unpack them first: the
standard library does not read them, and we do not add a dependency for them.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tarfile
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from indexer.archive_formats import (
    REFUSED_SUFFIXES,
    TAR_SUFFIXES,
    ZIP_SUFFIXES,
    Member,
    TarArchive,
    ZipArchive,
    archive_suffix,
)
from indexer.archive_members import archive_parts, checked_members

_BROKEN = (zipfile.BadZipFile, tarfile.TarError, zlib.error, EOFError, NotImplementedError, RuntimeError)


@dataclass(frozen=True)
class ArchiveLimits:
    """Defaults suit a personal how-to collection; raise them with the app's flags if needed."""

    max_zip_bytes: int = 200 * 1024**2  # the archive itself (any kind; the name is the app's flag's)
    max_total_bytes: int = 1024**3
    max_files: int = 20_000
    max_ratio: float = 200.0  # uncompressed / compressed; text compresses ~10x, bombs ~1000x


DEFAULT_LIMITS = ArchiveLimits()


@dataclass(frozen=True)
class Unpacked:
    folder: Path  # the folder to index: the archive's one top folder when it holds nothing else
    name: str  # the collection name: the archive's, the same for every download of one export
    encoding: str  # how names without the UTF-8 flag were decoded ("utf-8" when all were UTF-8)
    reused: bool  # the same archive had been unpacked before


def is_archive(path: str | Path) -> bool:
    """Whether a file is an archive or compressed file (one we unpack or one we refuse)."""
    return archive_suffix(Path(path).name) is not None


def archive_stem(name: str) -> str:
    """The file name without its archive suffix ("notes" for notes.tar.gz)."""
    suffix = archive_suffix(name)
    return name[: -len(suffix)] if suffix else Path(name).stem


def archive_collection_name(name: str) -> str:
    """The collection an archive is indexed as: its name without the suffix, and without what
    changes from one download of an export to the next (the copy number a browser adds, `notes
    (1).zip`; dates and times, `takeout-20240115T103045Z-001`, `Diaro_20250821`, `backup-2024-04-12`;
    an export's id, Notion's `7acd77c1-..._Export`), so a newer download updates the same collection.
    A name that is nothing but those stays as it is."""
    stem = re.sub(r"\s*\(\d+\)$", "", archive_stem(name)).strip()
    kept = stem
    for pattern in _CHANGING:
        kept = re.sub(pattern, " ", kept, flags=re.IGNORECASE)
    kept = re.sub(r"[-_. ]*(\s[-_. ]*)+", " ", kept).strip(" -_.")  # separators left around what went
    cleaned = "".join(c if c.isalnum() or c in "-_ ." else "-" for c in (kept or stem)).strip(" .")
    return cleaned or "notes"


_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_CHANGING = (  # names of months first: 2024_0732 would pass for a date
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",  # a UUID, Notion's export id
    r"\b[0-9a-f]{32}\b",  # Notion's page ids
    rf"(?<![0-9])\d\d?(st|nd|rd|th)?[-_ ]?{_MONTH}[-_ ]?(19|20)\d\d([-_ ]\d{{4}})?",  # 18Jan2025_1756
    # Fri Jan 14 2022 10_31_29
    rf"\b(mon|tue|wed|thu|fri|sat|sun)\w* {_MONTH} \d\d? (19|20)\d\d( \d\d[_:]\d\d[_:]\d\d)?",
    r"(?<![0-9])(19|20)\d\d[-_.]?[01]\d[-_.]?[0-3]\d(T\d{6}Z?)?([-_. ]\d{6})?([-_. ]\d{1,3})?(?![0-9])",
)


UNPACK_MARKER = ".mme-unpacks"  # in a folder whose subfolders are unpacks and uploads we made


def mark_unpack_root(root: Path) -> None:
    """Create `root` and say in it that its folders are copies this tool made (an archive unpacked,
    a page upload), so whoever removes their collection (the page, or `python -m indexer remove`
    without knowing the app's data folder) may delete them; a person's own folder has no marker."""
    root.mkdir(parents=True, exist_ok=True)
    marker = root / UNPACK_MARKER
    if not marker.is_file():
        marker.write_text(
            "The folders here are archives unpacked and uploads made by MME search for its index;\n"
            "each is deleted with its collection. Do not keep your own files here.\n",
            encoding="utf-8",
        )


def unpack_archive(
    path: str | Path, destination_root: Path, limits: ArchiveLimits = DEFAULT_LIMITS, shown: str | None = None
) -> Unpacked:
    """Check and unpack an archive into a new folder under destination_root (see the module doc).
    `shown`: the archive's name as the person named it (default: the file's), used in every message."""
    path = Path(path)
    shown = shown or path.name
    suffix = archive_suffix(shown) or archive_suffix(path.name)
    kind = "zip" if suffix in ZIP_SUFFIXES else "archive"
    if not path.is_file():
        raise ValueError(f"{kind} not found: {shown}")
    if suffix in REFUSED_SUFFIXES or suffix is None:
        raise ValueError(
            f"cannot unpack {shown}: {suffix or Path(shown).suffix or 'this'} files are not read here; "
            "unpack it yourself and add its folder (zip, .tar, .tar.gz/.tgz, .tar.bz2 and .tar.xz are "
            "unpacked as they are)"
        )
    size = path.stat().st_size
    if size > limits.max_zip_bytes:
        raise ValueError(
            f"{shown} is {size / 1024**2:.0f} MB; the limit is {limits.max_zip_bytes / 1024**2:.0f} MB"
        )
    archive = _open(path, shown, suffix)
    opened = [archive]  # and the zips inside it, when it is an export split into zips
    try:
        try:
            members = checked_members(archive.members(limits), shown, size, suffix in TAR_SUFFIXES, limits)
            parts = archive_parts(archive, members, shown, limits, opened)
        except _BROKEN as err:
            raise ValueError(_broken(shown, err)) from err
        mark_unpack_root(destination_root)
        name, encoding = archive_collection_name(shown), opened[-1].encoding
        final = destination_root / f"{safe_stem(name)}-{file_digest(path)[:12]}"  # `notes (1).zip` too
        if final.is_dir():
            return Unpacked(collection_root(final), name, encoding, True)
        _unpack(parts, final, shown, limits)
    finally:
        for each in opened:
            each.close()
    return Unpacked(collection_root(final), name, encoding, False)


def collection_root(folder: Path) -> Path:
    """The folder to index: the archive's one top-level folder when it holds nothing else."""
    entries = list(folder.iterdir())
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else folder


def safe_stem(stem: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)[:48]
    return cleaned or "collection"


def _open(path: Path, shown: str, suffix: str) -> ZipArchive | TarArchive:
    if suffix in ZIP_SUFFIXES:
        if not zipfile.is_zipfile(path):
            raise ValueError(f"not a zip file: {shown}")
        try:
            return ZipArchive(path)
        except _BROKEN as err:
            raise ValueError(f"cannot unpack {shown}: {err}") from err
    try:
        return TarArchive(path, shown)
    except (*_BROKEN, OSError) as err:  # gzip, bz2 and lzma say a bad stream with an OSError
        raise ValueError(f"cannot unpack {shown}: not a readable tar archive ({err})") from err


def _unpack(parts: list, final: Path, shown: str, limits) -> None:
    staging = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=final.parent))
    try:
        budget = limits.max_total_bytes
        for archive, chosen in parts:
            for member, relative in chosen:
                budget = _extract(archive, member, staging / relative, budget, shown)
        staging.rename(final)
    except (*_BROKEN, OSError) as err:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(err, OSError) and err.errno is not None:
            raise  # the disk (full, read-only): said as it is
        raise ValueError(_broken(shown, err)) from err
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _extract(archive, member: Member, target: Path, budget: int, shown: str) -> int:
    target.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with archive.open(member) as source, open(target, "wb") as sink:
        while chunk := source.read(1024 * 1024):
            written += len(chunk)
            if written > member.size or written > budget:
                raise ValueError(
                    f"{shown}: member {member.name!r} is larger than it claims: refusing a zip bomb"
                )
            sink.write(chunk)
    if written < member.size:
        raise ValueError(f"cannot unpack {shown}: member {member.name!r} is cut short (a truncated archive)")
    if member.mtime is not None:
        os.utime(target, (member.mtime, member.mtime))
    return budget - written


def _broken(shown: str, err: BaseException) -> str:
    if isinstance(err, EOFError) or "unexpected end of data" in str(err) or "cut short" in str(err):
        return f"cannot unpack {shown}: it is cut short (a download that did not finish?); download it again"
    return f"cannot unpack {shown}: {err}"


def file_digest(path: Path) -> str:
    """The SHA-256 of a file, read a megabyte at a time (an export may be gigabytes)."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()
