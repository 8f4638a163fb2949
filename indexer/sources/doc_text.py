"""The main text of a Word 97-2003 document as HTML, character by character (`doc.py` reads the file).

The characters Word writes for structure become the HTML the Word reader gets from mammoth: a
paragraph mark (0x0D) a paragraph (a heading when its style is one), a cell mark (0x07) a table
cell and, with sprmPFTtp, the end of a row; a line break (0x0B) a `<br>`; a page or column break a
paragraph end; a non-breaking hyphen (0x1E) a hyphen, an optional one (0x1F) nothing. A field
(0x13 code 0x14 result 0x15) shows its result (a link's words, a page number, a date); a table of
contents' result (the headings again) and an embedded object's (its picture's face) are not read;
a field with no result shows nothing, except a phonetic guide, whose text shows. The text boxes'
text (callouts, a flowchart's labels) follows the body: where each box stands is in its drawing. A footnote or
endnote reference (0x02) is `[n]`, the notes a numbered list at the end; pictures (0x01 inline,
0x08 floating) are numbered in reading order and put back in place after the HTML is read.
"""

from __future__ import annotations

import html
import re
import struct

from indexer.sources.base import ImageLink, ParsedPage, warn
from indexer.sources.doc_binary import (
    SPRM_DATA,
    SPRM_ILFO,
    SPRM_ILVL,
    SPRM_PIC_LOCATION,
    SPRM_TTP,
    Fib,
    Runs,
    heading_levels,
    joined,
    list_kinds,
    pieces,
    plc_cps,
    sprms,
    structure,
    text_of,
)
from indexer.sources.doc_pictures import Pictures
from indexer.sources.docx import placed
from indexer.sources.html import parse_html_body

_PICTURE_SCHEME = "doc-picture:"
SPRM_OUTLINE = 0x2640  # sprmPOutLvl
_IN_TABLE = {0x2416, 0x6649}  # sprmPFInTable, sprmPItap (a nested table's depth)
_DROPPED_FIELDS = {"TOC": "", "EMBED": "embedded objects (equations, charts)"}  # result not read
_SPECIAL = {"\x0b": "<br>", "\x09": "\t", "\x1e": "-", "\x1f": "", "\xa0": " "}
_BEFORE_ENDNOTES = ("text", "footnotes", "headers", "macros", "comments")  # subdocuments, in CP order
# Word's phonetic guide (拼音指南, ふりがな) is an EQ field with no result, drawn from its code:
# `EQ \* jc2 \o\ad(\s\up 10(とうきょう),東京)`: the annotated text is the last argument
_RUBY = re.compile(r"^\s*EQ\b.*\\o\s*\\a[dlcr]\s*\(\\s\s*\\up\s*-?\d+\s*\(.*?\),(.*?)\)\s*$", re.DOTALL)


