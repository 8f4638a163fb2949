"""The text of an iWork document's text storages (`TSWP.StorageArchive`) as page items: paragraphs
with their headings and list items told by style, and what sits in the text (pictures, tables, text
boxes, grouped shapes) where it sits. Read from the objects `iwork_archive.py` gives; `iwork.py` and
`iwork_slides.py` use it for Pages documents and Keynote decks.

A storage's text (field 3) is one string; its paragraph styles (5), list styles (7) and attachments
(9) are tables of (character index, object). A paragraph is a heading when its style (or the style
it varies) is one of Pages' built-in Title and Heading styles, by the style's identifier
(`...paragraphstyle-Heading 2`), which stays English whatever the app's language, or its name; a
list item by its list style's label type (a bullet or a number), not its name ("Bullets", "项目符号")."""

from __future__ import annotations

import base64
import bisect
import re
import struct

from indexer.sources.base import EmbeddedImage, add_text, end_lines
from indexer.sources.embedded import PICTURE_TYPES
from indexer.sources.iwork_archive import (
    IworkError,
    Package,
    fields,
    first,
    reference,
    references,
    repeated,
    suffix_of,
    varint,
)

STORAGE_TYPES = (2001, 2005)  # TSWP.StorageArchive (and its copy kept for pasted text)
IMAGE, SHAPE, GROUP, ATTACHMENT = 3005, 2011, 3008, 2003
SHAPES = (SHAPE, 7, 12)  # TSWP.ShapeInfoArchive, Keynote's placeholders (KN.PlaceholderArchive)
TABLE = 6000  # TST.TableInfoArchive (`iwork_tables.py`)
LEFT_OUT = {  # drawables we do not read -> what to call them
    5021: "charts",
    3007: "videos and audio",
}
_MIME = {ext: mime for mime, ext in PICTURE_TYPES.items() if mime != "image/jpg"} | {".jpeg": "image/jpeg"}
_MIME[".tif"] = "image/tiff"
_ATTACHED = "\ufffc"  # where an attachment (a picture, a text box) sits in the text
_BREAKS = re.compile(r"[\u2028\u2029\x0b\x0c\x0e\x05\x04\x03]")  # line, page, column, section breaks
_CONTROL = re.compile(r"[\x00-\x08\x0f-\x1f\ufeff\ufffe\u200b]")
_HEADING = re.compile(r"paragraphstyle-(title|heading(?: (\d))?)$|^(title|heading(?: (\d))?)$", re.I)


class Reader:
    """Page items of a document's text and drawables; `placed` keeps which objects are read, so what
    is left (floating pictures, text boxes) can come after the text."""

    def __init__(self, package: Package, headings: bool = True) -> None:
        self.package = package
        self.headings = headings  # False: a slide title's or a note's text, without heading marks
        self.items: list = []
        self.placed: set[int] = set()
        self.left_out: set[str] = set()
        self.pictures = 0
        self.shown: set[str] = set()  # Data/ files already read (a logo shown again)

    def storage(self, identifier: int | None) -> None:
        """A storage's paragraphs, in order, with what is attached in them."""
        found = self.package.objects.get(identifier) if identifier is not None else None
        if found is None or found[0] not in STORAGE_TYPES or identifier in self.placed:
            return
        self.placed.add(identifier)
        message = fields(found[1])
        text = "".join(part.decode("utf-8", "replace") for part in message.get(3, []))
        styles, lists = _table(first(message, 5)), _table(first(message, 7))
        attached = dict(_table(first(message, 9)))
        at, counted, item = 0, 0, False
        for paragraph in re.split(r"(?<=[\n\u2029])", text):
            heading = self._heading(_style_at(styles, at)) if self.headings else 0
            label = _label(self.package, _style_at(lists, at))
            written = paragraph.strip(_ATTACHED + " \n\u2028\u2029")
            counted = counted + 1 if label == "1. " else 0
            end_lines(self.items, 1 if item and label and written else 2)  # a list's items: a line each
            item = bool(label and written) or (item and not written)
            if written and (heading or label):
                add_text(self.items, "#" * heading + " " if heading else label.replace("1", str(counted)))
            pieces = re.split(f"({_ATTACHED})", paragraph.rstrip("\n\u2029"))
            if heading or label:  # "##  Title": the spaces that indent it are not words
                pieces[0] = pieces[0].lstrip()
            for offset, piece in enumerate(pieces):
                if piece == _ATTACHED:
                    self.attachment(attached.get(at + len("".join(pieces[:offset]))))
                else:
                    add_text(self.items, _CONTROL.sub("", _BREAKS.sub("\n", piece)))
            end_lines(self.items, 1)
            at += len(paragraph)
        end_lines(self.items, 2)

    def attachment(self, identifier: int | None) -> None:
        found = self.package.objects.get(identifier) if identifier is not None else None
        if found is not None and found[0] == ATTACHMENT:
            self.drawable(reference(found[1], 1))

    def drawable(self, identifier: int | None) -> None:
        """A picture, a shape's text or a group's drawables; kinds not read are counted."""
        found = self.package.objects.get(identifier) if identifier is not None else None
        if found is None or identifier in self.placed:
            return
        kind, message = found
        self.placed.add(identifier)
        if kind == IMAGE:
            self.picture(message)
        elif kind == GROUP:
            for child in in_reading_order(self.package, references(message, 2)):
                self.drawable(child)
        elif kind == TABLE:
            self.table(message)
        elif kind in LEFT_OUT:
            self.left_out.add(LEFT_OUT[kind])
        elif (storage := shape_storage(self.package, kind, message)) is not None:
            end_lines(self.items, 2)
            self.storage(storage)
            end_lines(self.items, 2)

    def table(self, message: bytes) -> None:
        """A table's rows a line each, cells joined by ` | ` (as the spreadsheet reader writes them)."""
        from indexer.sources.iwork_tables import OldTable, table_rows

        try:
            _, rows = table_rows(self.package, message)
        except OldTable:
            self.left_out.add("tables saved before Numbers 5's storage")
            return
        lines = [" | ".join(cells).rstrip(" |") for cells in rows]
        if text := "\n".join(line for line in lines if line.strip(" |")):
            end_lines(self.items, 2)
            add_text(self.items, text + "\n\n")

    def picture(self, message: bytes) -> None:
        self.pictures += 1
        image = fields(message)
        for number in (11, 13, 15, 12):  # data, originalData, adjustedImageData, then its thumbnail
            value = first(image, number)
            if isinstance(value, bytes) and (data := self.package.data(first(fields(value), 1) or 0)):
                break
        else:
            self.left_out.add("pictures whose file is not in the document")
            return
        name, blob = data
        mime = _MIME.get(suffix_of(name))
        if mime is None:
            self.left_out.add(f"{suffix_of(name).lstrip('.').upper() or 'untyped'} pictures")
            return
        if name in self.shown:
            return
        self.shown.add(name)
        end_lines(self.items, 2)
        self.items.append(
            EmbeddedImage(mime, base64.b64encode(blob).decode("ascii"), f"picture {self.pictures}")
        )

    def _heading(self, style: int | None) -> int:
        """Markdown heading level of a paragraph style: Title 1, Heading (1) 2, Heading 2 3 ...; 0."""
        for _ in range(8):  # a variation's parent, and its parent (bounded: a damaged file may loop)
            found = self.package.objects.get(style) if style is not None else None
            if found is None:
                return 0
            super_style = first(fields(found[1]), 1)
            if not isinstance(super_style, bytes):
                return 0
            named = fields(super_style)
            for value in (first(named, 2), first(named, 1)):  # identifier, then name
                text = value.decode("utf-8", "replace").strip() if isinstance(value, bytes) else ""
                if match := _HEADING.search(text):
                    title = (match.group(1) or match.group(3)).lower() == "title"
                    level = int(match.group(2) or match.group(4) or 1)
                    return 1 if title else min(level + 1, 6)
            style = reference(super_style, 3)
        return 0


