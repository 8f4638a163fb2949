"""The binary records of a PowerPoint 97-2003 presentation ([MS-PPT]) that `ppt.py` reads: the
"PowerPoint Document" stream is a tree of records (an 8-byte header: version and instance, type,
length; a container's data is more records), found through the persist directory the last save
wrote (Current User -> UserEditAtom -> PersistDirectoryAtom, each older save's entries under the
newer's), and the pictures' BLIPs in the "Pictures" stream, found through the drawing group's
picture store.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

# Record types
DOCUMENT, SLIDE, SLIDE_ATOM, NOTES = 0x03E8, 0x03EE, 0x03EF, 0x03F0
SLIDE_PERSIST, SLIDE_LIST, USER_EDIT, PERSIST_DIRECTORY = 0x03F3, 0x0FF0, 0x0FF5, 0x1772
PP_DRAWING, PP_DRAWING_GROUP = 0x040C, 0x040B
TEXT_HEADER, TEXT_CHARS, TEXT_BYTES, OUTLINE_TEXT_REF = 0x0F9F, 0x0FA0, 0x0FA8, 0x0F9E
SHAPE, CLIENT_TEXTBOX, CLIENT_ANCHOR, CHILD_ANCHOR, SHAPE_OPTIONS = 0xF004, 0xF00D, 0xF010, 0xF00F, 0xF00B
SHAPE_GROUP, BSTORE, BSE, EXTERNAL_OLE = 0xF003, 0xF001, 0xF007, 0x0FC1
_ENCRYPTED_TOKEN = 0xF3D1C4DF  # Current User's headerToken when the document is encrypted
_PIB = 0x0104  # the shape property holding its picture's 1-based index in the picture store
# BLIP record type -> (MIME type or "" for a kind not read, its name, instance values with two UIDs)
BLIPS = {
    0xF01D: ("image/jpeg", "JPEG", {0x46B, 0x6E3}),
    0xF02A: ("image/jpeg", "JPEG", {0x46B, 0x6E3}),  # CMYK JPEG
    0xF01E: ("image/png", "PNG", {0x6E1}),
    0xF01F: ("", "DIB", {0x7A9}),
    0xF029: ("", "TIFF", {0x6E5}),
    0xF01A: ("", "EMF", {0x3D5}),
    0xF01B: ("", "WMF", {0x217}),
    0xF01C: ("", "PICT", {0x543}),
}


@dataclass(frozen=True)
class Record:
    type: int
    instance: int
    start: int  # of its data, in the stream
    end: int

    def data(self, stream: bytes) -> bytes:
        return stream[self.start : self.end]


class Damaged(ValueError):
    """The stream's records do not hold together (a length past the end, a missing part)."""


def record_at(stream: bytes, offset: int) -> Record:
    if offset < 0 or offset + 8 > len(stream):
        raise Damaged(f"a record at {offset} past the end of the stream ({len(stream)} bytes)")
    version_instance, kind, length = struct.unpack_from("<HHI", stream, offset)
    if offset + 8 + length > len(stream):
        raise Damaged(f"record 0x{kind:04X} at {offset} runs past the end of the stream")
    return Record(kind, version_instance >> 4, offset + 8, offset + 8 + length)


def children(stream: bytes, parent: Record) -> Iterator[Record]:
    """The records inside a container, in order."""
    offset = parent.start
    while offset + 8 <= parent.end:
        record = record_at(stream, offset)
        yield record
        offset = record.end


def walk(stream: bytes, parent: Record, depth: int = 0) -> Iterator[Record]:
    """Every record under `parent`, depth first, in stream order (containers and atoms)."""
    if depth > 32:  # a real file nests a few levels; a loop in damaged data must end
        raise Damaged("records nested too deep")
    for record in children(stream, parent):
        yield record
        if _is_container(stream, record):
            yield from walk(stream, record, depth + 1)


def _is_container(stream: bytes, record: Record) -> bool:
    return stream[record.start - 8] & 0x0F == 0x0F


def persist_offsets(stream: bytes, current_user: bytes) -> tuple[dict[int, int], int]:
    """(persist id -> offset of its record in the stream, the document's persist id), from the last
    save's UserEditAtom and every older one it points back to. Damaged if encrypted (said before)."""
    if len(current_user) < 20:
        raise Damaged("no Current User stream")
    token, edit_offset = struct.unpack_from("<II", current_user, 12)
    if token == _ENCRYPTED_TOKEN:
        raise Damaged("encrypted")
    offsets: dict[int, int] = {}
    document, seen = None, set()
    while edit_offset and edit_offset not in seen:
        seen.add(edit_offset)
        edit = record_at(stream, edit_offset)
        if edit.type != USER_EDIT or edit.end - edit.start < 28:
            raise Damaged(f"no save record (UserEditAtom) at {edit_offset}")
        last_edit, directory_offset, document_id = struct.unpack_from("<III", stream, edit.start + 8)
        document = document if document is not None else document_id
        directory = record_at(stream, directory_offset)
        if directory.type != PERSIST_DIRECTORY:
            raise Damaged(f"no persist directory at {directory_offset}")
        position = directory.start
        while position + 4 <= directory.end:
            (packed,) = struct.unpack_from("<I", stream, position)
            first, count = packed & 0xFFFFF, packed >> 20
            position += 4
            for i in range(count):
                if position + 4 > directory.end:
                    raise Damaged("a persist directory cut short")
                offsets.setdefault(first + i, struct.unpack_from("<I", stream, position)[0])  # newest wins
                position += 4
        edit_offset = last_edit
    if document is None or document not in offsets:
        raise Damaged("no document record")
    return offsets, document


def picture_store(stream: bytes, document: Record) -> list[tuple[int, int]]:
    """The drawing group's picture store: per 1-based picture index, (its BLIP type, its offset in
    the Pictures stream); (0, -1) for an empty slot."""
    group = next((r for r in children(stream, document) if r.type == PP_DRAWING_GROUP), None)
    if group is None:
        return []
    store = next((r for r in walk(stream, group) if r.type == BSTORE), None)
    entries = []
    for entry in children(stream, store) if store is not None else ():
        if entry.type != BSE or entry.end - entry.start < 36:
            entries.append((0, -1))
            continue
        win32, _mac = stream[entry.start], stream[entry.start + 1]
        (delay,) = struct.unpack_from("<I", stream, entry.start + 28)
        entries.append((0xF018 + win32, delay))  # msoblipJPEG = 5 -> 0xF01D, PNG = 6 -> 0xF01E ...
    return entries


def blip_bytes(pictures: bytes, offset: int) -> tuple[str, str, bytes]:
    """(MIME type or "", kind, the picture's bytes) of the BLIP record at `offset` in the Pictures
    stream."""
    record = record_at(pictures, offset)
    mime, kind, two_uids = BLIPS.get(record.type, ("", f"0x{record.type:04X}", set()))
    skip = 16 + (16 if record.instance in two_uids else 0) + 1  # the UIDs, then a tag byte
    if record.type in (0xF01A, 0xF01B, 0xF01C):  # metafiles: a 34-byte header instead of the tag
        skip = skip - 1 + 34
    return mime, kind, record.data(pictures)[skip:]
