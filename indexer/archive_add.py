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

The page's uploads (`webapp.uploads`) go through the same steps with the app's uploads folder as the
root (`unpack_into`, `check_update`, `remove_unpack`), so a re-upload and a removal there behave as
`add` and `remove` do here; only the hint on how to name a collection differs (`Naming`).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from indexer.archives import DEFAULT_LIMITS, UNPACK_MARKER, ArchiveLimits, Unpacked, unpack_archive
from indexer.sources.embedded import CACHE_ENV
from indexer.uri import is_local

UNPACKED = "unpacked"


@dataclass(frozen=True)
class Naming:
    """How the person names a collection explicitly, for the refusals' hints."""

    another: str  # how to add it under another name
    replace: str  # how to let it replace the collection "{collection}"


CLI_NAMING = Naming("with --name NAME", "with --name {collection}")


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
    return unpack_into(archive, unpack_root(index_uri), name, collections, limits)


def unpack_into(
    archive: Path,
    root: Path,
    name: str | None,
    collections: dict,
    limits: ArchiveLimits = DEFAULT_LIMITS,
    *,
    shown: str | None = None,
    naming: Naming = CLI_NAMING,
) -> Unpacked:
    """Unpack `archive` under `root` and check it may update its collection (`check_update`); a
    refused unpack is removed again unless a collection reads from it. `shown`: the archive's name
    as the person named it (an upload's temporary file has another)."""
    unpacked = unpack_archive(archive, root, limits, shown)
    shown = shown or archive.name
    check_update(name or unpacked.name, unpacked.folder, shown, collections, (root,), name, naming)
    return unpacked


def check_update(
    collection: str,
    folder: Path,
    shown: str,
    collections: dict,
    roots: tuple[Path, ...],
    named: str | None = None,
    naming: Naming = CLI_NAMING,
) -> None:
    """Refuse (ValueError) to let the unpack `folder` replace the collection `collection` when that
    collection is a folder the person added (outside every unpack root in `roots`), or an unpack
    sharing less than half its files with this one; a collection named explicitly (`named`) may.
    A refused `folder` is removed unless a collection reads from it."""
    old = collections.get(collection, {}).get("root", "")
    if not old or named is not None or not Path(old).exists() or Path(old) == folder:
        return
    again = naming.replace.format(collection=collection)
    if not any(_inside(Path(old), root) for root in (*roots, *_marked_root(Path(old)))):
        remove_unpack(folder, roots, collections)
        raise ValueError(
            f"a collection named '{collection}' already holds {old}; add {shown} under another "
            f"name {naming.another}, or let it replace that folder {again}"
        )
    before, now = _files(Path(old)), _files(folder)
    if before and len(before & now) * 2 < len(before):  # another export of the same name (Notion's)
        remove_unpack(folder, roots, collections)
        raise ValueError(
            f"{shown} is not a newer download of the export in collection '{collection}' (they "
            f"share {len(before & now)} of its {len(before)} files); add it {naming.another}, or let it "
            f"replace that collection {again}"
        )


def _files(folder: Path) -> set[str]:
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}


def remove_earlier_unpack(moved_from: str, index_uri: str, collections: dict) -> Path | None:
    """After a collection was re-pointed from an earlier unpack (or removed): remove that unpack's
    folder (the one under `unpack_root`, or under the page's uploads folder: any folder marked as
    holding our copies) unless another collection still reads from it."""
    if not moved_from:
        return None
    return remove_unpack(
        Path(moved_from), (unpack_root(index_uri), *_marked_root(Path(moved_from))), collections
    )


def _marked_root(folder: Path) -> tuple[Path, ...]:
    """The folder above `folder` that says its folders are our unpacks and uploads (`mark_unpack_root`),
    as a 0- or 1-tuple: a folder the person added has none above it."""
    for parent in folder.expanduser().resolve().parents:
        if (parent / UNPACK_MARKER).is_file():
            return (parent,)
    return ()


def remove_unpack(folder: Path, roots: tuple[Path, ...], collections: dict) -> Path | None:
    """Remove the unpack holding `folder` (its top folder under one of `roots`) unless a collection
    in `collections` still reads from it; return it if removed. A folder under no root is never
    touched: it is the person's own."""
    for root in roots:
        if _inside(folder, root) and folder.resolve() != root.resolve():
            top = root / folder.resolve().relative_to(root.resolve()).parts[0]
            if any(_inside(Path(entry["root"]), top) for entry in collections.values() if entry.get("root")):
                return None
            shutil.rmtree(top, ignore_errors=True)
            return top
    return None


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, ValueError):
        return False
