"""PowerPoint presentations (`.pptx`): a course's or a talk's slides, a lab meeting's results, a
training deck with its screenshots, read with python-pptx (the field's reader of the format).

A presentation is one document, read as the Impress reader reads one (`odp.py`): each slide a
section headed by its title (`## Slide 3` when it has none), its text boxes (a bullet's level as its
indent), tables (a row per line, cells joined by ` | `) and pictures in reading order (top to
bottom, then left to right; grouped shapes where the group sits), then the speaker notes
(`Notes: ...`). A hidden slide is read: it is the author's. Pictures PowerPoint keeps as EMF/WMF
(pasted drawings, an icon's fallback), charts, SmartArt diagrams, embedded objects, videos and audio
are reported once per presentation by kind ("unsupported type"); a picture linked to a file outside
the presentation is "missing". Slide numbers, dates and footers the master repeats on every slide are
not read. The title is the title property when a slide says it, else the first slide's title with
the first line of its subtitle ("Advanced Programming: Lab 4, CMake": a course's decks share the
title); the keywords property gives the tags.

A file that is no readable presentation is said by name: empty, not a zip, an old `.ppt` or a
password-protected one (both OLE compound files), another Office or OpenDocument file under a
`.pptx` name, a zip that would unpack past the Word reader's limits, or one python-pptx cannot read.
PowerPoint's `~$name.pptx` lock file is passed over as hidden files are (`base.HIDDEN`).
"""

from __future__ import annotations

import base64
import io
import re
import zipfile

from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.enum.shapes import PP_PLACEHOLDER as PP
from pptx.shapes.picture import Picture
from pptx.util import Emu

from indexer.sources.base import EmbeddedImage, ParsedPage, warn
from indexer.sources.docx import MAX_UNPACKED_BYTES, describe_error
from indexer.sources.embedded import PICTURE_TYPES

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
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
_KEYWORD_SEPARATORS = re.compile(r"[;,]")


def parse_pptx(data: bytes, name: str) -> ParsedPage | None:
    """The presentation's page, or None (said why) when it is no readable PowerPoint presentation."""
    if problem := _not_a_presentation(data):
        reason, message = problem
        warn(f"{name}: {message}, skipped", file=name, reason=reason)
        return None
    try:
        deck = Presentation(io.BytesIO(data))
        slides = _Slides(name)
        for number, slide in enumerate(deck.slides, 1):
            slides.read(slide, number)
        properties = deck.core_properties
        title, keywords = properties.title or "", properties.keywords or ""
    except Exception as err:  # a reader of untrusted files: whatever it raises is this file's problem
        said = describe_error(err)
        message = f"{name}: not a readable PowerPoint presentation ({said}), skipped"
        warn(message, file=name, reason="unreadable")
        return None
    if slides.left_out:
        kinds = ", ".join(sorted(slides.left_out))
        warn(f"{name}: not read: {kinds}", file=name, reference=kinds, reason="unsupported type")
    text = "\n".join(item for item in slides.items if isinstance(item, str))
    lines = {line.lstrip("# ").strip() for line in text.split("\n")}
    title = " ".join(title.split())
    tags = [" ".join(k.split()) for k in _KEYWORD_SEPARATORS.split(keywords) if k.strip()]
    return ParsedPage(
        tuple(slides.items),
        title=title if title and title in lines else slides.first_title,
        meta={"tags": list(dict.fromkeys(tags))} if tags else {},
    )


def _not_a_presentation(data: bytes) -> tuple[str, str] | None:
    """(reason, message) when the bytes cannot be a .pptx at all."""
    if not data:
        return "empty", "empty file (0 bytes)"
    if data.startswith(_OLE_SIGNATURE):
        if "EncryptedPackage".encode("utf-16-le") in data:
            return "unreadable", "password-protected (PowerPoint encrypts it); save a copy without a password"
        return "unsupported type", "an old PowerPoint 97-2003 presentation (.ppt) under a .pptx name"
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return "unreadable", "not a PowerPoint presentation (not a zip file, or a damaged one)"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        declared = sum(info.file_size for info in archive.infolist())
    if declared > MAX_UNPACKED_BYTES:
        return "too large", f"its parts unpack to {declared:,} bytes (limit {MAX_UNPACKED_BYTES:,})"
    if "ppt/presentation.xml" in names:
        return None
    if "word/document.xml" in names or "xl/workbook.xml" in names or "mimetype" in names:
        other = "a Word document" if "word/document.xml" in names else "another Office or OpenDocument file"
        return "unsupported type", f"{other} under a .pptx name, not a PowerPoint presentation"
    return "unreadable", "a zip file, but not a PowerPoint presentation (no presentation part)"


class _Slides:
    """The slides' text and pictures in reading order, as page items."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.items: list[str | EmbeddedImage] = []
        self.left_out: set[str] = set()
        self.first_title = ""
        self.pictures = 0

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
        self.items.append(EmbeddedImage(mime, base64.b64encode(image.blob).decode("ascii"), written))

    def _text(self, text: str) -> None:
        if self.items and isinstance(self.items[-1], str):
            self.items[-1] += text
        else:
            self.items.append(text)


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
    return sorted(shapes, key=lambda s: (Emu(s.top or 0), Emu(s.left or 0)))


def _paragraphs(frame) -> str:
    """A text frame's paragraphs, a line each, a bullet's level as its indent; PowerPoint's line
    break inside a paragraph (a vertical tab in python-pptx's text) as a new line."""
    lines = []
    for paragraph in frame.paragraphs:
        text = "".join(run.text for run in paragraph.runs) if paragraph.runs else paragraph.text
        if text := text.replace("\v", "\n").strip():
            lines.append("  " * (paragraph.level or 0) + text)
    return "\n".join(lines)
