"""The structures of a Word 97-2003 binary document ([MS-DOC]) that a reader needs, nothing more.

A `.doc` is an OLE compound file (opened by olefile) holding a `WordDocument` stream (the FIB, then
the text), a table stream (`0Table` or `1Table`, which the FIB names) and, when it has pictures, a
`Data` stream. Text is addressed by character positions (CPs); the piece table (the CLX in the
table stream) maps each run of CPs to where its characters sit in the WordDocument stream (FCs),
as one byte each (cp1252, "compressed") or as UTF-16 (every file with Chinese text). Paragraph and
character properties are found by FC in 512-byte pages (FKPs) listed by the table stream's bin
tables; each is a list of sprms, of which we read the few that say what a reader sees: the
paragraph's style (istd), whether it ends a table row (sprmPFTtp), and where an inline picture
lives (sprmCPicLocation). Styles are named in the STSH; a built-in style's sti says what it is
whatever the language (sti 1..9: Heading 1..9, "标题 1" in Chinese Word).
"""

from __future__ import annotations

import bisect
import struct
from dataclasses import dataclass

WORD97_NFIB = 0xC0  # Word 97 writes 0xC1 (0xC0 from some other writers); Word 6/95 wrote 101..105
_FC_LCB = {  # index of an (fc, lcb) pair in FibRgFcLcb97, by what it locates
    "stshf": 1, "plcffnd_ref": 2, "plcffnd_txt": 3, "plcf_bte_chpx": 12, "plcf_bte_papx": 13, "clx": 33,
    "plc_spa_mom": 40, "plcfend_ref": 46, "plcfend_txt": 47, "dgg_info": 50, "plf_lst": 73, "plf_lfo": 74,
}  # fmt: skip
_SUBDOCUMENTS = ("text", "footnotes", "headers", "macros", "comments", "endnotes", "textboxes")
SPRM_PIC_LOCATION = 0x6A03  # sprmCPicLocation: where in the Data stream a 0x01 picture's PICF is
SPRM_DATA = 0x0806  # sprmCFData: the 0x01 is a form field's data, not a picture
SPRM_TTP = 0x2417  # sprmPFTtp: this paragraph mark ends a table row
SPRM_ISTD = 0x4600  # sprmPIstd: paragraph style (PAPX also opens with it)
SPRM_ILFO, SPRM_ILVL = 0x460B, 0x260A  # a list paragraph's list (1-based, in the PlfLfo) and level
_BULLET = 0x17  # the nfc of a bulleted level (others count: 1. 2. 3., a. b. c., 一、二、...)


PASSWORD = "password-protected (Word encrypts it); save a copy without a password"


class DocError(ValueError):
    """The file is no Word 97-2003 document we can read: `reason` and a message saying why."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason, self.message = reason, message


@dataclass(frozen=True)
class Fib:
    """What the File Information Block says: the format version, whether encrypted, which table
    stream, each subdocument's length in CPs, and where the table stream's structures are."""

    nfib: int
    encrypted: bool
    obfuscated: bool
    table: str
    lengths: dict[str, int]
    places: dict[str, tuple[int, int]]  # name -> (fc, lcb) in the table stream


def read_fib(stream: bytes) -> Fib:
    if len(stream) < 0x22 or struct.unpack_from("<H", stream, 0)[0] not in (0xA5EC, 0xA5DC):  # 97+, 6/95
        raise DocError("unreadable", "not a Word document (its WordDocument stream has no Word header)")
    nfib, flags = struct.unpack_from("<H", stream, 2)[0], struct.unpack_from("<H", stream, 0x0A)[0]
    if nfib < WORD97_NFIB:
        raise DocError(
            "unsupported type", "a Word 6.0/95 document (older than Word 97); save it again in a newer Word"
        )
    if flags & 0x8100:  # fEncrypted, fObfuscated: all after the FIB's first 68 bytes is ciphertext
        raise DocError("unreadable", PASSWORD)
    lengths: dict[str, int] = {}
    places: dict[str, tuple[int, int]] = {}
    if nfib >= WORD97_NFIB:
        csw = struct.unpack_from("<H", stream, 32)[0]
        at = 34 + csw * 2
        cslw = struct.unpack_from("<H", stream, at)[0]
        longs = struct.unpack_from(f"<{cslw}i", stream, at + 2)
        lengths = dict(zip(_SUBDOCUMENTS, (max(n, 0) for n in longs[3:10]), strict=False))
        at += 2 + cslw * 4
        count = struct.unpack_from("<H", stream, at)[0]
        pairs = struct.unpack_from(f"<{count * 2}I", stream, at + 2)
        places = {name: (pairs[i * 2], pairs[i * 2 + 1]) for name, i in _FC_LCB.items() if i < count}
    return Fib(
        nfib,
        encrypted=bool(flags & 0x0100),
        obfuscated=bool(flags & 0x8000),
        table="1Table" if flags & 0x0200 else "0Table",
        lengths=lengths,
        places=places,
    )


def structure(table: bytes, fib: Fib, name: str) -> bytes:
    """The bytes of one of the table stream's structures ("" when the document has none)."""
    fc, lcb = fib.places.get(name, (0, 0))
    return table[fc : fc + lcb] if lcb and fc + lcb <= len(table) else b""


