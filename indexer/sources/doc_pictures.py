"""A Word 97-2003 document's pictures ([MS-DOC], [MS-ODRAW]), where the text has them.

An inline picture is a 0x01 character whose properties point into the Data stream: a PICF header,
then an OfficeArt shape and the picture store entry (FBSE) holding the picture itself (a BLIP). A
floating picture is a 0x08 character anchoring a shape (the table stream's PlcSpaMom gives its shape
id); the shape's `pib` property numbers a picture in the drawing's store (in the table stream's
OfficeArt content), kept there or in the WordDocument stream. A BLIP is JPEG, PNG, TIFF or a DIB
(stored as a BMP) — these are kept as the pictures of the document — or an EMF, WMF or Mac PICT
drawing (clip art, a pasted chart, an equation's face), which is said "unsupported type" as the
`.docx` reader says it.
"""

from __future__ import annotations

import base64
import struct

from indexer.sources.base import EmbeddedImage
from indexer.sources.doc_binary import Fib, structure
from indexer.sources.docx import Noted
from indexer.sources.embedded import PICTURE_TYPES

_BITMAPS = {0xF01D: "image/jpeg", 0xF02A: "image/jpeg", 0xF01E: "image/png", 0xF029: "image/tiff"}
_DIB = 0xF01F
_DRAWINGS = {0xF01A: "image/x-emf", 0xF01B: "image/x-wmf", 0xF01C: "image/x-pict"}
_SHAPE_FILE, _SHAPE = 0x66, 0x64  # PICF mm values of an OfficeArt picture (others: a bare metafile)
_FBSE, _SP_CONTAINER, _GROUP, _FSP, _FOPT = 0xF007, 0xF004, 0xF003, 0xF00A, 0xF00B
_PIB = 0x0104  # the shape property naming its picture in the store


def _records(buf: bytes, start: int, end: int):
    """(type, instance, data start, data end) of the OfficeArt records in `buf[start:end]`."""
    at = start
    while at + 8 <= min(end, len(buf)):
        ver_instance, kind, size = struct.unpack_from("<HHI", buf, at)
        stop = min(at + 8 + size, end)
        yield kind, ver_instance, at + 8, stop
        at += 8 + size


def _blip(buf: bytes, start: int, end: int, written: str) -> Noted | None:
    """The first picture among the records in `buf[start:end]` (inside a picture store entry)."""
    for kind, ver_instance, first, stop in _records(buf, start, end):
        if kind == _FBSE and stop - first > 36:
            return _blip(buf, first + 36 + buf[first + 33], stop, written)
        if kind in _DRAWINGS:
            return EmbeddedImage(_DRAWINGS[kind], "", written)
        if kind in _BITMAPS or kind == _DIB:
            uids = 2 if (ver_instance >> 4) & 1 else 1  # an odd instance carries a second UID
            data = buf[first + 16 * uids + 1 : stop]
            mime = _BITMAPS.get(kind, "image/bmp")
            if kind == _DIB:
                data = _bmp(data)
            payload = base64.b64encode(data).decode("ascii") if mime in PICTURE_TYPES else ""
            return EmbeddedImage(mime, payload, written)
        if ver_instance & 0xF == 0xF:  # a container: look inside
            if (found := _blip(buf, first, stop, written)) is not None:
                return found
    return None


def _bmp(dib: bytes) -> bytes:
    """A device-independent bitmap as a .bmp file: the file header Word leaves out, put back."""
    if len(dib) < 40:
        return dib
    header = struct.unpack_from("<I", dib, 0)[0]
    bits, compression = struct.unpack_from("<HI", dib, 14)
    used = struct.unpack_from("<I", dib, 32)[0]
    palette = (used or (1 << bits if bits <= 8 else 0)) * 4 + (12 if compression == 3 and header == 40 else 0)
    return b"BM" + struct.pack("<IHHI", 14 + len(dib), 0, 0, 14 + header + palette) + dib


