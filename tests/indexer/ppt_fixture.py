"""Tiny PowerPoint 97-2003 presentations built here, record by record ([MS-PPT], [MS-ODRAW]): no tool
available writes `.ppt`, and a file copied from a repository would test someone else's deck.

`ppt_file` writes a compound file (`doc_fixture.compound_file`) holding a PowerPoint Document stream
(a document with its drawing group's picture store and slide lists, slides and notes pages whose
shapes hold their text and pictures, a persist directory and the save record pointing at it), a
Current User stream and a Pictures stream of BLIPs.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from doc_fixture import compound_file, summary_information

TITLE, BODY, NOTES, OTHER = 0, 1, 2, 4  # TextHeaderAtom text types
DATE_PLACEHOLDER = 0x07
PNG_BLIP, EMF_BLIP = (6, 0xF01E, 0x6E0), (2, 0xF01A, 0x3D4)  # (BSE kind, BLIP record type, instance)


def rec(kind: int, data: bytes = b"", instance: int = 0, container: bool = False) -> bytes:
    return struct.pack("<HHI", instance << 4 | (0xF if container else 0), kind, len(data)) + data


@dataclass
class Box:
    """A shape: text of a type at a place, or a picture (1-based in the store), or both."""

    top: int
    left: int = 100
    text: str = ""
    text_type: int = OTHER
    picture: int = 0
    placeholder: int | None = None  # OEPlaceholderAtom's type
    field_at: int | None = None  # a slide number field's "*" at this position of the text


@dataclass
class Slide:
    boxes: list[Box]
    notes: str = ""


@dataclass
class Deck:
    slides: list[Slide]
    pictures: list[tuple[tuple[int, int, int], bytes]] = field(default_factory=list)  # (kind, bytes)
    encrypted: bool = False
    picture_past_end: bool = False  # the picture store points past the Pictures stream (damaged)
    properties: tuple[str, str, str] | None = None  # title, author, keywords (SummaryInformation)


def _shape(box: Box) -> bytes:
    parts = rec(0xF00A, struct.pack("<II", 1024, 0xA00))  # FSP: shape id, flags
    if box.picture:
        parts += rec(0xF00B, struct.pack("<HI", 0x4104, box.picture), instance=1)  # pib, a blip id
    parts += rec(0xF010, struct.pack("<hhhh", box.top, box.left, box.left + 400, box.top + 100))
    if box.placeholder is not None:
        atom = rec(0x0BC3, struct.pack("<iBBH", -1, box.placeholder, 0, 0))
        parts += rec(0xF011, atom, container=True)
    if box.text:
        inner = rec(0x0F9F, struct.pack("<I", box.text_type))
        inner += rec(0x0FA0, box.text.replace("\n", "\r").encode("utf-16-le"))
        if box.field_at is not None:
            inner += rec(0x0FD8, struct.pack("<i", box.field_at))  # SlideNumberMCAtom
        parts += rec(0xF00D, inner, container=True)
    return rec(0xF004, parts, container=True)


def _drawing(boxes: list[Box]) -> bytes:
    group = rec(0xF004, rec(0xF009, bytes(16)) + rec(0xF00A, struct.pack("<II", 1024, 0x5)), container=True)
    shapes = rec(0xF003, group + b"".join(_shape(b) for b in boxes), container=True)
    return rec(0x040C, rec(0xF002, rec(0xF008, bytes(8)) + shapes, container=True), container=True)


def ppt_file(deck: Deck) -> bytes:
    """The presentation's bytes."""
    pictures, entries = b"", b""
    for (kind, blip_type, instance), data in deck.pictures:
        at = len(pictures) + (10_000 if deck.picture_past_end else 0)
        bse = struct.pack("<BB16sHIII", kind, kind, bytes(16), 0, len(data) + 25, 1, at) + bytes(4)
        entries += rec(0xF007, bse, instance=kind, container=False)
        pictures += rec(blip_type, bytes(16) + b"\xff" + data, instance=instance)
    store = rec(0xF001, entries, instance=len(deck.pictures), container=True)
    dgg = rec(0xF000, rec(0xF006, bytes(16)) + store, container=True)
    # persist ids: 1 the document, then each slide, then each notes page
    slides_list = notes_list = b""
    count = len(deck.slides)
    for i, _slide in enumerate(deck.slides):
        slides_list += rec(0x03F3, struct.pack("<IIiII", 2 + i, 0, 0, 256 + i, 0))
        notes_list += rec(0x03F3, struct.pack("<IIiII", 2 + count + i, 0, 0, 512 + i, 0))
    document = rec(
        0x03E8,
        rec(0x03E9, bytes(40))
        + rec(0x040B, dgg, container=True)
        + rec(0x0FF0, slides_list, instance=0, container=True)
        + rec(0x0FF0, notes_list, instance=2, container=True)
        + rec(0x03EA),
        container=True,
    )
    stream, offsets = b"", []
    for part in [document]:
        offsets.append(len(stream))
        stream += part
    for i, slide in enumerate(deck.slides):
        atom = rec(0x03EF, struct.pack("<I8sIIHH", 0, bytes(8), 0, 512 + i, 0, 0))
        offsets.append(len(stream))
        stream += rec(0x03EE, atom + _drawing(slide.boxes), container=True)
    for slide in deck.slides:
        notes = [Box(500, text=slide.notes, text_type=NOTES)] if slide.notes else []
        offsets.append(len(stream))
        stream += rec(0x03F0, rec(0x03F1, bytes(8)) + _drawing(notes), container=True)
    directory_at = len(stream)
    stream += rec(0x1772, struct.pack(f"<I{len(offsets)}I", 1 | len(offsets) << 20, *offsets))
    edit_at = len(stream)
    stream += rec(
        0x0FF5, struct.pack("<IHBBIIIIHH", 256, 0, 0, 3, 0, directory_at, 1, len(offsets) + 1, 1, 0)
    )
    token = 0xF3D1C4DF if deck.encrypted else 0xE391C05F
    current = rec(0x0FF6, struct.pack("<IIIHHBBH", 20, token, edit_at, 0, 0x3F4, 3, 0, 0))
    streams = {"PowerPoint Document": stream, "Current User": current}
    if pictures:
        streams["Pictures"] = pictures
    if deck.properties:
        streams["\x05SummaryInformation"] = summary_information(*deck.properties)
    return compound_file(streams)
