"""`python -m indexer add notes.zip`: where an archive is unpacked, and which collection it updates.

The folder goes inside the index, in `INDEX/unpacked/`, not beside the archive as a double-click
would put it: the index needs the notes after `add` (to show their pictures and whole text, and for
`rebuild` to read them again), a Downloads folder is cleaned out, and a folder the person did not ask
for next to their own copies would be one more thing to keep apart. An index on object storage
(s3://...) cannot hold a folder the readers open, so its archives go to the user's cache instead
(`$MME_CACHE/unpacked`, else `$XDG_CACHE_HOME/mme/unpacked`, else `~/.cache/mme/unpacked`), where
its embedded pictures already go.

The collection is named after the archive, without the copy number a browser adds or Takeout's date
(`indexer.archives.archive_collection_name`), so a newer download of the same export updates that
collection: its new unpack is a new folder, the collection is re-pointed to it (unchanged notes are
not embedded again: their content hashes match), and the earlier unpack is removed. A collection of
that name that is a folder the person added, or an unpack sharing less than half its files with the
new one (two Notion workspaces are both `<id>_Export.zip`), is not replaced without `--name`.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from indexer.archives import DEFAULT_LIMITS, ArchiveLimits, Unpacked, unpack_archive
from indexer.sources.embedded import CACHE_ENV
from indexer.uri import is_local

UNPACKED = "unpacked"


def unpack_root(index_uri: str) -> Path:
    """Where archives added to this index are unpacked (see the module doc)."""
    if is_local(index_uri):
        return Path(index_uri.removeprefix("file://")).expanduser().resolve() / UNPACKED
    if root := os.environ.get(CACHE_ENV):
        return Path(root).expanduser() / UNPACKED
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "mme" / UNPACKED


def unpack_for_add(
    archive: Path, index_uri: str, name: str | None, collections: dict, limits: ArchiveLimits = DEFAULT_LIMITS
) -> Unpacked:
    """Unpack `archive` for the index at `index_uri`; refused when the collection it would update
    (`name`, else the archive's) is a folder the person added, not an earlier unpack."""
    root = unpack_root(index_uri)
    unpacked = unpack_archive(archive, root, limits)
    collection = name or unpacked.name
    old = collections.get(collection, {}).get("root", "")
    if not old or name is not None or not Path(old).exists() or Path(old) == unpacked.folder:
        return unpacked
    if not _inside(Path(old), root):
        raise ValueError(
            f"a collection named '{collection}' already holds {old}; add {archive.name} under another "
            f"name with --name NAME, or let it replace that folder with --name {collection}"
        )
    before, now = _files(Path(old)), _files(unpacked.folder)
    if before and len(before & now) * 2 < len(before):  # another export of the same name (Notion's)
        raise ValueError(
            f"{archive.name} is not a newer download of the export in collection '{collection}' (they "
            f"share {len(before & now)} of its {len(before)} files); add it with --name NAME, or let it "
            f"replace that collection with --name {collection}"
        )
    return unpacked


def _files(folder: Path) -> set[str]:
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}


def remove_earlier_unpack(moved_from: str, index_uri: str, collections: dict) -> Path | None:
    """After a collection was re-pointed from an earlier unpack: remove that unpack's folder (the
    one under `unpack_root`) unless another collection still reads from it; return it if removed."""
    root = unpack_root(index_uri)
    old = Path(moved_from) if moved_from else None
    if old is None or not _inside(old, root):
        return None
    top = root / old.resolve().relative_to(root).parts[0]
    if any(_inside(Path(entry["root"]), top) for entry in collections.values() if entry.get("root")):
        return None
    shutil.rmtree(top, ignore_errors=True)
    return top


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, ValueError):
        return False