def shape_storage(package: Package, kind: int, message: bytes) -> int | None:
    """The text storage a shape, text box or (Keynote) placeholder owns, if any."""
    if kind not in SHAPES:
        return None
    for _ in range(3):  # a placeholder's super is a ShapeInfoArchive: owned storage 4 (2: before)
        for number in (4, 2):
            target = reference(message, number)
            if target is not None and package.objects.get(target, (0,))[0] in STORAGE_TYPES:
                return target
        try:
            inner = first(fields(message), 1)
        except IworkError:
            return None
        if not isinstance(inner, bytes):
            return None
        message = inner
    return None


def position(package: Package, identifier: int) -> tuple[float, float]:
    """(y, x) of a drawable on its page or slide: its geometry's position (a `TSP.Point` of two
    floats), found down its supers' first fields; (0, 0) when it has none."""
    message = package.objects.get(identifier, (0, b""))[1]
    try:
        for _ in range(5):
            inner = first(fields(message), 1)
            if not isinstance(inner, bytes):
                break
            point = fields(inner)
            if point and all(isinstance(v, int) for values in point.values() for v in values):
                x, y = (struct.unpack("<f", struct.pack("<I", first(point, n) or 0))[0] for n in (1, 2))
                return (y, x)
            message = inner
    except (IworkError, struct.error):
        pass
    return (0.0, 0.0)


def in_reading_order(package: Package, drawables: list[int]) -> list[int]:
    """Top to bottom, then left to right, as the PowerPoint reader orders shapes."""
    return sorted(drawables, key=lambda d: position(package, d))


def _label(package: Package, style: int | None) -> str:
    """A list item's mark by its list style's first level (`TSWP.ListStyleArchive` 2023, its label
    types 11: 0 none, 1 a bullet picture, 2 a bullet character, 3 a number or letter): "- ", "1. ",
    or "" for a paragraph in no list."""
    found = package.objects.get(style) if style is not None else None
    if found is None or found[0] != 2023:
        return ""
    values = fields(found[1]).get(11, [])
    if values and isinstance(values[0], bytes):  # packed
        values = [varint(values[0], 0)[0]] if values[0] else []
    kind = values[0] if values else 0
    return {1: "- ", 2: "- ", 3: "1. "}.get(kind, "")


def _table(table: bytes | None) -> list[tuple[int, int | None]]:
    """(character index, object) entries of a `TSWP.ObjectAttributeTable`, in order."""
    if not isinstance(table, bytes):
        return []
    return [(first(fields(entry), 1) or 0, reference(entry, 2)) for entry in repeated(table, 1)]


def _style_at(styles: list[tuple[int, int | None]], index: int) -> int | None:
    """The object of the last entry starting at or before `index` (entries are in text order)."""
    at = bisect.bisect_right(styles, index, key=lambda entry: entry[0])
    return styles[at - 1][1] if at else None
