"""The cells of a table inside a Pages document or a Keynote deck (`TST.TableInfoArchive` 6000), read
from the archives' wire format as the rest of those files are (`iwork_archive.py`); numbers-parser
reads only Numbers documents (it refuses a Pages or Keynote file's archives).

A table model (`TST.TableModelArchive` 6001: name 8, row and column counts 6, 7, data store 4) keeps
its cells in tiles of 256 rows (`TST.Tile` 6002); each tile row holds a buffer of cells and their
offsets (16-bit, times 4 when wide; -1 for an empty cell). A cell (storage version 5) says its type
at byte 1 and its flags at bytes 8-11; its values follow in flag order: a decimal128 number (0x1),
a double (0x2), a date's seconds since 2001 (0x4), a string key (0x8) into the table's string list
(`TST.TableDataList` 6005), a rich text key (0x10) into the rich text list, whose payload holds a
text storage. Formulas are read by their results, as Numbers shows them. A table saved before
Numbers 5's storage ("pre-BNC") is said not read.
"""

from __future__ import annotations

import datetime
import struct

from indexer.sources.iwork_archive import Package, fields, first, reference, repeated
from indexer.sources.spreadsheet import cell_text

TILE_ROWS = 256
_EPOCH = datetime.datetime(2001, 1, 1)
_DATE, _BOOL, _DURATION = 5, 6, 7


class OldTable(ValueError):
    """A table kept in the storage before Numbers 5 (not read)."""


def table_rows(package: Package, table_info: bytes) -> tuple[str, list[list[str]]]:
    """(the table's name, its rows of cell texts) of a `TST.TableInfoArchive`'s message."""
    model = package.objects.get(reference(table_info, 2) or 0)
    if model is None:
        return "", []
    found = fields(model[1])
    name = (first(found, 8) or b"").decode("utf-8", "replace")
    columns = first(found, 7) or 0
    store = first(found, 4)
    if not isinstance(store, bytes):
        return name, []
    strings = _list(package, reference(store, 4))
    rich = _list(package, reference(store, 17))
    rows: dict[int, list[str]] = {}
    tiles = first(fields(store), 3)
    for tile_entry in repeated(tiles, 1) if isinstance(tiles, bytes) else []:
        tile_id = first(fields(tile_entry), 1) or 0
        tile = package.objects.get(reference(tile_entry, 2) or 0)
        if tile is None:
            continue
        tile_fields = fields(tile[1])
        if not first(tile_fields, 7):
            raise OldTable("a table in Numbers' storage before version 5")
        for row_info in tile_fields.get(5, []):
            info = fields(row_info)
            buffer, offsets = first(info, 6) or b"", first(info, 7) or b""
            wide = bool(first(info, 8))
            cells = []
            for column in range(min(columns, len(offsets) // 2)):
                (at,) = struct.unpack_from("<h", offsets, column * 2)
                cells.append("" if at < 0 else _cell(package, buffer, at * 4 if wide else at, strings, rich))
            rows[tile_id * TILE_ROWS + (first(info, 1) or 0)] = cells
    return name, [rows[number] for number in sorted(rows)]


def _list(package: Package, identifier: int | None) -> dict[int, bytes]:
    """A `TST.TableDataList`'s entries by key (their messages)."""
    found = package.objects.get(identifier) if identifier is not None else None
    if found is None:
        return {}
    return {first(fields(entry), 1) or 0: entry for entry in repeated(found[1], 3)}


def _cell(package: Package, buffer: bytes, at: int, strings: dict, rich: dict) -> str:
    if at + 12 > len(buffer) or buffer[at] != 5:
        return ""
    kind = buffer[at + 1]
    (flags,) = struct.unpack_from("<I", buffer, at + 8)
    offset = at + 12
    number = seconds = None
    if flags & 0x1:
        number = _decimal128(buffer[offset : offset + 16])
        offset += 16
    if flags & 0x2:
        (number,) = struct.unpack_from("<d", buffer, offset)
        offset += 8
    if flags & 0x4:
        (seconds,) = struct.unpack_from("<d", buffer, offset)
        offset += 8
    if flags & 0x8:
        (key,) = struct.unpack_from("<I", buffer, offset)
        entry = strings.get(key)
        return cell_text((first(fields(entry), 3) or b"").decode("utf-8", "replace")) if entry else ""
    if flags & 0x10:
        (key,) = struct.unpack_from("<I", buffer, offset)
        return _rich_text(package, rich.get(key))
    if kind == _DATE and seconds is not None:
        return cell_text(_EPOCH + datetime.timedelta(seconds=seconds))
    if kind == _BOOL and number is not None:
        return cell_text(bool(number))
    if kind == _DURATION and number is not None:
        return str(datetime.timedelta(seconds=number))
    return cell_text(float(number)) if number is not None else ""


def _rich_text(package: Package, entry: bytes | None) -> str:
    """A rich text cell's words: its payload's (`TST.RichTextPayloadArchive`) text storage."""
    from indexer.sources.iwork_text import Reader

    payload = package.objects.get(reference(entry, 9) or reference(entry, 4) or 0) if entry else None
    if payload is None:
        return ""
    reader = Reader(package, headings=False)
    reader.storage(reference(payload[1], 1))
    return cell_text("".join(item for item in reader.items if isinstance(item, str)))


def _decimal128(data: bytes) -> float:
    """An IEEE 754 decimal128 (binary integer significand), as Numbers stores exact numbers."""
    exponent = (((data[15] & 0x7F) << 7) | (data[14] >> 1)) - 0x1820
    mantissa = int.from_bytes(data[:14], "little") | ((data[14] & 1) << 112)
    value = float(mantissa) * 10.0**exponent if exponent > -300 else 0.0
    return -value if data[15] & 0x80 else value
