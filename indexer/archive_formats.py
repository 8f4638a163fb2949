"""Zip and tar archives seen one way: members with a decoded name, a declared size and a kind, so
`indexer.archives` checks and unpacks both with the same rules.

Zip names are decoded as `indexer.sources.archive_names` says (Windows code pages, macOS UTF-8
without the flag). Tar names are bytes too: Python reads them as UTF-8, keeping bytes that are not
(a tar made on an old system) as surrogates, which are decoded the same way. Listing a compressed
tar reads it through, so the listing stops at the first limit passed (a bomb is not read to its end).
"""

from __future__ import annotations

import io
import tarfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from indexer.sources.archive_names import choose_encoding, nfc, raw_zip_name, zip_member_name

ZIP_SUFFIXES = (".zip",)
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tbz", ".tar.xz", ".txz")
# archives and compressed files we do not unpack: the person is told to unpack them
REFUSED_SUFFIXES = (".7z", ".rar", ".tar.zst", ".zst", ".gz", ".bz2", ".xz", ".z", ".lz", ".cab")
NOTE_TEXT_SUFFIXES = (
    ".md",
    ".markdown",
    ".txt",
    ".html",
    ".htm",
    ".org",
    ".rst",
    ".mdx",
    ".adoc",
    ".asciidoc",
)
NOTE_TEXT_BYTES = 4 * 1024**2  # notes read to learn how their links spell the names (see choose_encoding)


def archive_suffix(name: str) -> str | None:
    """The archive suffix of a file name (`.tar.gz` before `.gz`), unpacked or refused; else None."""
    lowered = name.lower()
    known = sorted((*ZIP_SUFFIXES, *TAR_SUFFIXES, *REFUSED_SUFFIXES), key=len, reverse=True)
    return next((suffix for suffix in known if lowered.endswith(suffix)), None)


@dataclass(frozen=True)
class Member:
    name: str  # decoded, NFC, as stored (separators not yet checked)
    size: int  # uncompressed size the archive declares
    packed: int | None  # compressed size of this member (zip), None when compressed as a whole (tar)
    kind: str  # "file", "dir", "link" (symbolic), "hard link" or "special" (a device, a pipe)
    encrypted: bool
    mtime: float | None  # seconds since the epoch, to keep the note's date (and the stat cache's)
    handle: zipfile.ZipInfo | tarfile.TarInfo


class ZipArchive:
    def __init__(self, path: Path):
        self.archive = zipfile.ZipFile(path)
        infos = self.archive.infolist()
        raws = [raw for info in infos if (raw := raw_zip_name(info)) is not None]
        self.encoding = choose_encoding(raws, self._notes_text(infos) if raws else "")

    def members(self, limits) -> list[Member]:
        return [
            Member(
                zip_member_name(info, self.encoding),
                info.file_size,
                info.compress_size,
                "dir" if info.is_dir() else _zip_kind(info),
                bool(info.flag_bits & 0x1),
                _zip_time(info),
                info,
            )
            for info in self.archive.infolist()
        ]

    def open(self, member: Member) -> IO[bytes]:
        return self.archive.open(member.handle)

    def close(self) -> None:
        self.archive.close()

    def _notes_text(self, infos: list[zipfile.ZipInfo]) -> str:
        """The notes' text (UTF-8, as notes are), bounded, to see how links spell the file names."""
        parts, budget = [], NOTE_TEXT_BYTES
        for info in infos:
            if budget <= 0 or info.flag_bits & 0x1 or not info.filename.lower().endswith(NOTE_TEXT_SUFFIXES):
                continue
            try:
                with self.archive.open(info) as source:
                    data = source.read(min(budget, 256 * 1024))
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError):
                continue  # a broken member is reported when it is unpacked
            budget -= len(data)
            parts.append(data.decode("utf-8", "replace"))
        return "\n".join(parts)


class TarArchive:
    def __init__(self, path: Path, shown: str):
        self.shown = shown
        self.archive = tarfile.open(path, "r:*")
        self.encoding = "utf-8"

    def members(self, limits) -> list[Member]:
        infos = list(self._bounded(limits))
        self._check_end()
        raws = [info.name.encode("utf-8", "surrogateescape") for info in infos]
        if any(_has_surrogates(info.name) for info in infos):
            self.encoding = choose_encoding(raws)
        return [
            Member(
                nfc(raw.decode(self.encoding, "replace")),
                info.size,
                None,
                _tar_kind(info),
                False,
                float(info.mtime) if info.mtime else None,
                info,
            )
            for info, raw in zip(infos, raws, strict=True)
        ]

    def _bounded(self, limits) -> Iterator[tarfile.TarInfo]:
        files, declared = 0, 0
        for info in self.archive:
            files += info.isreg()
            declared += info.size if info.isreg() else 0
            if files > limits.max_files:
                raise ValueError(
                    f"{self.shown} holds more than {limits.max_files:,} files; "
                    f"the limit is {limits.max_files:,}"
                )
            if declared > limits.max_total_bytes:
                raise ValueError(
                    f"{self.shown} unpacks to more than {limits.max_total_bytes / 1024**2:,.0f} MB; "
                    f"the limit is {limits.max_total_bytes / 1024**2:,.0f} MB"
                )
            yield info

    def _check_end(self) -> None:
        """Python's tarfile stops quietly at a header cut short: a compressed tar is read to its
        end (gzip, bzip2 and xz then say it is cut), a plain one must end in its zero blocks."""
        stream = self.archive.fileobj
        if isinstance(stream, io.BufferedReader):  # a plain .tar
            stream.seek(self.archive.offset)
            tail = stream.read(1024)
            if len(tail) < 512 or tail.strip(b"\0"):
                raise tarfile.ReadError("the archive is cut short (a truncated download?)")
        else:
            while stream.read(1024 * 1024):
                pass

    def open(self, member: Member) -> IO[bytes]:
        source = self.archive.extractfile(member.handle)
        if source is None:
            raise ValueError(f"member {member.name!r} is not a file")
        return source

    def close(self) -> None:
        self.archive.close()


def _zip_kind(info: zipfile.ZipInfo) -> str:
    mode = info.external_attr >> 16
    kind = mode & 0o170000
    if kind == 0o120000:
        return "link"
    return "special" if kind not in (0, 0o100000, 0o040000) else "file"


def _tar_kind(info: tarfile.TarInfo) -> str:
    if info.isdir():
        return "dir"
    if info.isreg():
        return "file"
    return "link" if info.issym() else "hard link" if info.islnk() else "special"


def _zip_time(info: zipfile.ZipInfo) -> float | None:
    try:
        return time.mktime((*info.date_time, 0, 0, -1))
    except (OverflowError, ValueError):
        return None


def _has_surrogates(name: str) -> bool:
    return any(0xDC80 <= ord(char) <= 0xDCFF for char in name)