class Walk:
    """The main text as HTML, character by character: paragraphs, table cells and rows, fields,
    notes, pictures (numbered in reading order, put back after the HTML is read)."""

    def __init__(self, stream: bytes, table: bytes, fib: Fib, pictures: Pictures) -> None:
        self.fib, self.pictures = fib, pictures
        self.end = sum(fib.lengths.values())
        self.text, self.fcs = text_of(stream, pieces(structure(table, fib, "clx")), self.end)
        self.papx = Runs(stream, structure(table, fib, "plcf_bte_papx"), "papx")
        self.chpx = Runs(stream, structure(table, fib, "plcf_bte_chpx"), "chpx")
        self.headings = heading_levels(structure(table, fib, "stshf"))
        try:
            self.lists = list_kinds(table, fib)
        except (struct.error, IndexError):  # a damaged list table: the items are read as paragraphs
            self.lists = {}
        self.table = table
        self.left_out: set[str] = set()
        self.references = tuple(  # where the text cites each footnote, each endnote
            plc_cps(structure(table, fib, plc), 2)[:-1] for plc in ("plcffnd_ref", "plcfend_ref")
        )

    def read(self, name: str) -> tuple[ParsedPage, list]:
        body = self.body(0, self.fib.lengths.get("text", len(self.text)))
        boxes = sum(self.fib.lengths.get(k, 0) for k in (*_BEFORE_ENDNOTES, "endnotes"))
        body += self.body(boxes, boxes + self.fib.lengths.get("textboxes", 0))  # text boxes after it
        notes = self.note_texts()
        if notes:
            body += "<ol>" + "".join(f"<li>{note}</li>" for note in notes) + "</ol>"
        page = parse_html_body(joined(body))
        if self.left_out:
            kinds = ", ".join(sorted(self.left_out))
            warn(f"{name}: not read: {kinds}", file=name, reference=kinds, reason="unsupported type")
        items = (self.picture(i, name) if _is_picture(i) else i for i in page.items)
        return page, [item for item in items if item is not None]

    def body(self, start: int, stop: int, inline: bool = False) -> str:
        out: list[str] = []  # the finished blocks
        paragraph: list[str] = []
        cell: list[str] = []  # a table cell's paragraphs so far
        row: list[str] = []
        rows: list[str] = []
        fields: list[list] = []  # open fields: [code so far, in result, result dropped]
        for cp in range(start, min(stop, len(self.text))):
            char = self.text[cp]
            if char == "\x13":
                fields.append(["", False, False])
                continue
            if char == "\x14" and fields:
                fields[-1][1] = True
                kind = (fields[-1][0].split() or [""])[0].upper()
                if kind in _DROPPED_FIELDS:
                    fields[-1][2] = True
                    if _DROPPED_FIELDS[kind]:
                        self.left_out.add(_DROPPED_FIELDS[kind])
                continue
            if char == "\x15" and fields:
                code, had_result, _ = fields.pop()
                if not had_result and (ruby := _RUBY.search(code)):  # a phonetic guide: its text shows
                    if fields and not fields[-1][1]:
                        fields[-1][0] += ruby.group(1)
                    elif not any(f[2] for f in fields):
                        paragraph.append(html.escape(ruby.group(1)))
                continue
            if fields and not fields[-1][1]:
                fields[-1][0] += char
                continue
            if any(f[2] or not f[1] for f in fields):
                continue
            if char in "\r\x07\x0c\x0e":
                if inline:
                    paragraph.append(" ")
                    continue
                line = "".join(paragraph).strip()
                paragraph = []
                istd, grpprl = self.papx.at(self.fcs[cp])
                found = {sprm: value for sprm, value in sprms(grpprl)}
                row_end = char == "\x07" and (found.get(SPRM_TTP) == b"\x01" or 0xD608 in found)
                in_table = char == "\x07" or any(s in found and found[s] != b"\x00" for s in _IN_TABLE)
                if row_end:
                    rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>")
                    row = []
                elif in_table:
                    cell.append(line)
                    if char == "\x07":
                        row.append("<br>".join(p for p in cell if p))
                        cell = []
                else:
                    if rows or row or cell:
                        out.append(self._table(rows, row, cell))
                        rows, row, cell = [], [], []
                    if line and (level := self.headings.get(istd) or _outline_level(found)):
                        out.append(f"<h{min(level, 6)}>{line}</h{min(level, 6)}>")
                    elif line and (kind := self.list_kind(found)):
                        end = f"</{kind}>"
                        if out and out[-1].endswith(end):  # the list goes on
                            out[-1] = out[-1][: -len(end)] + f"<li>{line}</li>{end}"
                        else:
                            out.append(f"<{kind}><li>{line}</li>{end}")
                    elif line:
                        out.append(f"<p>{line}</p>")
                continue
            paragraph.append(self.character(char, cp))
        if rows or row or cell:
            out.append(self._table(rows, row, cell))
        if paragraph:
            out.append("".join(paragraph) if inline else f"<p>{''.join(paragraph)}</p>")
        return "".join(out)

    def list_kind(self, found: dict[int, bytes]) -> str:
        """ "ol" or "ul" for a paragraph of a numbered or bulleted list, "" for another."""
        ilfo = int.from_bytes(found.get(SPRM_ILFO, b"")[:2], "little")
        kinds = self.lists.get(ilfo, ())
        level = found.get(SPRM_ILVL, b"\x00")[0] if found.get(SPRM_ILVL) else 0
        return kinds[min(level, len(kinds) - 1)] if kinds else ""

    @staticmethod
    def _table(rows: list[str], row: list[str], cell: list[str]) -> str:
        if cell:
            row = [*row, "<br>".join(cell)]
        if row:
            rows = [*rows, "<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>"]
        return "<table>" + "".join(rows) + "</table>"

    def character(self, char: str, cp: int) -> str:
        if char in _SPECIAL:
            return _SPECIAL[char]
        if char == "\x02":  # a footnote's or endnote's reference mark
            return f"[{self.reference(cp)}]" if cp < self.fib.lengths.get("text", 0) else ""
        if char == "\x01":
            return self.inline_picture(cp)
        if char == "\x08":
            return "".join(self.placed_picture(picture) for picture in self.pictures.floating(cp))
        if ord(char) < 0x20:
            return ""  # annotation marks (0x05) and other control characters
        return html.escape(char)

    def inline_picture(self, cp: int) -> str:
        found = {sprm: value for sprm, value in sprms(self.chpx.at(self.fcs[cp])[1])}
        if found.get(SPRM_DATA, b"\x00") != b"\x00" or SPRM_PIC_LOCATION not in found:
            return ""  # a form field's data, or no picture
        offset = int.from_bytes(found[SPRM_PIC_LOCATION][:4], "little")
        return self.placed_picture(self.pictures.inline(offset))

    def placed_picture(self, picture) -> str:
        if picture is None:
            return ""
        self.pictures.found.append(picture)
        return f'<img src="{_PICTURE_SCHEME}{len(self.pictures.found)}">'

    def reference(self, cp: int) -> int:
        """The number of the note referenced at `cp`: footnotes first, then endnotes (the list's order)."""
        footnotes, endnotes = self.references
        if cp in footnotes:
            return footnotes.index(cp) + 1
        return len(footnotes) + (endnotes.index(cp) + 1 if cp in endnotes else 0)

    def note_texts(self) -> list[str]:
        lengths = self.fib.lengths
        starts = {
            "plcffnd_txt": lengths.get("text", 0),
            "plcfend_txt": sum(lengths.get(k, 0) for k in _BEFORE_ENDNOTES),
        }
        notes = []
        for plc, start in starts.items():
            bounds = plc_cps(structure(self.table, self.fib, plc), 0)
            for first, after in zip(bounds, bounds[1:], strict=False):
                text = self.body(start + first, start + after, inline=True).strip()
                if text:
                    notes.append(" ".join(text.split()))
        return notes

    def picture(self, link: ImageLink, name: str):
        return placed(self.pictures.found[int(link.target[len(_PICTURE_SCHEME) :]) - 1], name)


def _outline_level(found: dict[int, bytes]) -> int:
    """A heading level set on the paragraph itself (Paragraph > Outline level, 大纲级别, as Chinese
    thesis templates do instead of a Heading style): sprmPOutLvl 0-8, 9 being body text."""
    value = found.get(SPRM_OUTLINE, b"")
    return value[0] + 1 if value and value[0] < 9 else 0


def _is_picture(item) -> bool:
    return isinstance(item, ImageLink) and item.target.startswith(_PICTURE_SCHEME)
