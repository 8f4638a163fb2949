"""The slides of a PowerPoint deck as page items, read with python-pptx (see `powerpoint.py`, which
imports this module only when a deck is read)."""

from __future__ import annotations

import base64

from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.enum.shapes import PP_PLACEHOLDER as PP
from pptx.shapes.picture import Picture

from indexer.sources.base import EmbeddedImage, add_text, warn
from indexer.sources.embedded import PICTURE_TYPES

_NOT_READ = {  # shapes whose content is no text or picture we read -> what to call them
    MSO_SHAPE_TYPE.CHART: "charts",
    MSO_SHAPE_TYPE.EMBEDDED_OLE_OBJECT: "embedded objects",
    MSO_SHAPE_TYPE.LINKED_OLE_OBJECT: "embedded objects",
    MSO_SHAPE_TYPE.MEDIA: "videos and audio",
    MSO_SHAPE_TYPE.WEB_VIDEO: "videos and audio",
}
# What the master repeats on every slide: not the slide's words
_REPEATED = {PP.SLIDE_NUMBER, PP.DATE, PP.FOOTER, PP.HEADER}
_SMARTART = "http://schemas.openxmlformats.org/drawingml/2006/diagram"


class Slides:
    """The slides' text and pictures in reading order, as page items."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.items: list[str | EmbeddedImage] = []
        self.left_out: set[str] = set()
        self.first_title = ""
        self.pictures = 0
        self.placed: set[str] = set()  # the pictures already in the deck's text, by their SHA-1

    def read(self, slide, number: int) -> None:
        title_shape = slide.shapes.title
        heading = " ".join((title_shape.text_frame.text if title_shape is not None else "").split())
        if number == 1:  # a title slide's subtitle says which talk of a series it is ("Lab 4, CMake")
            subtitle = next((_first_line(s) for s in slide.placeholders if _role(s) == PP.SUBTITLE), "")
            self.first_title = ": ".join(part for part in (heading, subtitle) if part)
        self.first_title = self.first_title or heading
        self._text(f"\n\n## {heading or f'Slide {number}'}\n\n")
        others = [
            s
            for s in slide.shapes
            if (title_shape is None or s.shape_id != title_shape.shape_id) and _role(s) not in _REPEATED
        ]
        for shape in _in_reading_order(others):
            self._shape(shape)
        if slide.has_notes_slide and (frame := slide.notes_slide.notes_text_frame) is not None:
            if notes := frame.text.strip():
                self._text("\n\nNotes: " + notes.replace("\v", "\n") + "\n\n")

    def _shape(self, shape) -> None:
        kind = _kind(shape)
        if kind == MSO_SHAPE_TYPE.GROUP:
            for inner in _in_reading_order(list(shape.shapes)):
                self._shape(inner)
        elif kind in _NOT_READ:
            self.left_out.add(_NOT_READ[kind])
        elif _SMARTART in shape.element.xml[:2000] and not shape.has_text_frame:
            self.left_out.add("SmartArt diagrams")
        elif shape.has_table:
            rows = (" | ".join(" ".join(cell.text.split()) for cell in row.cells) for row in shape.table.rows)
            self._text("\n\n" + "\n".join(rows) + "\n\n")
        elif isinstance(shape, Picture):  # a picture, or a placeholder filled with one
            self._picture(shape)
        if shape.has_text_frame and (text := _paragraphs(shape.text_frame)):
            self._text("\n\n" + text + "\n\n")

    def _picture(self, shape) -> None:
        self.pictures += 1
        written = f"picture {self.pictures}"
        try:
            image = shape.image
        except (KeyError, ValueError):  # linked to a file outside the presentation, or no picture part
            said = f"{written}: linked, not kept in the presentation"
            warn(f"{self.name}: image skipped, {said}", file=self.name, reference=said, reason="missing")
            return
        mime = (image.content_type or "").lower()
        if mime not in PICTURE_TYPES:
            self.left_out.add(f"{image.ext.upper()} pictures" if image.ext else "pictures of other types")
            return
        if image.sha1 in self.placed:  # a logo or banner the deck shows again: read where it first is
            return
        self.placed.add(image.sha1)
        self.items.append(EmbeddedImage(mime, base64.b64encode(image.blob).decode("ascii"), written))

    def _text(self, text: str) -> None:
        add_text(self.items, text)


def _role(shape):
    """A placeholder's type (title, subtitle, slide number...), None for other shapes."""
    return shape.placeholder_format.type if shape.is_placeholder else None


def _first_line(shape) -> str:
    lines = (" ".join(line.split()) for line in shape.text_frame.text.replace("\v", "\n").splitlines())
    return next((line for line in lines if line), "") if shape.has_text_frame else ""


def _kind(shape):
    try:
        return shape.shape_type
    except NotImplementedError:  # python-pptx names no type for some graphic frames (SmartArt)
        return None


def _in_reading_order(shapes: list) -> list:
    """Top to bottom, then left to right (placeholders without a position of their own sit first)."""
    return sorted(shapes, key=lambda s: (s.top or 0, s.left or 0))


def _paragraphs(frame) -> str:
    """A text frame's paragraphs, a line each, a bullet's level as its indent; PowerPoint's line
    break inside a paragraph (a vertical tab in python-pptx's text) as a new line."""
    lines = []
    for paragraph in frame.paragraphs:
        text = "".join(run.text for run in paragraph.runs) if paragraph.runs else paragraph.text
        if text := text.replace("\v", "\n").strip():
            lines.append("  " * (paragraph.level or 0) + text)
    return "\n".join(lines)
