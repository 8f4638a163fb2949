"""PowerPoint 97-2003 presentations (`.ppt`): a course's older slides, a talk from before 2007,
read from the binary format ([MS-PPT]) by our own small reader: no library here reads it (python-pptx
reads `.pptx` only) and a user has no LibreOffice to convert with.

A deck reads as a `.pptx` does (`powerpoint.py`): one document, each slide a section under its title
(`## Slide 3` when it has none), its text boxes and pictures in reading order (top to bottom, then
left to right; a group's shapes where the group sits), then its speaker notes (`Notes: ...`). The
master's date, footer and slide number are not read. JPEG and PNG pictures are read from the
Pictures stream; EMF, WMF, PICT, TIFF and DIB pictures and embedded objects (charts, workbooks) are
said once per deck ("unsupported type"); a picture the deck shows again (a logo on every slide) is
read where it first appears. The title is the title property when a slide says it, else the first
slide's title, or its top line when it has none (a title slide typed in text boxes), or the file's
name when that says more (`titles.deck_title`); its keywords are its tags, its author kept. Records
are read in `ppt_records.py`, shapes in `ppt_slides.py`.

Said by name: an empty file, a password-protected deck, a Word or Excel file under a `.ppt` name, a
PowerPoint 95 or older file (no PowerPoint Document stream of this format), and a damaged one. A
`.pptx` under a `.ppt` name is read as the `.pptx` it is.
"""

from __future__ import annotations

import base64
import io
import re
import struct
import zipfile

from indexer.sources.base import EmbeddedImage, ParsedPage, add_text, end_lines, warn
from indexer.sources.doc_properties import summary
from indexer.sources.docx import OLE_SIGNATURE, says_title
from indexer.sources.plain import MAX_TITLE_CHARS
from indexer.sources.ppt_records import (
    DOCUMENT,
    NOTES,
    SLIDE,
    SLIDE_ATOM,
    SLIDE_LIST,
    SLIDE_PERSIST,
    TEXT_BYTES,
    TEXT_CHARS,
    TEXT_HEADER,
    Damaged,
    blip_bytes,
    children,
    persist_offsets,
    picture_store,
    record_at,
)
from indexer.sources.ppt_slides import NOTES_TEXT, TITLES, Shape, clean, slide_shapes
from indexer.sources.titles import deck_title

_SUMMARY = "\x05SummaryInformation"
_OTHER_OFFICE = {"WordDocument": "a Word 97-2003 document", "Workbook": "an Excel 97-2003 workbook"}


def parse_ppt(data: bytes, name: str) -> ParsedPage | None:
    """The presentation's page, or None (said why) when it is not read."""
    if not data:
        warn(f"{name}: empty file (0 bytes), skipped", file=name, reason="empty")
        return None
    if data.startswith(b"PK\x03\x04") and zipfile.is_zipfile(io.BytesIO(data)):
        from indexer.sources.powerpoint import parse_pptx

        return parse_pptx(data, name)  # a .pptx under an old name: read as what it is
    try:
        return _parse(data, name)
    except _NotRead as said:
        warn(f"{name}: {said.message}, skipped", file=name, reason=said.reason)
    except (Damaged, struct.error, IndexError, UnicodeError) as err:
        warn(
            f"{name}: a damaged PowerPoint 97-2003 presentation ({err}), skipped",
            file=name,
            reason="unreadable",
        )
    return None