class Pictures:
    """The document's pictures, found by where the text has them; `found` in reading order."""

    def __init__(self, stream: bytes, table: bytes, data: bytes, fib: Fib) -> None:
        self.stream, self.table, self.data = stream, table, data
        self.found: list[Noted] = []
        spa = structure(table, fib, "plc_spa_mom")
        count = (len(spa) - 4) // 30 if len(spa) >= 30 else 0
        cps = struct.unpack_from(f"<{count}i", spa) if count else ()
        self.anchors = {  # CP of a 0x08 -> the shape id (the SPA's first field) anchored there
            cp: struct.unpack_from("<I", spa, (count + 1) * 4 + i * 26)[0] for i, cp in enumerate(cps)
        }
        self.store: list[tuple[int, int]] = []  # each stored picture's FBSE record (data start, end)
        self.shapes: dict[int, list[int]] = {}  # shape id -> the pictures (pib) it shows
        if self.anchors:
            self._drawings(*fib.places.get("dgg_info", (0, 0)))

    def written(self) -> str:
        return f"picture {len(self.found) + 1}"

    def inline(self, offset: int) -> Noted | None:
        """The picture whose PICF is at `offset` in the Data stream."""
        if offset + 8 > len(self.data):
            return ("missing", f"{self.written()}: its data is not in the document")
        size, header, mm = struct.unpack_from("<IHH", self.data, offset)  # lcb, cbHeader, mfpf.mm
        if mm not in (_SHAPE, _SHAPE_FILE):
            return EmbeddedImage("image/x-wmf", "", self.written())  # an old-style bare metafile
        start = offset + header
        if mm == _SHAPE_FILE and start < len(self.data):
            start += 1 + self.data[start]  # the picture's file name
        # None: a shape that stores no picture (Word's inline horizontal line is such a frame)
        return _blip(self.data, start, offset + size, self.written())

    def floating(self, cp: int) -> list[Noted]:
        """The pictures of the shape anchored at `cp` (none for a text box, a line, a shape)."""
        found = []
        for pib in self.shapes.get(self.anchors.get(cp, -1), []):
            if not 1 <= pib <= len(self.store):
                found.append(("missing", f"{self.written()}: not in the document's picture store"))
                continue
            first, stop = self.store[pib - 1]
            written = f"picture {len(self.found) + len(found) + 1}"
            if stop - first > 36:  # kept in the store entry itself
                picture = _blip(self.table, first + 36 + self.table[first + 33], stop, written)
            else:  # kept in the WordDocument stream at foDelay
                delay = struct.unpack_from("<I", self.table, first + 28)[0]
                picture = (
                    _blip(self.stream, delay, len(self.stream), written) if delay < len(self.stream) else None
                )
            missing = ("missing", f"{written}: its data is not in the document")
            found.append(picture if picture is not None else missing)
        return found

    def _drawings(self, fc: int, lcb: int) -> None:
        """The picture store and the shapes' pictures, from the table stream's OfficeArt content: a
        DggContainer (holding the store), then each drawing as one label byte and a DgContainer."""
        end = min(fc + lcb, len(self.table))
        at = fc
        while at + 8 <= end:
            kind, _, first, stop = next(_records(self.table, at, end))
            if kind == 0xF000:
                for inner, _, a, b in _records(self.table, first, stop):
                    if inner == 0xF001:
                        self.store = [(x, y) for k, _, x, y in _records(self.table, a, b) if k == _FBSE]
            else:
                self._shapes(first, stop)
            at = stop
            if at < end and self.table[at] in (0, 1) and at + 9 <= end:
                at += 1  # the next drawing's label (main document or headers)

    def _shapes(self, start: int, end: int) -> list[int]:
        """Record each shape's pictures, a group's under its own id too; the pictures found."""
        pibs: list[int] = []
        for kind, ver_instance, first, stop in _records(self.table, start, end):
            if kind == _SP_CONTAINER:
                spid, own = self._shape(first, stop)
                self.shapes[spid] = own
                pibs += own
            elif kind == _GROUP:
                inner = self._shapes(first, stop)
                head = next(_records(self.table, first, stop), None)
                if head is not None and head[0] == _SP_CONTAINER:
                    self.shapes[self._shape(head[2], head[3])[0]] = inner
                pibs += inner
            elif ver_instance & 0xF == 0xF:
                pibs += self._shapes(first, stop)
        return pibs

    def _shape(self, start: int, end: int) -> tuple[int, list[int]]:
        spid, pibs = -1, []
        for kind, ver_instance, first, _stop in _records(self.table, start, end):
            if kind == _FSP and first + 4 <= end:
                spid = struct.unpack_from("<I", self.table, first)[0]
            elif kind == _FOPT:
                for i in range(ver_instance >> 4):
                    if first + i * 6 + 6 > end:
                        break
                    opid, value = struct.unpack_from("<HI", self.table, first + i * 6)
                    if opid & 0x3FFF == _PIB:
                        pibs.append(value)
        return spid, pibs
