"""Old Word documents (`.doc`, Word 97-2003): the protocols, lab manuals, recipes and course notes
people wrote before 2007, and that Chinese university course repositories are still full of.

No library available to our users reads them (antiword and LibreOffice are programs, not packages),
so the binary format is read here ([MS-DOC]; the structures in `doc_binary.py`, pictures in
`doc_pictures.py`), over the compound file olefile opens, and written as the HTML shape the Word
reader gets from mammoth, so the HTML reader (`html.py`) reads all three alike. What is read, with
the `.docx` reader's choices (`docx.py`):
- the body in reading order: paragraphs a line each, Word's Heading 1..9 and Title styles (by their
  built-in identity, so "标题 1" in Chinese Word too) as `## Heading`, a table row one line of cells
  joined by ` | `, a line break (Shift+Enter) as a line; fields as they show (a link's words, a date),
  not their codes; a table of contents is not read (its headings again, with page numbers);
- pictures where they stand: inline ones (kept in the Data stream) and floating ones (anchored in
  the text, kept in the drawing's picture store), named "picture 3"; JPEG, PNG, TIFF and bitmaps
  are stored, EMF/WMF/PICT drawings said "unsupported type";
- footnotes and endnotes as a numbered list at the end, their `[1]` references kept in the text.
Not read: headers and footers, comments, text boxes' text, and embedded objects (equations,
charts: reported once per document, "unsupported type"); a numbered list's numbers (Word draws
them, they are not in the text).
The title is the document's title property (File > Properties) when the text says it (Word 97-2003
filled it with the first words, see `docx.says_title`), else the heading it opens with, else its
first line; the keywords property gives tags, the author property the author.

Said by name and not read: an empty file, a password-protected document, a Word 6.0/95 document
(an older format), another Office file under a .doc name, a damaged file. Read by the right reader:
an RTF or HTML file Word saved under a .doc name, and a .docx named .doc.
"""

from __future__ import annotations

import html
import io
import re
import struct

import olefile

from indexer.sources.base import ImageLink, ParsedPage, shorten, warn
from indexer.sources.doc_binary import (
    PASSWORD,
    SPRM_DATA,
    SPRM_PIC_LOCATION,
    SPRM_TTP,
    DocError,
    Fib,
    Runs,
    heading_levels,
    joined,
    pieces,
    plc_cps,
    read_fib,
    sprms,
    structure,
    text_of,
)
from indexer.sources.doc_pictures import Pictures
from indexer.sources.docx import describe_error, heading_title, parse_docx, placed, says_title
from indexer.sources.html import parse_html, parse_html_body
from indexer.sources.rtf import parse_rtf

_PICTURE_SCHEME = "doc-picture:"
_IN_TABLE = {0x2416, 0x6649}  # sprmPFInTable, sprmPItap (a nested table's depth)
_DROPPED_FIELDS = {"TOC": "", "EMBED": "embedded objects (equations, charts)"}  # result not read
_SPECIAL = {"\x0b": "<br>", "\x09": "\t", "\x1e": "-", "\x1f": "", "\xa0": " "}
_OTHER_FILES = {  # a compound file's stream -> what it is when it has no WordDocument
    "Workbook": "an Excel workbook",
    "Book": "an Excel workbook",
    "PowerPoint Document": "a PowerPoint presentation",
    "EncryptedPackage": "a password-protected Word (.docx) document",
}
_KEYWORD_SEPARATORS = re.compile(r"\s*[;,；，、]\s*")  # "protocol; PCR", "实验，报告"
_BEFORE_ENDNOTES = ("text", "footnotes", "headers", "macros", "comments")  # subdocuments, in CP order
_HTML_STARTS = (b"<html", b"<!doctype html", b"<?xml", b"<head", b"<meta")
_CODE_PAGES = {10000: "mac_roman", 65001: "utf-8", 1200: "utf-16-le"}


def parse_doc(data: bytes, name: str) -> ParsedPage | None:
    """The document's page, or None (said why) when it is no Word document we can read."""
    if (other := _other_format(data)) is not None:
        return other(data, name)
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as err:  # olefile's own errors: a cut or overwritten file
        message = f"damaged Word document, its compound file cannot be opened ({shorten(str(err))})"
        warn(f"{name}: {message}, skipped", file=name, reason="unreadable")
        return None
    try:
        with ole:
            page = _read(ole, name)
    except DocError as problem:
        warn(f"{name}: {problem.message}, skipped", file=name, reason=problem.reason)
        return None
    except (struct.error, IndexError):  # a count or offset pointing past the bytes it counts
        message = "damaged Word document (one of its tables points past the end of its data)"
        warn(f"{name}: {message}, skipped", file=name, reason="unreadable")
        return None
    except Exception as err:  # a reader of untrusted bytes: whatever it raises is this file's problem
        message = f"not a readable Word document ({describe_error(err)})"
        warn(f"{name}: {message}, skipped", file=name, reason="unreadable")
        return None
    return page


