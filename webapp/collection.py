"""Bringing a collection in from the page: a folder on the server, or an archive the visitor uploads.

A folder must lie under one of the roots the app was started with (none on a public Space, so
visitors cannot index the server's own files). An uploaded zip or tar archive is checked and unpacked
by `indexer.archives` (the same code `python -m indexer add notes.zip` uses): nothing is written
before every member is checked, and the folder appears only when complete. An archive holding one
folder (how "Compress MyVault" makes it) is indexed from that folder.
"""

from __future__ import annotations

from pathlib import Path

from indexer.archive_members import COLLECTION_EXTENSIONS, NOTE_EXTENSIONS
from indexer.archives import DEFAULT_LIMITS, ArchiveLimits, safe_stem, unpack_archive

ZipLimits = ArchiveLimits  # the app's name for them (its --max-zip-mb flags)
DEFAULT_ZIP_LIMITS = DEFAULT_LIMITS
__all__ = ["COLLECTION_EXTENSIONS", "NOTE_EXTENSIONS", "ZipLimits", "safe_stem"]


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
    """Check and unpack an uploaded archive (zip or tar) into a new folder under destination_root;
    return the folder to index (see `indexer.archives.unpack_archive`)."""
    return unpack_archive(zip_path, destination_root, limits).folder
