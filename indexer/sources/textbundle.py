"""TextBundles packed in a zip: Bear's backups (`.bearbk`, every note) and `.textpack` (one note).

A TextBundle is a note as a folder, `Note.textbundle/` holding its Markdown (`text.md`,
`text.markdown`, or `text.txt` as Bear writes it) and its pictures under `assets/`; Bear, Ulysses
and others export notes so. A loose bundle is read where it lies (`markdown.py`: titled by the
bundle, not "text"; its `text.txt` as Markdown here). Packed in a zip, read:
- each bundle as one document, id `Backup.bearbk/<note>` (the bundle's name: the note's title as
  Bear named it; a second note of the same title gets `-2`), titled as a loose bundle is;
- its pictures (`![](assets/photo.jpg)`, or `[assets/photo.jpg]` as Bear writes them) in place,
  from inside the zip; a picture the bundle does not hold is reported, as a broken link is;
- a `.textpack` (one bundle zipped) as one document, id the file's name.
A file that is not a zip archive, and a zip holding no bundle, are reported by name.
"""

from __future__ import annotations

import io
import mimetypes
import re
import warnings
import zipfile
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from indexer.sources.archive_names import zip_member_name
from indexer.sources.base import CollectionWarning, EmbeddedImage, ImageLink, ParsedPage, warn
from indexer.sources.markdown import parse_markdown
from indexer.sources.plain import parse_plain_text

_TEXT = re.compile(r"(?:(?P<bundle>(?:.*/)?[^/]+\.textbundle)/|)text\.(?:md|markdown|txt)", re.IGNORECASE)
# Bear writes a picture of a note as `[assets/photo.jpg]` (its own markup, not Markdown's `![]()`)
_BEAR_PICTURE = re.compile(rb"(?<![!\]\\])\[(assets/[^\]\n]+?)\](?![(\[:])")
_BEAR_NESTED_ITEM = re.compile(rb"^(\t+)(?=(?:[-*+]|\d+[.)])[ \t])", re.MULTILINE)
MAX_PICTURE_BYTES = 50_000_000  # a picture larger than this inside a backup is not unpacked


def parse_bundle_text(data: bytes, name: str) -> ParsedPage | None:
    """A `.txt` file: a loose bundle's `text.txt` (Bear writes its notes so) is Markdown, any
    other is plain text."""
    path = PurePosixPath(name)
    if path.name.lower() == "text.txt" and path.parent.suffix.lower() == ".textbundle":
        return parse_markdown(bear_markdown(data), name)
    return parse_plain_text(data, name)


def bear_markdown(data: bytes) -> bytes:
    """A bundle's text with Bear's own markup as Markdown: its pictures, `[assets/photo.jpg]`, as
    `![](...)`; its nested list items, indented by a tab each level, by two spaces (after a blank
    line a tab-indented `- [x] item` was an indented code block: 12 notes of auraoupa/bear-notes)."""
    if b"\n\t" in data:
        data = b"\n".join(_bear_lists(data.split(b"\n")))
    return _BEAR_PICTURE.sub(rb"![](<\1>)", data)


def _bear_lists(lines: list[bytes]):
    """Lines with the tab-indented items that open a list after a blank line (and the tab-indented
    lines going on from them) indented by two spaces a tab; items under an item stay as written,
    CommonMark nests those."""
    in_block, blank = False, True
    for line in lines:
        if line.startswith(b"\t") and (in_block or (blank and _BEAR_NESTED_ITEM.match(line))):
            in_block = True
            tabs = len(line) - len(line.lstrip(b"\t"))
            yield b"  " * tabs + line[tabs:]
        else:
            in_block = False
            yield line
        blank = not line.strip()


def parse_textpack(data: bytes, name: str) -> ParsedPage | list[ParsedPage] | None:
    if not data:
        warn(f"{name}: an empty file, skipped", file=name, reason="empty")
        return None
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = {zip_member_name(info): info for info in archive.infolist() if not info.is_dir()}
    except (zipfile.BadZipFile, OSError, ValueError):
        warn(
            f"{name}: not a zip archive of notes (damaged or another format), skipped",
            file=name,
            reason="unreadable",
        )
        return None
    texts = sorted((m.group("bundle") or "", path) for path in members if (m := _TEXT.fullmatch(path)))
    texts = [(bundle, path) for bundle, path in texts if not _hidden(path)]
    if not texts:
        warn(f"{name}: holds no TextBundle (no text.md), skipped", file=name, reason="empty")
        return None
    pages, seen = [], set()
    for bundle, path in texts:
        if bundle in seen:  # a bundle holding both text.md and text.txt: the first is the note
            continue
        seen.add(bundle)
        page = _bundle_page(archive, members, bundle, path, name)
        if page is not None:
            pages.append(page)
    if name.lower().endswith(".textpack") and len(pages) == 1:
        return ParsedPage(pages[0].items, title=pages[0].title, meta=pages[0].meta)
    return pages


def _hidden(path: str) -> bool:
    return any(part.startswith((".", "__MACOSX")) for part in path.split("/"))


def _bundle_page(archive, members, bundle: str, path: str, name: str) -> ParsedPage | None:
    note = PurePosixPath(bundle).stem if bundle else PurePosixPath(name).stem
    which = f"note '{note}'"
    try:
        text = archive.read(members[path])
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError) as err:  # RuntimeError: encrypted
        warn(f"{name}: {which} cannot be unpacked ({err}), skipped", file=name, reason="unreadable")
        return None
    with warnings.catch_warnings(record=True) as caught:  # said of the backup, naming the note
        warnings.simplefilter("always", CollectionWarning)
        page = parse_markdown(bear_markdown(text), f"{bundle or note + '.textbundle'}/text.md")
    for said in caught:
        if isinstance(said.message, CollectionWarning):
            message = str(said.message).partition(": ")[2]
            warn(
                f"{name}: {which}: {message}",
                file=name,
                reference=said.message.reference,
                reason=said.message.reason,
            )
        else:
            warnings.warn_explicit(said.message, said.category, said.filename, said.lineno)
    folder = f"{bundle}/" if bundle else ""
    items = [
        _picture(archive, members, folder, item, which, name) if isinstance(item, ImageLink) else item
        for item in page.items
    ]
    key = re.sub(r"[/#\\]", "-", note)
    return ParsedPage(
        tuple(item for item in items if item is not None), title=page.title, meta=page.meta, key=key
    )


def _picture(archive, members, folder: str, link: ImageLink, which: str, name: str):
    """The bundle's own picture for `link`, read from the zip when stored; a link to the web is
    left for the resolver (which reports it as remote); None (reported) when it is not there."""
    parts = urlsplit(link.target)
    if parts.scheme or parts.netloc:
        return link
    inside = f"{folder}{unquote(parts.path).lstrip('./')}"
    written = f"{link.written or link.target} in {which}"
    info = members.get(inside)
    if info is None:
        warn(
            f"{name}: {which} shows a picture the backup does not hold, skipped: {link.target}",
            file=name,
            reference=link.written or link.target,
            reason="missing",
        )
        return None
    if info.file_size > MAX_PICTURE_BYTES:
        warn(
            f"{name}: picture {written} is over {MAX_PICTURE_BYTES:,} bytes, skipped",
            file=name,
            reason="too large",
        )
        return None
    mime = mimetypes.guess_type(inside)[0] or "application/octet-stream"
    return EmbeddedImage(mime, "", written, load=lambda: archive.read(info))