def _other_format(data: bytes):
    """The reader for bytes that are not a compound file (Word saves RTF and HTML as .doc too)."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"{\\rtf"):
        return parse_rtf
    if head.startswith(_HTML_STARTS) and b"<html" in data[:4096].lower():  # Word's "Web Page" save
        return parse_html
    if data.startswith(b"PK\x03\x04"):
        return parse_docx  # a .docx under a .doc name; it says itself if it is no Word document
    if not data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _not_word
    return None


def _not_word(data: bytes, name: str) -> None:
    head = data[:2048]
    if not data.strip(b"\x00 \t\r\n"):
        message, reason = "empty file" + (" (0 bytes)" if not data else ""), "empty"
    elif b"<w:wordDocument" in head or b"Word.Document" in head and head.lstrip().startswith(b"<?xml"):
        message, reason = "a Word 2003 XML document, not read; save it again as .docx", "unsupported type"
    elif head.startswith(b"\xffWPC"):
        message, reason = "a WordPerfect document, not a Word document", "unsupported type"
    else:
        message, reason = "not a Word document (not an OLE compound file, RTF or HTML)", "unreadable"
    warn(f"{name}: {message}, skipped", file=name, reason=reason)


def _read(ole: olefile.OleFileIO, name: str) -> ParsedPage:
    if not ole.exists("WordDocument"):
        found = next((what for stream, what in _OTHER_FILES.items() if ole.exists(stream)), "")
        if "password" in found:
            raise DocError("unreadable", PASSWORD)
        if found:
            raise DocError("unsupported type", f"{found} under a .doc name, not a Word document")
        raise DocError("unreadable", "not a Word document (an OLE compound file without Word's text stream)")
    stream = ole.openstream("WordDocument").read()
    fib = read_fib(stream)
    if not ole.exists(fib.table):
        raise DocError("unreadable", f"damaged Word document (its {fib.table} stream is missing)")
    table = ole.openstream(fib.table).read()
    data = ole.openstream("Data").read() if ole.exists("Data") else b""
    walk = Walk(stream, table, fib, Pictures(stream, table, data, fib))
    page, items = walk.read(name)
    meta = _properties(ole)
    title = meta.pop("title", "")
    return ParsedPage(
        tuple(items),
        title=title if says_title(page, title) else heading_title(page),
        meta={key: value for key, value in meta.items() if value},
    )


def _properties(ole: olefile.OleFileIO) -> dict:
    """title, tags (keywords) and properties (author) from the SummaryInformation stream."""
    try:
        info = ole.get_metadata()
    except Exception:  # properties are optional: a damaged property set leaves the text readable
        return {}
    encoding = _CODE_PAGES.get(info.codepage or 1252, f"cp{info.codepage or 1252}")

    def text(value) -> str:
        if isinstance(value, bytes):
            try:
                value = value.decode(encoding)
            except (LookupError, UnicodeDecodeError):
                value = value.decode("cp1252", "replace")
        return " ".join(str(value or "").partition("\x00")[0].split())  # WPS writes more after the end

    words = _KEYWORD_SEPARATORS.split(text(info.keywords))
    author = text(info.author)
    return {
        "title": text(info.title),
        "tags": list(dict.fromkeys(w.strip() for w in words if w.strip())),
        "properties": {"author": author} if author else {},
    }


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
        self.table = table
        self.left_out: set[str] = set()
        self.references = tuple(  # where the text cites each footnote, each endnote
            plc_cps(structure(table, fib, plc), 2)[:-1] for plc in ("plcffnd_ref", "plcfend_ref")
        )

    def read(self, name: str) -> tuple[ParsedPage, list]:
        body = self.body(0, self.fib.lengths.get("text", len(self.text)))
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
                fields.pop()
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
                    if line and (level := self.headings.get(istd)):
                        out.append(f"<h{min(level, 6)}>{line}</h{min(level, 6)}>")
                    elif line:
                        out.append(f"<p>{line}</p>")
                continue
            paragraph.append(self.character(char, cp))
        if rows or row or cell:
            out.append(self._table(rows, row, cell))
        if paragraph:
            out.append("".join(paragraph) if inline else f"<p>{''.join(paragraph)}</p>")
        return "".join(out)

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


def _is_picture(item) -> bool:
    return isinstance(item, ImageLink) and item.target.startswith(_PICTURE_SCHEME)
