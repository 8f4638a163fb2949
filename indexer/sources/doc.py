"""Old Word documents (`.doc`, Word 97-2003): the protocols, lab manuals, recipes and course notes
people wrote before 2007, and that Chinese university course repositories are still full of.

No library available to our users reads them (antiword and LibreOffice are programs, not packages),
so the binary format is read here ([MS-DOC]; the structures in `doc_binary.py`, the text's walk in
`doc_text.py`, pictures in `doc_pictures.py`), over the compound file olefile opens, and written as
the HTML shape the Word reader gets from mammoth, so the HTML reader (`html.py`) reads all three
alike. What is read, with the `.docx` reader's choices (`docx.py`):
- the body in reading order: paragraphs a line each, Word's Heading 1..9 and Title styles (by their
  built-in identity, so "标题 1" in Chinese Word too) and a paragraph's own outline level as
  `## Heading`, a table row one line of cells joined by ` | `, a line break (Shift+Enter) as a line;
  fields as they show (a link's words, a date), not their codes; a table of contents is not read
  (its headings again, with page numbers);
- pictures where they stand: inline ones (kept in the Data stream) and floating ones (anchored in
  the text, kept in the drawing's picture store), named "picture 3"; JPEG, PNG, TIFF and bitmaps
  are stored, EMF/WMF/PICT drawings said "unsupported type";
- text boxes' text after the body, then footnotes and endnotes as a numbered list at the end, their
  `[1]` references kept in the text.
- list paragraphs as bulleted or numbered items (Word draws the bullet or number: the list's levels
  say which), a restarted or custom number counted from 1.
Not read: headers and footers, comments, and embedded objects (equations, charts: reported once per
document, "unsupported type").
The title is the document's title property (File > Properties) when the text says it (Word 97-2003
filled it with the first words, see `docx.says_title`), else the heading it opens with, else its
first line; the keywords property gives tags, the author property the author.

Said by name and not read: an empty file, a password-protected document, a Word 6.0/95 document
(an older format), another Office file under a .doc name, a damaged file. Read by the right reader:
an RTF or HTML file Word saved under a .doc name, and a .docx named .doc.
"""

from __future__ import annotations

import io
import struct

import olefile

from indexer.sources.base import ParsedPage, shorten, warn
from indexer.sources.doc_binary import PASSWORD, DocError, read_fib
from indexer.sources.doc_pictures import Pictures
from indexer.sources.doc_properties import summary
from indexer.sources.doc_text import Walk
from indexer.sources.docx import describe_error, heading_title, parse_docx, says_title
from indexer.sources.html import parse_html
from indexer.sources.rtf import parse_rtf

_OTHER_FILES = {  # a compound file's stream -> what it is when it has no WordDocument
    "Workbook": "an Excel workbook",
    "Book": "an Excel workbook",
    "PowerPoint Document": "a PowerPoint presentation",
    "EncryptedPackage": "a password-protected Word (.docx) document",
}
_HTML_STARTS = (b"<html", b"<!doctype html", b"<?xml", b"<head", b"<meta")


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
    elif head.lower().startswith(b"mime-version:"):  # what "Single File Web Page" writes
        message, reason = "a single-file web page (MHTML) under a .doc name, not read", "unsupported type"
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
    name = "\x05SummaryInformation"
    return summary(ole.openstream(name).read()) if ole.exists(name) else {}
