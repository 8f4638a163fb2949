"""What the cell reader does not say about an Excel 97-2003 workbook (`.xls`): whether it is
password-protected (calamine only says it "cannot detect the file format") and whether it holds
pictures (kept in an OfficeArt drawing calamine does not read), from the records of its workbook
globals: BIFF records (type, length, data) from BOF to the first EOF, in the OLE file's Workbook
stream (`Book` in Excel 5.0/95). A drawing group is there for comments and charts too: pictures
are the entries of its picture store (BStore), not the group itself."""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass

_FILEPASS = 0x002F  # the workbook is encrypted; its password's verifier follows
_MSODRAWINGGROUP = 0x00EB  # the workbook's OfficeArt drawing group (continued by CONTINUE records)
_CONTINUE = 0x003C
_EOF = 0x000A
_DGG_CONTAINER, _BSTORE_CONTAINER = 0xF000, 0xF001
_MAX_GLOBALS_BYTES = 4_000_000  # the globals of a real workbook are a few KB to a few hundred


@dataclass(frozen=True)
class OldWorkbook:
    encrypted: bool = False
    pictures: int = 0  # entries in the drawing group's picture store


def old_workbook(data: bytes) -> OldWorkbook:
    """What an `.xls` file's workbook globals say; nothing for a file olefile cannot open."""
    import olefile  # here: only an .xls needs it

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            stream = next((name for name in ("Workbook", "Book") if ole.exists(name)), None)
            head = ole.openstream(stream).read(_MAX_GLOBALS_BYTES) if stream else b""
    except (OSError, ValueError, IndexError, struct.error):  # a damaged file: calamine says so
        return OldWorkbook()
    drawing, previous, position = bytearray(), 0, 0
    while position + 4 <= len(head):
        kind, size = struct.unpack_from("<HH", head, position)
        if kind == _FILEPASS:
            return OldWorkbook(encrypted=True)
        if kind == _EOF:
            break
        if kind == _MSODRAWINGGROUP or kind == _CONTINUE and previous == _MSODRAWINGGROUP:
            drawing += head[position + 4 : position + 4 + size]
            kind = _MSODRAWINGGROUP
        previous, position = kind, position + 4 + size
    return OldWorkbook(pictures=_stored_pictures(bytes(drawing)))


def _stored_pictures(drawing: bytes) -> int:
    """The number of entries in the picture store of an OfficeArt drawing group container."""
    if len(drawing) < 8 or struct.unpack_from("<HHI", drawing)[1] != _DGG_CONTAINER:
        return 0
    position = 8
    while position + 8 <= len(drawing):
        version_instance, kind, size = struct.unpack_from("<HHI", drawing, position)
        if kind == _BSTORE_CONTAINER:
            return version_instance >> 4  # recInstance: how many pictures it holds
        position += 8 + size
    return 0
