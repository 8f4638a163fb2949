"""A PowerPoint 97-2003 slide's shapes as `ppt.py` reads them: each shape of its drawing with its
position, its text (kept in the shape since PowerPoint 2002; in the slide list, referenced by an
OutlineTextRefAtom, in files of PowerPoint 97-2000), its placeholder kind and its picture.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from indexer.sources.ppt_records import (
    CHILD_ANCHOR,
    CLIENT_ANCHOR,
    CLIENT_TEXTBOX,
    EXTERNAL_OLE,
    OUTLINE_TEXT_REF,
    PP_DRAWING,
    SHAPE,
    SHAPE_OPTIONS,
    TEXT_BYTES,
    TEXT_CHARS,
    TEXT_HEADER,
    Record,
    children,
    walk,
)

_PLACEHOLDER = 0x0BC3  # OEPlaceholderAtom: which placeholder a shape is
_REPEATED = {0x07, 0x08, 0x09, 0x0A}  # date, slide number, footer, header: the master's, every slide
TITLES = {0, 6}  # TextHeaderAtom's title and centred title
NOTES_TEXT = 2
_PIB = 0x0104
# Slide number, date and time, generic date, header and footer fields: each holds the position of
# the "*" that stands for its value in the text (computed when shown: not words of the slide)
_FIELDS = {0x0FD8, 0x0FF7, 0x0FF8, 0x0FF9, 0x0FFA}


@dataclass
class Shape:
    top: int
    left: int
    text: str = ""
    text_type: int = -1
    picture: int = 0  # 1-based index in the picture store, 0 for none
    embedded: bool = False  # an OLE object (a chart, a workbook): its picture is only a preview
    repeated: bool = False  # the master's date, footer or slide number


def slide_shapes(stream: bytes, slide: Record, listed: list[tuple[int, str]]) -> list[Shape]:
    """The shapes of a slide (or notes page) container in drawing order; `listed`: the slide's
    texts in the slide list, as (text type, text), for shapes that refer to them."""
    drawing = next((r for r in children(stream, slide) if r.type == PP_DRAWING), None)
    if drawing is None:
        return []
    shapes, anchor = [], (0, 0)
    for record in walk(stream, drawing):
        if record.type != SHAPE:
            continue
        shape = _shape(stream, record, listed, anchor)
        if shape.top or shape.left:
            anchor = (shape.top, shape.left)  # a group's children sit where the group does
        shapes.append(shape)
    return shapes


def _shape(stream: bytes, container: Record, listed: list[tuple[int, str]], anchor: tuple[int, int]) -> Shape:
    shape = Shape(*anchor)
    for record in children(stream, container):
        data = record.data(stream)
        if record.type == CLIENT_ANCHOR and len(data) >= 8:
            top, left = struct.unpack_from("<hh", data) if len(data) < 16 else struct.unpack_from("<ii", data)
            shape.top, shape.left = top, left
        elif record.type == CHILD_ANCHOR:
            continue  # in the group's own coordinates: the group's place is used
        elif record.type == SHAPE_OPTIONS:
            shape.picture = _picture_index(data, record.instance)
        elif record.type == CLIENT_TEXTBOX:
            shape.text_type, shape.text = _textbox(stream, record, listed)
        else:  # client data: which placeholder, an embedded object
            for inner in walk(stream, record) if stream[record.start - 8] & 0x0F == 0x0F else ():
                if inner.type == _PLACEHOLDER and inner.end - inner.start >= 5:
                    shape.repeated = stream[inner.start + 4] in _REPEATED
                elif inner.type == EXTERNAL_OLE:
                    shape.embedded = True
    return shape


def _textbox(stream: bytes, box: Record, listed: list[tuple[int, str]]) -> tuple[int, str]:
    kind, parts, fields = -1, [], set()
    for record in children(stream, box):
        data = record.data(stream)
        if record.type in _FIELDS and len(data) >= 4:  # a slide number or date: its "*" stands in
            fields.add(struct.unpack_from("<i", data)[0])
        if record.type == TEXT_HEADER and len(data) >= 4:
            kind = struct.unpack_from("<I", data)[0]
        elif record.type == TEXT_CHARS:
            parts.append(data.decode("utf-16-le", errors="replace"))
        elif record.type == TEXT_BYTES:
            parts.append(data.decode("latin-1"))
        elif record.type == OUTLINE_TEXT_REF and len(data) >= 4:
            index = struct.unpack_from("<i", data)[0]
            if 0 <= index < len(listed):
                kind, text = listed[index]
                parts.append(text)
    text = "".join(parts)
    return kind, clean("".join(c for i, c in enumerate(text) if not (i in fields and c == "*")))


def clean(text: str) -> str:
    """PowerPoint's paragraph marks (CR) and line breaks (VT) as lines; blank lines and the spaces
    closing a line dropped."""
    lines = (line.strip() for line in text.replace("\r", "\n").replace("\v", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def _picture_index(data: bytes, count: int) -> int:
    """The shape's picture (its `pib` property) from its options' fixed part: `count` properties of
    6 bytes each (id with flags, value)."""
    for i in range(min(count, len(data) // 6)):
        prop, value = struct.unpack_from("<HI", data, i * 6)
        if prop & 0x3FFF == _PIB:
            return value
    return 0
