"""Tiny Word 97-2003 documents built here, byte by byte ([MS-CFB], [MS-DOC], [MS-OLEPS]): no tool
available writes `.doc`, and a file copied from a repository would test someone else's document.

`word_doc` writes a compound file (streams in whole 512-byte sectors, each at least 4096 bytes so
none goes to the mini stream) holding a WordDocument stream (a FIB, then the text), a 1Table stream
(piece table, paragraph and character property pages' bin tables, style sheet, note PLCs), a Data
stream (an inline picture's PICF and BLIP) and a SummaryInformation property set.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

END, FREE, FAT_SECTOR = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
TEXT_FC = 0x800  # where the text starts in the WordDocument stream
STYLES = [("Normal", 0), ("Überschrift 1", 1), ("heading 2", 2), ("标题 3", 0xFFE)]  # istd = index;
# German Word names its built-in Heading 1 "Überschrift 1": found by its sti. "标题 3" is a user style
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15"
    b"\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00"
    b"\x00IEND\xaeB`\x82"
)  # a 1x1 picture


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A version 3 compound file holding `streams` at its root."""
    sectors: list[bytes] = []
    fat: list[int] = []
    starts, sizes = {}, {}
    for name, data in streams.items():
        data = data + b"\0" * (max(4096, -(-len(data) // 512) * 512) - len(data))
        starts[name], sizes[name] = len(sectors), len(data)  # padded: no stream in the mini stream
        count = len(data) // 512
        sectors += [data[i * 512 : (i + 1) * 512] for i in range(count)]
        fat += [len(fat) + i + 1 for i in range(count - 1)] + [END]
    names = sorted(streams, key=lambda n: (len(n), n.upper()))  # the order CFB compares names in
    entries = [_entry("Root Entry", 5, END, 0, child=1 if names else FREE)]
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else FREE  # a chain of right siblings: a valid tree
        entries.append(_entry(name, 2, starts[name], sizes[name], right=right))
    directory = b"".join(entries)
    directory += b"\0" * (-len(directory) % 512)
    first_dir = len(sectors)
    dir_count = len(directory) // 512
    sectors += [directory[i * 512 : (i + 1) * 512] for i in range(dir_count)]
    fat += [first_dir + i + 1 for i in range(dir_count - 1)] + [END]
    fat_count = 1
    while (len(fat) + fat_count) > fat_count * 128:
        fat_count += 1
    first_fat = len(sectors)
    fat += [FAT_SECTOR] * fat_count
    fat += [FREE] * (fat_count * 128 - len(fat))
    table = struct.pack(f"<{len(fat)}I", *fat)
    sectors += [table[i * 512 : (i + 1) * 512] for i in range(fat_count)]
    difat = [first_fat + i for i in range(fat_count)] + [FREE] * (109 - fat_count)
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, fat_count, first_dir, 0, 4096, END, 0, END, 0)
        + struct.pack("<109I", *difat)
    )
    return header + b"".join(sectors)


def _entry(name: str, kind: int, start: int, size: int, child: int = FREE, right: int = FREE) -> bytes:
    encoded = name.encode("utf-16-le") + b"\0\0"
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBB", len(encoded), kind, 1)
        + struct.pack("<III", FREE, right, child)
        + b"\0" * 16  # CLSID
        + b"\0" * 4  # state
        + b"\0" * 16  # times
        + struct.pack("<IQ", start, size)
    )


@dataclass
class Paragraph:
    """One paragraph as Word keeps it: its characters (the mark at the end included: `\\r`, or
    `\\x07` for a table cell), its style (istd) and whether its mark ends a table row."""

    text: str
    istd: int = 0
    row_end: bool = False
    in_table: bool = False
    listed: int = 0  # 1: an item of a bulleted list, 2: of a numbered one (the ilfo of `_lists`)
    outline: int = 9  # the paragraph's own outline level (0-8: a heading's; 9: body text)