class _NotRead(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason, self.message = reason, message


def _parse(data: bytes, name: str) -> ParsedPage:
    import olefile  # here: only an old Office file needs it

    if not data.startswith(OLE_SIGNATURE):
        raise _NotRead(
            "unreadable", "not a PowerPoint presentation (no Office 97-2003 file, or a damaged one)"
        )
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except (OSError, ValueError) as err:
        raise _NotRead("unreadable", f"a damaged Office 97-2003 file ({err})") from err
    with ole:
        if ole.exists("EncryptedSummary"):
            raise _NotRead("unreadable", "password-protected; save a copy without a password")
        if not ole.exists("PowerPoint Document"):
            other = next((said for stream, said in _OTHER_OFFICE.items() if ole.exists(stream)), "")
            if other:
                raise _NotRead("unsupported type", f"{other} under a .ppt name")
            raise _NotRead(
                "unsupported type", "not a PowerPoint 97-2003 presentation (PowerPoint 95 or older?)"
            )
        stream = ole.openstream("PowerPoint Document").read()
        current = ole.openstream("Current User").read() if ole.exists("Current User") else b""
        pictures = ole.openstream("Pictures").read() if ole.exists("Pictures") else b""
        facts = summary(ole.openstream(_SUMMARY).read()) if ole.exists(_SUMMARY) else {}
    try:
        offsets, document_id = persist_offsets(stream, current)
    except Damaged as err:
        if str(err) == "encrypted":
            raise _NotRead("unreadable", "password-protected; save a copy without a password") from err
        raise
    deck = _Deck(stream, offsets, pictures, name)
    deck.read(record_at(stream, offsets[document_id]))
    if deck.left_out:
        kinds = ", ".join(sorted(deck.left_out))
        warn(f"{name}: not read: {kinds}", file=name, reference=kinds, reason="unsupported type")
    page = ParsedPage(tuple(deck.items))
    title = facts.get("title", "")
    said = says_title(page, title) and not re.fullmatch(r"Slide \d+", title)  # not our own heading
    meta = {key: facts[key] for key in ("tags", "properties") if facts.get(key)}  # keywords, author
    return ParsedPage(page.items, title=deck_title(title if said else deck.first_title, name), meta=meta)


class _Deck:
    def __init__(self, stream: bytes, offsets: dict[int, int], pictures: bytes, name: str) -> None:
        self.stream, self.offsets, self.pictures, self.name = stream, offsets, pictures, name
        self.items: list = []
        self.left_out: set[str] = set()
        self.first_title = ""
        self.store: list[tuple[int, int]] = []
        self.placed: set[int] = set()  # pictures already in the deck's text (by their store index)

    def read(self, document) -> None:
        if document.type != DOCUMENT:
            raise Damaged("the persist directory does not point at the document")
        self.store = picture_store(self.stream, document)
        lists = {r.instance: r for r in children(self.stream, document) if r.type == SLIDE_LIST}
        notes = {slide_id: persist for persist, slide_id, _ in self._listed(lists.get(2))}
        for number, (persist, _, texts) in enumerate(self._listed(lists.get(0)), 1):
            slide = self._record(persist, SLIDE)
            if slide is not None:
                self._slide(slide, number, texts, notes)

    def _listed(self, slide_list):
        """(persist id, slide id, its texts in the list) for each slide of a slide list."""
        found = []
        for record in children(self.stream, slide_list) if slide_list is not None else ():
            data = record.data(self.stream)
            if record.type == SLIDE_PERSIST and len(data) >= 16:
                persist, _flags, _count, slide_id = struct.unpack_from("<IIiI", data)
                found.append((persist, slide_id, []))
            elif found and record.type == TEXT_HEADER and len(data) >= 4:
                found[-1][2].append((struct.unpack_from("<I", data)[0], ""))
            elif found and found[-1][2] and record.type in (TEXT_CHARS, TEXT_BYTES):
                text = (
                    data.decode("utf-16-le", errors="replace")
                    if record.type == TEXT_CHARS
                    else data.decode("latin-1")
                )
                kind, before = found[-1][2][-1]
                found[-1][2][-1] = (kind, before + text)
        return found

    def _record(self, persist: int, kind: int):
        offset = self.offsets.get(persist)
        record = record_at(self.stream, offset) if offset is not None else None
        return record if record is not None and record.type == kind else None

    def _slide(self, slide, number: int, texts, notes: dict[int, int]) -> None:
        shapes = [s for s in slide_shapes(self.stream, slide, texts) if not s.repeated]
        title = next((s for s in shapes if s.text_type in TITLES and s.text), None)
        heading = " ".join(title.text.split()) if title else ""
        others = sorted((s for s in shapes if s is not title), key=lambda s: (s.top, s.left))
        if number == 1 and not heading:  # a title slide typed in text boxes: its top line
            lines = (line for s in others for line in s.text.splitlines())
            top = (t for t in lines if len(t) > 1 and not t.isdigit() and len(t) <= MAX_TITLE_CHARS)
            self.first_title = next(top, "")
        self.first_title = self.first_title or heading
        end_lines(self.items, 2)
        add_text(self.items, f"## {heading or f'Slide {number}'}\n\n")
        for shape in others:
            self._shape(shape)
        atom = next((r for r in children(self.stream, slide) if r.type == SLIDE_ATOM), None)
        if atom is not None and atom.end - atom.start >= 20:
            notes_id = struct.unpack_from("<I", self.stream, atom.start + 16)[0]
            page = self._record(notes[notes_id], NOTES) if notes_id in notes else None
            said = (
                [s.text for s in slide_shapes(self.stream, page, []) if s.text_type == NOTES_TEXT]
                if page
                else []
            )
            if text := "\n".join(t for t in said if t):
                end_lines(self.items, 2)
                add_text(self.items, "Notes: " + text + "\n\n")

    def _shape(self, shape: Shape) -> None:
        if shape.embedded:
            self.left_out.add("embedded objects")
        elif shape.picture and shape.picture not in self.placed:  # a logo on every slide: once
            self.placed.add(shape.picture)
            self._picture(shape.picture)
        if shape.text:
            end_lines(self.items, 2)
            add_text(self.items, clean(shape.text) + "\n\n")

    def _picture(self, index: int) -> None:
        kind, offset = self.store[index - 1] if 0 < index <= len(self.store) else (0, -1)
        if offset < 0 or not self.pictures:
            warn(f"{self.name}: image skipped, picture {index} is not in the file", file=self.name,
                 reference=f"picture {index}", reason="missing")  # fmt: skip
            return
        try:
            mime, name, picture = blip_bytes(self.pictures, offset)
        except Damaged:  # one picture's record cut or misplaced: the slides are still read
            warn(f"{self.name}: image skipped, picture {index} is damaged", file=self.name,
                 reference=f"picture {index}", reason="unreadable")  # fmt: skip
            return
        if not mime:
            self.left_out.add(f"{name} pictures")
            return
        written = f"picture {index}"
        self.items.append(EmbeddedImage(mime, base64.b64encode(picture).decode("ascii"), written))
