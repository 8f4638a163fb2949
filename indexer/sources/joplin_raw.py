"""Joplin's "RAW - Joplin Export Directory" on disk: its notes read among the folder's Markdown.

A RAW export is a folder of `<32-hex id>.md` items and `resources/<id>.<ext>` (see `joplin.py`
for what a note reads as). A `.md` file named by an id whose text ends with Joplin's properties is
read as Joplin's note; any other `.md`, even named so outside an export, as Markdown. The folder's
items are read once (`_export`) for what its notes take from them (notebooks, tags, attachments'
kinds), again when the folder or an item a note draws on changes, and a note's document is read
again by the stat cache when those items change (`page_shows`). `read_elsewhere` passes over the
items that are no document and the attachments a note links (said by it), and says the rest.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from indexer.sources.base import ImageLink, ParsedPage, warn
from indexer.sources.joplin import DAMAGED, note_page, say_encrypted
from indexer.sources.joplin_items import ITEM_NAME, NOTE, Export, Item, parse_item
from indexer.sources.markdown import parse_markdown
from indexer.sources.site_includes import page_shows, reading_root
from indexer.sources.text import decode_text

MAX_ITEM_BYTES = 20_000_000  # a bigger item is no note of an export: not read to learn it
MAX_EXPORTS = 8  # folders whose items are kept between notes


@dataclass
class _Known:
    export: Export | None
    version: int  # the folder's modification time when read
    stamps: dict[str, int] = field(default_factory=dict)  # item id -> its file's modification time


_KNOWN: dict[str, _Known] = {}


def parse_markdown_or_joplin(data: bytes, name: str) -> ParsedPage | None:
    """A `.md` file: a note of a Joplin export read as Joplin shows it; any other as Markdown."""
    if (match := ITEM_NAME.fullmatch(os.path.basename(name))) is None:
        return parse_markdown(data, name)
    root = reading_root()
    folder = root / os.path.dirname(name) if root is not None else None
    export = _export(folder) if folder is not None else None
    item = parse_item(decode_text(data, name))
    if item is None or item.id != match.group(1).lower():
        if export is None:  # not an export: a Markdown note named so
            return parse_markdown(data, name)
        warn(f"{name}: {DAMAGED}, skipped", file=name, reason="unreadable")
        return None
    if item.encrypted:
        return say_encrypted(item, name)
    if item.type != NOTE:
        return None  # a notebook, tag or attachment item given alone: read into the notes
    if export is not None and folder is not None:
        drawn_on = export.drawn_on(item)
        export = _export(folder, drawn_on) or export  # a notebook renamed since: read again
        for item_id in drawn_on:  # the stat cache reads the note again when they change
            page_shows(f"{item_id}.md")
    return note_page(item, export or Export(), name, _picture)


def _picture(resource_file: str, written: str) -> ImageLink:
    return ImageLink(f"resources/{resource_file}", written=written)


def read_elsewhere(path: Path) -> str | None:
    """For a file of a RAW export: "" for the items read into its notes (notebooks, tags, tag
    links, attachments' descriptions) and for the attachments its notes link (each said by its
    note); why it is left out for an attachment no note links; None for any other file (a note, an
    item that is damaged or encrypted: the parser says so)."""
    if path.parent.name == "resources" and (export := _export(path.parent.parent)) is not None:
        if path.name.partition(".")[0].lower() in export.linked:
            return ""
        return "a Joplin attachment no note of the export links"  # a picture too: no document alone
    if ITEM_NAME.fullmatch(path.name) and (export := _export(path.parent)) is not None:
        kind, encrypted = export.types.get(path.stem.lower(), (0, False))
        return "" if kind and kind != NOTE and not encrypted else None
    return None


def _export(folder: Path, drawn_on: Sequence[str] = ()) -> Export | None:
    """The export the folder holds, None when it is none: read again when the folder changed, or
    one of the items `drawn_on` did."""
    try:
        version = os.stat(folder).st_mtime_ns
    except OSError:
        return None
    key = str(folder)
    known = _KNOWN.get(key)
    if known is None or known.version != version or any(_changed(folder, i, known) for i in drawn_on):
        _KNOWN.pop(key, None)
        while len(_KNOWN) >= MAX_EXPORTS:
            _KNOWN.pop(next(iter(_KNOWN)))
        known = _KNOWN[key] = _read_export(folder, version)
    return known.export


def _changed(folder: Path, item_id: str, known: _Known) -> bool:
    try:
        return os.stat(folder / f"{item_id}.md").st_mtime_ns != known.stamps.get(item_id)
    except OSError:
        return item_id in known.stamps


def _read_export(folder: Path, version: int) -> _Known:
    """The items of the folder's `<id>.md` files, when they are Joplin's (one of its first ten that
    parses as an item makes it an export)."""
    known = _Known(None, version)
    try:
        names = sorted(n for n in os.listdir(folder) if ITEM_NAME.fullmatch(n))
    except OSError:
        return known
    export = Export()
    for number, file_name in enumerate(names):
        item, stamp = _read_item(folder / file_name)
        if item is None:
            if number >= 10 and not known.stamps:
                return known
            continue
        export.add(item)
        known.stamps[item.id] = stamp
    if not known.stamps:
        return known
    try:
        for file_name in os.listdir(folder / "resources"):
            export.add_file(file_name)
    except OSError:
        pass
    known.export = export
    return known


def _read_item(path: Path) -> tuple[Item | None, int]:
    try:
        stat = path.stat()
        if stat.st_size > MAX_ITEM_BYTES:
            return None, 0
        return parse_item(path.read_bytes().decode("utf-8", errors="replace")), stat.st_mtime_ns
    except OSError:
        return None, 0
