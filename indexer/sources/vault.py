"""Obsidian's "file name anywhere in the vault" rule for attachments, and vault detection.

Obsidian writes `![[Pasted image 2024.png]]` however deep the picture sits (an `attachments/`
folder, a per-note folder, the vault root), and resolves such a link path as: the exact path from the
vault root, then relative to the note, then any file whose path *ends with* the link path (for a bare
name: any file of that name). When several files match, we take the one nearest to the note (fewest
folder steps between them; then the shallower, then alphabetical) and the caller warns "ambiguous".
Names compare case-insensitively and Unicode-normalised (NFC), as a vault copied from macOS has
decomposed file names that notes spell composed.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path, PurePosixPath


def in_vault(directory: str, seen: dict[str, bool]) -> bool:
    """True when `directory` or one of its parents holds an Obsidian `.obsidian/` settings folder, or
    is a Logseq graph (`logseq/config.edn`): both title pages by file name and find a picture by name
    (a Logseq page in `pages/` may link `assets/a.png` from the graph's root). `seen` caches the
    answer per folder for one read of a collection."""
    directory = os.path.abspath(directory)
    if directory not in seen:
        parent = os.path.dirname(directory)
        seen[directory] = (
            os.path.isdir(os.path.join(directory, ".obsidian"))
            or os.path.isfile(os.path.join(directory, "logseq", "config.edn"))
            or (parent != directory and in_vault(parent, seen))
        )
    return seen[directory]


def excluded_files(root: Path) -> Callable[[str], str]:
    """The vault's "Excluded files" (Settings > Files and links, `userIgnoreFilters` in
    `.obsidian/app.json`), which Obsidian leaves out of search: a path prefix (`templates/`) or a
    `/regex/` over the vault-relative path. Returns name -> the filter it matches ("" for none)."""
    try:
        filters = json.loads((root / ".obsidian" / "app.json").read_text("utf-8")).get("userIgnoreFilters")
    except (OSError, ValueError, AttributeError):
        return lambda name: ""
    rules: list[tuple[str, Callable[[str], bool]]] = []
    for written in filters if isinstance(filters, list) else []:
        if not isinstance(written, str) or not written:
            continue
        if len(written) > 2 and written.startswith("/") and written.endswith("/"):
            try:
                rules.append((written, re.compile(written[1:-1]).search))
            except re.error:
                continue
        else:
            rules.append((written, lambda name, prefix=written: name.startswith(prefix)))
    return lambda name: next((written for written, matches in rules if matches(name)), "")


def name_key(path: str) -> str:
    return unicodedata.normalize("NFC", path).casefold()


class AttachmentIndex:
    """Every non-hidden file under `root` by its name, built on first use (one walk per read)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._by_name: dict[str, list[str]] | None = None

    def find(self, link_path: str, note_dir: str) -> list[str]:
        """Collection-relative POSIX paths whose tail is `link_path`, nearest to `note_dir` first."""
        parts = PurePosixPath(link_path).parts
        if not parts or ".." in parts or link_path.startswith("/"):
            return []
        wanted = name_key("/".join(p for p in parts if p != "."))
        candidates = [
            path
            for path in self._index().get(name_key(parts[-1]), [])
            if name_key(path) == wanted or name_key(path).endswith("/" + wanted)
        ]
        here = PurePosixPath(note_dir).parts
        return sorted(candidates, key=lambda path: (_steps(here, PurePosixPath(path).parent.parts), path))

    def _index(self) -> dict[str, list[str]]:
        if self._by_name is None:
            self._by_name = {}
            for directory, subdirs, files in os.walk(self.root):
                subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))  # .obsidian, .trash
                relative = Path(directory).relative_to(self.root)
                for file_name in sorted(files):
                    if not file_name.startswith("."):
                        path = (relative / file_name).as_posix()
                        self._by_name.setdefault(name_key(file_name), []).append(path)
        return self._by_name


def _steps(here: tuple[str, ...], there: tuple[str, ...]) -> tuple[int, int]:
    """Folder steps from `here` to `there` (up to the common parent, then down), then depth."""
    common = 0
    for mine, theirs in zip(here, there, strict=False):
        if mine != theirs:
            break
        common += 1
    return len(here) + len(there) - 2 * common, len(there)
