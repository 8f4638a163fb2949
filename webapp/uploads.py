"""Files a visitor uploads as a collection: one archive of a folder (a zip, or a .tar.gz/.tgz, .tar,
.tar.bz2, .tar.xz from a Linux box; unpacked by `indexer.archives`, which refuses .7z and .rar with
what to do), or the notes, documents, pictures and videos themselves (a PDF manual, an Evernote export, a
note and its photos) without zipping them first. An archive's collection is named as the CLI names
it (a browser's `notes (1).zip` is still `notes`), so a newer download updates the same collection.

Loose files become one folder, side by side as they were chosen (a browser sends names, not folders:
a note that links `img/a.jpg` needs its folder zipped). The folder is named after the files' names and
contents, so the same files uploaded again are the same folder and the index skips what it knows.
Nothing is written until every file is checked, and the folder appears only when complete. A file
we do not read is left out and said, not dropped without a word; two different files under one name
are refused (one would silently replace the other).

A newer upload of one collection (a newer download of the export, a note edited and chosen again) is
a new folder: the collection moves to it and the earlier folder is removed, as `python -m indexer add`
does with its unpacks (`indexer.archive_add`, whose checks these are: an upload does not replace a
folder the person indexed, nor a different export that happens to share its name, unless named so).
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from indexer.archive_add import Naming, check_update, remove_unpack
from indexer.archive_formats import archive_suffix
from indexer.archives import archive_collection_name, file_digest, mark_unpack_root, unpack_archive
from indexer.skipped import Skipped
from indexer.sources import NotesFolderReader
from indexer.sources.videos import VIDEO_SUFFIXES
from mme_core.documents import IMAGE_EXTENSIONS

from .collection import COLLECTION_EXTENSIONS, NOTE_EXTENSIONS, ZipLimits, safe_stem


@dataclass(frozen=True)
class Upload:
    folder: Path  # the collection's folder under the uploads root
    name: str  # the collection name it is indexed under unless the person gave one
    left_out: tuple[Skipped, ...] = ()  # uploaded files that are not part of it, with the reason
    shown: str = "these files"  # how messages name the upload: the archive's name, or "these files"


PAGE_NAMING = Naming('(type it under "Collection name")', 'by typing "{collection}" under "Collection name"')


def place_upload(
    paths: list[str | Path], name: str | None, root: Path, roots: tuple[Path, ...], collections: dict, limits
) -> Upload:
    """`gather_upload`, then refused (and its new folder removed) when it would replace a collection
    it is no newer upload of (`indexer.archive_add.check_update`). `name`: the one the person typed,
    or None; `roots`: every folder holding unpacks of this index, `root` (the uploads') first."""
    upload = gather_upload(paths, root, limits)
    check_update(name or upload.name, upload.folder, upload.shown, collections, roots, name, PAGE_NAMING)
    return upload


def tidy_after(upload: Upload, moved_from: str, roots: tuple[Path, ...], collections: dict) -> Path | None:
    """After indexing `upload` (or failing to): remove the earlier upload the collection moved from,
    or this upload's folder when no collection reads from it. Returns what was removed."""
    return remove_unpack(Path(moved_from) if moved_from else upload.folder, roots, collections)


def gather_upload(paths: list[str | Path], destination_root: Path, limits: ZipLimits) -> Upload:
    """Check the uploaded files and place them as a collection folder under destination_root."""
    files = [Path(p) for p in paths if p]
    if not files:
        chosen = "notes, documents, pictures, videos or one .zip/.tar.gz"
        raise ValueError(f"choose files to upload first: {chosen}")
    missing = [f.name for f in files if not f.is_file()]
    if missing:
        raise ValueError(f"upload not found: {', '.join(missing)}; upload again")
    archives = [f for f in files if archive_suffix(f.name) and f.suffix.lower() != ".jex"]  # .jex: a note
    if archives:
        if len(files) > 1:
            raise ValueError(
                f"upload {archives[0].name} on its own: an archive is a whole collection, "
                f"and {len(files) - 1} other file(s) came with it"
            )
        unpacked = unpack_archive(files[0], destination_root, limits)
        return Upload(unpacked.folder, archive_collection_name(files[0].name), shown=files[0].name)
    return _gather_loose(files, destination_root, limits)


def _gather_loose(files: list[Path], destination_root: Path, limits: ZipLimits) -> Upload:
    kept, left_out = [], []
    for file in files:
        reason = _not_kept_because(file)
        if reason:
            left_out.append(Skipped(file.name, "", reason[0], f"{file.name}: {reason[1]}; not indexed"))
        else:
            kept.append(file)
    if not any(f.suffix.lower() in (*NOTE_EXTENSIONS, *IMAGE_EXTENSIONS, *VIDEO_SUFFIXES) for f in kept):
        said = "; ".join(item.message for item in left_out) or "only documents we do not read"
        raise ValueError(f"nothing to index in this upload ({said})")
    if len(kept) > limits.max_files:
        raise ValueError(f"upload holds {len(kept):,} files; the limit is {limits.max_files:,}")
    total = sum(f.stat().st_size for f in kept)
    if total > limits.max_total_bytes:
        raise ValueError(
            f"upload is {total / 1024**2:,.0f} MB; the limit is {limits.max_total_bytes / 1024**2:,.0f} MB"
        )
    by_name = _one_file_per_name(kept)  # name -> (file, its SHA-256)
    name = _collection_name(min((file for file, _ in by_name.values()), key=_naming_order))
    digest = hashlib.sha256(
        "\n".join(f"{n}\0{sha}" for n, (_, sha) in sorted(by_name.items())).encode()
    ).hexdigest()[:12]
    mark_unpack_root(destination_root)
    final = destination_root / f"{safe_stem(name)}-{digest}"
    if not final.is_dir():  # else the same files were uploaded before
        staging = Path(tempfile.mkdtemp(prefix=".uploading-", dir=destination_root))
        try:
            for file_name, (source, _) in by_name.items():
                shutil.copyfile(source, staging / file_name)
            staging.rename(final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return Upload(final, name, tuple(left_out))


def _not_kept_because(file: Path) -> tuple[str, str] | None:
    """(reason, why) for a file that is not part of an uploaded collection, else None."""
    name, suffix = file.name, file.suffix.lower()
    if name.startswith("~$"):
        return "excluded", "an Office lock file, not a document"
    if name.startswith("."):
        return "excluded", "a hidden file"
    if suffix not in COLLECTION_EXTENSIONS:
        return "unsupported type", "not a note, document, picture or video this app reads"
    if suffix in NotesFolderReader.claims and not NotesFolderReader.claims[suffix](file):
        return "unsupported type", f"{suffix} files are read only as {NotesFolderReader.claimed_as[suffix]}"
    return None


def _one_file_per_name(files: list[Path]) -> dict[str, tuple[Path, str]]:
    by_name: dict[str, tuple[Path, str]] = {}
    for file in files:
        sha = file_digest(file)
        if by_name.setdefault(file.name, (file, sha))[1] != sha:
            raise ValueError(
                f"two different files are named {file.name}: one would replace the other; "
                "upload a zip of their folders instead"
            )
    return by_name


def _naming_order(file: Path) -> tuple[bool, str]:
    """Notes and documents name a collection before pictures and videos do."""
    return file.suffix.lower() in (*IMAGE_EXTENSIONS, *VIDEO_SUFFIXES), file.name.casefold()


def _collection_name(file: Path) -> str:
    name = "".join(c if c.isalnum() or c in "-_ ." else "-" for c in file.stem).strip()
    return name or "upload"