@dataclass(frozen=True)
class Piece:
    cp: int  # first CP
    end: int  # CP after the last
    fc: int  # byte offset of the first character in the WordDocument stream
    compressed: bool  # one cp1252 byte a character, else UTF-16LE


def pieces(clx: bytes) -> list[Piece]:
    """The piece table: the CLX's Prcs (property changes of fast-saved files) skipped to its Pcdt."""
    at = 0
    while at < len(clx) and clx[at] == 0x01:
        at += 3 + struct.unpack_from("<H", clx, at + 1)[0]
    if at + 5 > len(clx) or clx[at] != 0x02:
        raise DocError("unreadable", "damaged Word document (its piece table is missing)")
    size = struct.unpack_from("<I", clx, at + 1)[0]
    count = (size - 4) // 12
    cps = struct.unpack_from(f"<{count + 1}i", clx, at + 5)
    found = []
    for i in range(count):
        raw = struct.unpack_from("<I", clx, at + 5 + (count + 1) * 4 + i * 8 + 2)[0]
        compressed = bool(raw & 0x40000000)
        fc = (raw & 0x3FFFFFFF) // 2 if compressed else raw & 0x3FFFFFFF
        found.append(Piece(cps[i], cps[i + 1], fc, compressed))
    return found


def text_of(stream: bytes, table: list[Piece], end: int) -> tuple[str, list[int]]:
    """The document's characters up to CP `end`, and each one's FC (to find its properties)."""
    chars: list[str] = []
    fcs: list[int] = []
    for piece in table:
        stop = min(piece.end, end)
        if stop <= piece.cp:
            continue
        count = min(stop - piece.cp, max(len(stream) - piece.fc, 0) // (1 if piece.compressed else 2))
        if piece.compressed:
            chars.append(stream[piece.fc : piece.fc + count].decode("cp1252", "replace"))
            fcs.extend(range(piece.fc, piece.fc + count))
        else:
            units = stream[piece.fc : piece.fc + 2 * count]
            # a code unit a character, as CPs count them (a surrogate pair is two): `joined` pairs them
            chars.append(
                "".join(map(chr, struct.unpack(f"<{len(units) // 2}H", units[: len(units) // 2 * 2])))
            )
            fcs.extend(range(piece.fc, piece.fc + 2 * count, 2))
    text = "".join(chars)
    return text, fcs[: len(text)]


def joined(text: str) -> str:
    """Text read a UTF-16 code unit a character, its surrogate pairs made characters again."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def sprms(grpprl: bytes):
    """(sprm, operand) of a property list; the operand's size is in the sprm's top three bits."""
    at = 0
    while at + 2 <= len(grpprl):
        sprm = struct.unpack_from("<H", grpprl, at)[0]
        at += 2
        spra = sprm >> 13
        if spra == 6:  # variable: a length byte (sprmTDefTable and sprmPChgTabs: two)
            if sprm in (0xD608, 0xD606) and at + 2 <= len(grpprl):
                size, at = struct.unpack_from("<H", grpprl, at)[0] - 1, at + 1
            else:
                size = grpprl[at] if at < len(grpprl) else 0
            at += 1
        else:
            size = (1, 1, 2, 4, 2, 2, 0, 3)[spra]
        yield sprm, grpprl[at : at + size]
        at += size


class Runs:
    """Property runs from a bin table's FKPs: for an FC, the grpprl that applies (and for a
    paragraph, its style). `kind` is "papx" or "chpx"."""

    def __init__(self, stream: bytes, plcf: bytes, kind: str) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.props: list[tuple[int, bytes]] = []  # (istd, grpprl)
        count = (len(plcf) - 4) // 8
        for i in range(count):
            pn = struct.unpack_from("<I", plcf, (count + 1) * 4 + i * 4)[0] & 0x3FFFFF
            page = stream[pn * 512 : pn * 512 + 512]
            if len(page) == 512:
                self._page(page, kind)

    def _page(self, page: bytes, kind: str) -> None:
        crun = page[511]
        if (crun + 1) * 4 + crun * (13 if kind == "papx" else 1) > 511:
            return  # not a property page: its runs would overlap its own index
        fcs = struct.unpack_from(f"<{crun + 1}I", page, 0)
        for i in range(crun):
            at = (crun + 1) * 4 + i * (13 if kind == "papx" else 1)
            offset = page[at] * 2
            istd, grpprl = 0, b""
            if offset and kind == "chpx":
                grpprl = page[offset + 1 : offset + 1 + page[offset]]
            elif offset:
                cb = page[offset]
                start, size = (offset + 1, 2 * cb - 1) if cb else (offset + 2, 2 * page[offset + 1])
                body = page[start : start + size]
                istd, grpprl = (struct.unpack_from("<H", body)[0], body[2:]) if len(body) >= 2 else (0, b"")
            self.starts.append(fcs[i])
            self.ends.append(fcs[i + 1])
            self.props.append((istd, grpprl))
        order = sorted(range(len(self.starts)), key=self.starts.__getitem__)
        self.starts = [self.starts[i] for i in order]
        self.ends = [self.ends[i] for i in order]
        self.props = [self.props[i] for i in order]

    def at(self, fc: int) -> tuple[int, bytes]:
        i = bisect.bisect_right(self.starts, fc) - 1
        return self.props[i] if i >= 0 and fc < self.ends[i] else (0, b"")


def heading_levels(stsh: bytes) -> dict[int, int]:
    """istd -> heading level of the styles that make a paragraph a heading: built-in Heading 1..9
    (sti 1..9, whatever the style's name in the user's language) and Title (sti 62, level 1); a
    user style named "heading 2" or "标题 2" too."""
    levels: dict[int, int] = {}
    if len(stsh) < 6:
        return levels
    cb_stshi = struct.unpack_from("<H", stsh, 0)[0]
    cstd, cb_base = struct.unpack_from("<HH", stsh, 2)
    at = 2 + cb_stshi
    for istd in range(cstd):
        if at + 2 > len(stsh):
            break
        size = struct.unpack_from("<H", stsh, at)[0]
        std = stsh[at + 2 : at + 2 + size]
        at += 2 + size
        if len(std) < max(cb_base, 10) + 2:
            continue
        sti = struct.unpack_from("<H", std, 0)[0] & 0x0FFF
        if 1 <= sti <= 9:
            levels[istd] = sti
        elif sti == 62:
            levels[istd] = 1
        elif level := _named_level(std, cb_base):
            levels[istd] = level
    return levels


def _named_level(std: bytes, cb_base: int) -> int:
    cch = struct.unpack_from("<H", std, cb_base)[0]
    name = std[cb_base + 2 : cb_base + 2 + cch * 2].decode("utf-16-le", "replace").strip().lower()
    for prefix in ("heading ", "标题 ", "標題 ", "标题", "標題"):
        if name.startswith(prefix) and name[len(prefix) :].isdigit() and 1 <= int(name[len(prefix) :]) <= 9:
            return int(name[len(prefix) :])
    return 0


def list_kinds(table: bytes, fib: Fib) -> dict[int, tuple[str, ...]]:
    """ilfo -> for each level of its list, "ul" (bullets) or "ol" (numbers). The PlfLst's LSTFs are
    followed in the table stream by their levels (LVL: an LVLF, its two grpprls, its number text)."""
    fc, lcb = fib.places.get("plf_lst", (0, 0))
    lfo = structure(table, fib, "plf_lfo")
    if lcb < 2 or len(lfo) < 4:
        return {}
    count = struct.unpack_from("<h", table, fc)[0]
    at = fc + lcb
    levels: dict[int, tuple[str, ...]] = {}
    for i in range(max(count, 0)):
        lsid, flags = struct.unpack_from("<I", table, fc + 2 + i * 28)[0], table[fc + 2 + i * 28 + 26]
        kinds = []
        for _ in range(1 if flags & 1 else 9):  # fSimpleList: one level
            kinds.append("ul" if table[at + 4] == _BULLET else "ol")
            at += 28 + table[at + 24] + table[at + 25]
            at += 2 + 2 * struct.unpack_from("<H", table, at)[0]
        levels[lsid] = tuple(kinds)
    lfos = struct.unpack_from("<I", lfo)[0]
    return {
        i + 1: levels[lsid]
        for i in range(min(lfos, (len(lfo) - 4) // 16))
        if (lsid := struct.unpack_from("<I", lfo, 4 + i * 16)[0]) in levels
    }


def plc_cps(plc: bytes, data_size: int) -> list[int]:
    """The CPs of a PLC whose elements are `data_size` bytes each (0: a PLC of CPs alone, as a note
    text PLC is: where each note starts, then where the last ends)."""
    count = (len(plc) - 4) // (4 + data_size) + 1 if data_size else len(plc) // 4
    return list(struct.unpack_from(f"<{count}i", plc)) if len(plc) >= 4 else []
