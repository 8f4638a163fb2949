"""OneNote sections (`.one`): the lab notebooks, class notes and repair logs people keep in OneNote,
read with aspose-note-foss (MIT, pure Python: OneNote's MS-ONESTORE format without OneNote).

OneNote 2016 keeps a notebook as a folder: a `.one` file per section, a subfolder per section group,
and `Open Notebook.onetoc2` (the order of sections, nothing to read). Each page of a section is its
own document (`Recipes.one/Pancakes`: the page's title is its key), read in order: the outline's
paragraphs (a nested paragraph indented under its parent), tables a row per line (cells joined by
` | `), pictures where they stand with their alt text after them. What the page says about itself:
- its title, and `created` from the page (OneNote writes the date under the title; that date and time
  are not read as words), its author;
- the note tags a person put on paragraphs ("To Do", "Important", "Question", their own) as tags;
- `notebook`: the notebook, section groups and section ("Lab / 2024 / Cell culture"), shown on cards
  where a path would be.
Said, not dropped: files attached to a page (a PDF, a recording: "unsupported type", by name), the
sections OneNote keeps deleted pages in (`OneNote_RecycleBin/`, "excluded"), a password-protected
section, and a file the library cannot read (an older OneNote 2007 section, a damaged file), by name.
A notebook downloaded as a OneNote package (`.onepkg`, a cabinet archive) must be unpacked first.
"""

from __future__ import annotations

import base64
import io
import re

from aspose.note import (
    AttachedFile,
    Document,
    Image,
    IncorrectPasswordException,
    Outline,
    OutlineElement,
    RichText,
    Table,
    Title,
)
from PIL import Image as PILImage

from indexer.sources.base import EmbeddedImage, ParsedPage, add_text, warn
from indexer.sources.docx import describe_error
from indexer.sources.embedded import PICTURE_TYPES

_KEY_UNSAFE = re.compile(r"[/\\\s]+")
_FIELD_CODE = re.compile('\ufddfHYPERLINK "[^"]*"')  # a link's target before its text: not words


def parse_one(data: bytes, name: str) -> list[ParsedPage] | None:
    """The section's pages, or None (said why)."""
    if not data:
        warn(f"{name}: empty file (0 bytes), skipped", file=name, reason="empty")
        return None
    try:
        pages = list(load_section(data))
    except IncorrectPasswordException:
        said = "a password-protected OneNote section (unlock it in OneNote and save a copy)"
        warn(f"{name}: {said}, skipped", file=name, reason="unreadable")
        return None
    except Exception as err:  # a reader of untrusted files: whatever it raises is this file's problem
        said = describe_error(err)
        warn(f"{name}: not a readable OneNote section ({said}), skipped", file=name, reason="unreadable")
        return None
    where = " / ".join(name.rsplit(".", 1)[0].split("/"))  # section groups are folders
    keys: dict[str, int] = {}
    readers = [_Page(name, number) for number in range(1, len(pages) + 1)]
    parsed = [reader.read(page, where, keys) for reader, page in zip(readers, pages, strict=True)]
    if attached := sorted({file for reader in readers for file in reader.attached}):
        listed = ", ".join(attached)
        message = f"{name}: attached files not read: {listed}"
        warn(message, file=name, reference=listed, reason="unsupported type")
    return parsed


def load_section(data: bytes) -> Document:
    """The section's pages as aspose-note's document tree (tests build one with its API: no tool here
    writes OneNote's binary format)."""
    return Document(io.BytesIO(data))


class _Page:
    def __init__(self, name: str, number: int) -> None:
        self.name, self.number = name, number
        self.items: list[str | EmbeddedImage] = []
        self.tags: list[str] = []
        self.attached: list[str] = []
        self.pictures = 0

    def read(self, page, where: str, keys: dict[str, int]) -> ParsedPage:
        title = _title(page)
        for child in page:
            if isinstance(child, Outline):
                for element in child:
                    self._element(element, 0)
        key = _KEY_UNSAFE.sub(" ", title).strip() or f"page {self.number}"
        keys[key] = keys.get(key, 0) + 1
        key = key if keys[key] == 1 else f"{key} ({keys[key]})"  # two pages of one title stay two
        properties = {"notebook": where}
        if page.CreationTime:
            properties["created"] = page.CreationTime.isoformat()
        if page.Author:
            properties["author"] = page.Author
        meta = {"tags": list(dict.fromkeys(self.tags)), "properties": properties}
        items = [f"# {title}\n\n", *self.items] if title else self.items  # an empty page: said by the build
        return ParsedPage(tuple(items), title=title, meta=meta, key=key)

    def _element(self, element, depth: int) -> None:
        for child in element:
            if isinstance(child, OutlineElement):
                self._element(child, depth + 1)
            elif isinstance(child, RichText):
                self._tags(child)
                if text := _FIELD_CODE.sub("", child.Text).strip():
                    self._text("  " * depth + text.replace("\v", "\n") + "\n")
            elif isinstance(child, Table):
                self._text("\n" + "\n".join(self._row(row) for row in child) + "\n\n")
            elif isinstance(child, Image):
                self._tags(child)
                self._picture(child)
            elif isinstance(child, AttachedFile):
                self.attached.append(child.FileName or "a file without a name")

    def _row(self, row) -> str:
        cells = []
        for cell in row:
            texts = [r.Text.strip() for r in cell.GetChildNodes(RichText) if r.Text.strip()]
            cells.append(" ".join(texts))
            for image in cell.GetChildNodes(Image):  # a picture in a cell: placed after its row's text
                self._picture(image)
        return " | ".join(cells)

    def _picture(self, image) -> None:
        self.pictures += 1
        data = image.Bytes or b""
        mime = _sniffed(data)
        if mime not in PICTURE_TYPES:
            written = f"picture {self.pictures} ({image.FileName or 'no name'})"
            warn(f"{self.name}: image skipped, {written}: not a picture type we read", file=self.name,
                 reference=written, reason="unsupported type")  # fmt: skip
            return
        self.items.append(EmbeddedImage(mime, _base64(data), f"page {self.number}, picture {self.pictures}"))
        described = (image.AlternativeTextTitle, image.AlternativeTextDescription)
        if alt := " ".join(part for part in described if part).strip():
            self._text(alt + "\n")

    def _tags(self, node) -> None:
        self.tags += [" ".join(tag.Label.split()) for tag in getattr(node, "Tags", []) or [] if tag.Label]

    def _text(self, text: str) -> None:
        add_text(self.items, text)


def _title(page) -> str:
    title = page.Title or next((child for child in page if isinstance(child, Title)), None)
    text = title.TitleText.Text if title is not None and title.TitleText is not None else ""
    return " ".join(_FIELD_CODE.sub("", text).split())


def _sniffed(data: bytes) -> str:
    try:
        with PILImage.open(io.BytesIO(data)) as picture:
            return picture.get_format_mimetype() or ""
    except Exception:  # EMF, a damaged picture: not one we read
        return ""


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