@dataclass
class Document:
    paragraphs: list[Paragraph]
    footnotes: list[str] = field(default_factory=list)  # each one's text; `\x02` marks it in the body
    textboxes: list[str] = field(default_factory=list)  # each one's text
    title: str = ""
    author: str = ""
    keywords: str = ""
    compressed: bool = False  # one cp1252 piece, else one UTF-16 piece
    picture: bytes = PNG  # what an inline `\x01` shows
    floating: bytes = PNG  # what the shape anchored at a `\x08` shows
    flags: int = 0x0200  # fWhichTblStm: the table stream is 1Table
    nfib: int = 0xC1


def word_doc(doc: Document) -> bytes:
    body = "".join(p.text for p in doc.paragraphs)
    notes = "".join(f"\x02 {note}\r" for note in doc.footnotes)
    boxes = "".join(f"{box}\r" for box in doc.textboxes) + ("\r" if doc.textboxes else "")
    text = body + notes + ("\r" if notes else "") + boxes
    width = 1 if doc.compressed else 2
    encoded = text.encode("cp1252") if doc.compressed else text.encode("utf-16-le")
    table, places = bytearray(), {}

    def put(name: str, data: bytes) -> None:
        places[name] = (len(table), len(data))
        table.extend(data)

    fc_field = TEXT_FC * 2 | 0x40000000 if doc.compressed else TEXT_FC
    put(33, b"\x02" + struct.pack("<Iii", 4 + 8 + 4, 0, len(text)) + struct.pack("<HIH", 0, fc_field, 0))
    put(1, _stylesheet())
    lists, overrides = _lists()
    put(73, lists)
    table.extend(_levels())  # the lists' levels follow the PlfLst, outside its lcb
    put(74, overrides)
    pages_at = -(-(TEXT_FC + len(encoded)) // 512)  # FKP pages after the text
    papx_page = _papx_page(doc.paragraphs, width, len(text))
    chpx_page = _chpx_page(body, width)
    put(13, struct.pack("<IIi", TEXT_FC, TEXT_FC + len(encoded), pages_at))
    put(12, struct.pack("<IIi", TEXT_FC, TEXT_FC + len(encoded), pages_at + 1))
    if doc.footnotes:
        refs = [i for i, c in enumerate(body) if c == "\x02"]
        put(2, struct.pack(f"<{len(refs) + 1}i", *refs, len(body)) + b"\0\0" * len(refs))
        starts, at = [], 0
        for note in doc.footnotes:
            starts.append(at)
            at += len(note) + 3
        put(3, struct.pack(f"<{len(starts) + 2}i", *starts, at, at + 1))
    anchors = [i for i, c in enumerate(body) if c == "\x08"]
    if anchors:  # each anchors shape 1025 + its number, showing stored picture 1
        spas = b"".join(struct.pack("<I", 1025 + n) + b"\0" * 22 for n in range(len(anchors)))
        put(40, struct.pack(f"<{len(anchors) + 1}i", *anchors, len(body)) + spas)
        put(50, _drawing(doc.floating, len(anchors)))
    stream = bytearray(_fib(doc, len(body), len(notes) + (1 if notes else 0), len(boxes), places))
    stream += b"\0" * (TEXT_FC - len(stream)) + encoded
    stream += b"\0" * (pages_at * 512 - len(stream)) + papx_page + chpx_page
    streams = {"WordDocument": bytes(stream), "1Table": bytes(table), "Data": _picture(doc.picture)}
    if doc.title or doc.author or doc.keywords:
        streams["\x05SummaryInformation"] = summary_information(doc.title, doc.author, doc.keywords)
    return compound_file(streams)


def _fib(
    doc: Document, ccp_text: int, ccp_ftn: int, ccp_txbx: int, places: dict[int, tuple[int, int]]
) -> bytes:
    base = struct.pack("<HHHHH", 0xA5EC, doc.nfib, 0, 0x0409, 0) + struct.pack("<H", doc.flags)
    base = base.ljust(32, b"\0")
    longs = [0] * 22
    longs[3], longs[4], longs[9] = ccp_text, ccp_ftn, ccp_txbx
    pairs = [0] * (93 * 2)
    for index, (fc, lcb) in places.items():
        pairs[index * 2], pairs[index * 2 + 1] = fc, lcb
    return (
        base
        + struct.pack("<H", 14)
        + b"\0" * 28
        + struct.pack("<H22i", 22, *longs)
        + struct.pack(f"<H{len(pairs)}I", 93, *pairs)
        + b"\0\0"
    )


def _stylesheet() -> bytes:
    stshi = struct.pack("<HHH", len(STYLES), 10, 1) + b"\0" * 12  # cstd, cbSTDBaseInFile, ...
    out = struct.pack("<H", len(stshi)) + stshi
    for name, sti in STYLES:
        std = struct.pack("<HHHHH", sti, 0x0001, 0, 0, 0)
        std += struct.pack("<H", len(name)) + name.encode("utf-16-le") + b"\0\0"
        out += struct.pack("<H", len(std)) + std
    return out


def _lists() -> tuple[bytes, bytes]:
    """A PlfLst of two simple lists (lsid 1 bulleted, lsid 2 numbered) and a PlfLfo naming them."""
    lstf = b"".join(struct.pack("<II", lsid, 0) + b"\xff\x0f" * 9 + bytes([1, 0]) for lsid in (1, 2))
    lfo = b"".join(struct.pack("<III", lsid, 0, 0) + b"\0" * 4 for lsid in (1, 2))
    return struct.pack("<h", 2) + lstf, struct.pack("<I", 2) + lfo


def _levels() -> bytes:
    """Each list's one LVL: an LVLF (nfc 0x17 bullet, 0 decimal), no grpprls, its number text."""
    out = b""
    for nfc, text in ((0x17, "\uf0b7"), (0, "\x00.")):
        out += (
            struct.pack("<iBB", 1, nfc, 0)
            + b"\0" * 22
            + struct.pack("<H", len(text))
            + text.encode("utf-16-le")
        )
    return out


def _papx_page(paragraphs: list[Paragraph], width: int, length: int) -> bytes:
    """An FKP of paragraph properties: a run per paragraph (and one for the notes after)."""
    runs, at = [], 0
    for p in paragraphs:
        grpprl = struct.pack("<H", p.istd)
        if p.in_table or p.row_end:
            grpprl += struct.pack("<HB", 0x2416, 1)  # sprmPFInTable
        if p.row_end:
            grpprl += struct.pack("<HB", 0x2417, 1)  # sprmPFTtp
        if p.outline != 9:
            grpprl += struct.pack("<HB", 0x2640, p.outline)  # sprmPOutLvl
        if p.listed:
            grpprl += struct.pack("<HH", 0x460B, p.listed)  # sprmPIlfo
        runs.append((at, at + len(p.text), grpprl))
        at += len(p.text)
    if at < length:
        runs.append((at, length, struct.pack("<H", 0)))
    page = bytearray(512)
    count = len(runs)
    fcs = [TEXT_FC + start * width for start, _, _ in runs] + [TEXT_FC + runs[-1][1] * width]
    struct.pack_into(f"<{count + 1}I", page, 0, *fcs)
    offset = 511
    for i, (_, _, grpprl) in enumerate(runs):
        size = 1 + len(grpprl) + (len(grpprl) % 2 == 0)  # cb byte, then 2*cb-1 bytes
        offset = (offset - size) & ~1
        body = grpprl + b"\0" * (len(grpprl) % 2 == 0)
        page[offset] = (len(body) + 1) // 2
        page[offset + 1 : offset + 1 + len(body)] = body
        page[(count + 1) * 4 + i * 13] = offset // 2
    page[511] = count
    return bytes(page)


def _chpx_page(body: str, width: int) -> bytes:
    """An FKP of character properties: each `\\x01` a run pointing at the picture (offset 0 in Data)."""
    cuts = sorted(
        {0, len(body)}
        | {i for i, c in enumerate(body) if c == "\x01"}
        | {i + 1 for i, c in enumerate(body) if c == "\x01"}
    )
    page = bytearray(512)
    count = len(cuts) - 1
    struct.pack_into(f"<{count + 1}I", page, 0, *(TEXT_FC + c * width for c in cuts))
    grpprl = struct.pack("<HI", 0x6A03, 0)  # sprmCPicLocation: the PICF at offset 0
    offset = 510 - len(grpprl) - 1 & ~1
    page[offset] = len(grpprl)
    page[offset + 1 : offset + 1 + len(grpprl)] = grpprl
    for i, cut in enumerate(cuts[:-1]):
        page[(count + 1) * 4 + i] = offset // 2 if body[cut] == "\x01" else 0
    page[511] = count
    return bytes(page)


def _record(kind: int, ver_instance: int, data: bytes) -> bytes:
    return struct.pack("<HHI", ver_instance, kind, len(data)) + data


def _store_entry(data: bytes) -> bytes:
    """An FBSE (type PNG) holding its PNG BLIP."""
    blip = _record(0xF01E, 0x6E0 << 4, b"\0" * 17 + data)
    return _record(0xF007, 0x0002 | 6 << 4, bytes([6, 4]) + b"\0" * 34 + blip)


def _drawing(data: bytes, shapes: int) -> bytes:
    """The table stream's OfficeArt content: the picture store, then the main document's drawing
    (label 0) with `shapes` picture frames whose `pib` is 1."""
    store = _record(0xF000, 0xF, _record(0xF001, 0xF | 1 << 4, _store_entry(data)))
    frames = b"".join(
        _record(
            0xF004,
            0xF,
            _record(0xF00A, 2 | 75 << 4, struct.pack("<II", 1025 + n, 0xA00))
            + _record(0xF00B, 3 | 1 << 4, struct.pack("<HI", 0x4104, 1)),
        )
        for n in range(shapes)
    )
    return store + b"\0" + _record(0xF002, 0xF, _record(0xF003, 0xF, frames))


def _picture(data: bytes) -> bytes:
    """A PICF (mm 0x64: an OfficeArt picture), its shape and a store entry holding a PNG BLIP."""
    fbse = _store_entry(data)
    shape = _record(0xF004, 0xF, b"")
    size = 0x44 + len(shape) + len(fbse)
    return struct.pack("<IHH", size, 0x44, 0x64) + b"\0" * (0x44 - 8) + shape + fbse


def summary_information(title: str, author: str, keywords: str) -> bytes:
    """A SummaryInformation property set in code page 936 (GBK), as Chinese Word writes it."""
    props = [(1, struct.pack("<HHh", 2, 0, 936))]  # VT_I2 code page
    for pid, value in ((2, title), (4, author), (5, keywords)):
        encoded = value.encode("gbk") + b"\0"
        encoded += b"\0" * (-len(encoded) % 4)
        props.append((pid, struct.pack("<HHI", 0x1E, 0, len(value.encode("gbk")) + 1) + encoded))
    at = 8 + 8 * len(props)
    index, data = b"", b""
    for pid, value in props:
        index += struct.pack("<II", pid, at + len(data))
        data += value
    section = struct.pack("<II", 8 + len(index) + len(data), len(props)) + index + data
    fmtid = bytes.fromhex("e0859ff2f94f6810ab9108002b27b3d9")
    return (
        struct.pack("<HHI", 0xFFFE, 0, 0x00020006)
        + b"\0" * 16
        + struct.pack("<I", 1)
        + fmtid
        + struct.pack("<I", 48)
        + section
    )
