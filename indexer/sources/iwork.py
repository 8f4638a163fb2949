"""Apple iWork documents a Mac or iPad user keeps beside their notes: Pages documents (`.pages`),
Keynote decks (`.key`) and Numbers spreadsheets (`.numbers`), read like their Office kin.

- Pages: the body text in order, a paragraph in Pages' Title style as `# Title`, Heading, Heading 2
  ... as `## `, `### `, list items as `- ` or `1. ` (`iwork_text.py`); pictures, tables, text boxes
  and grouped shapes where they sit in the text; floating ones (placed on a page, not in the text)
  after the text; footnotes and endnotes last, a numbered list (as the Word reader puts them).
  Headers, footers and the table of contents are not read (a line on every page, headings again).
- Keynote: a section per slide headed by its title, its text, tables and pictures in reading order,
  then its presenter notes (`iwork_slides.py`), as `powerpoint.py` reads a deck.
- Numbers: every table, as the spreadsheet reader writes a sheet's (`spreadsheet.table_page`: a
  row a line, cells joined by ` | `, long tables cut into sections repeating the column names), a
  section per table named "Sheet: Table" (the sheet's name alone when it holds one table); read with
  numbers-parser (`iwork_numbers.py`), then its pictures after the tables.
A table in a Pages document or a Keynote deck is read from its tiles (`iwork_tables.py`); charts,
media and PDF pictures are said once per file.

Why our own reader for Pages and Keynote (`iwork_archive.py`): tried on real files of several app
versions (libetonyek's iWork '13 tests, keynote-parser's Keynote 10-14 decks, pandapage's Pages 14
documents), a schema-free read of the archives' wire format read every one, where keynote-parser's
schemas are per Keynote version and Keynote-only, and numbers-parser reads Numbers alone and refuses
2013-era files. numbers-parser is used for Numbers because a whole spreadsheet's cells (formats,
dates, durations, merged cells, categories, formulas' results) are many schemas deep, and it reads
83 of numbers-parser's 94 test files right (the rest are damaged, locked or 2013-era on purpose).

A document is one file: a zip, or a package folder (`Recipe.pages/` holding the same files: read as
one document, not walked as notes; `base.py` hands its files here). The title: Pages' Title
paragraph or the heading it opens with, else its first line, else the file's name; a deck's first
slide's title, or the file's name when that says more (`titles.deck_title`). When no text can be
read but the document keeps its `preview.jpg` (the first page as the app drew it), the preview is
read, and said. Not read, said by name: an empty file, a damaged zip, a password-protected document,
an iWork '09 document (an XML format: open and save it again), and another format under an iWork
name (a Word or Excel file, a PDF); a Pages file that is really a Keynote deck is read as a deck.
"""

from __future__ import annotations

import base64
import io
import zipfile
from pathlib import Path

from indexer.sources.base import EmbeddedImage, ParsedPage, add_text, end_lines, looks_binary, warn
from indexer.sources.docx import OLE_SIGNATURE, describe_error, heading_title
from indexer.sources.iwork_archive import IworkError, Package, open_package
from indexer.sources.titles import deck_title, file_title

APPS = {".pages": "Pages document", ".key": "Keynote presentation", ".numbers": "Numbers spreadsheet"}
PAGES_DOCUMENT = 10000  # TP.DocumentArchive: only a Pages document holds one
BODY, FOOTNOTE = 0, 2  # the kinds of text storage read (headers, footers and contents are not)
_OTHER = {  # the first bytes, or a zip's part, of formats a file may really be
    b"%PDF": "a PDF file",
    OLE_SIGNATURE: "an Office 97-2003 file",
    b"{\\rtf": "an RTF document",
}
_OFFICE_PARTS = {
    "word/document.xml": "a Word document",
    "xl/workbook.xml": "an Excel workbook",
    "ppt/presentation.xml": "a PowerPoint presentation",
    "mimetype": "an OpenDocument file",
}


def parse_iwork(data: bytes, name: str) -> ParsedPage | None:
    """A Pages document's, Keynote deck's or Numbers spreadsheet's page, by what the file holds;
    None (said why) when it is no readable iWork document."""
    app = APPS.get(name[name.rfind(".") :].lower(), "iWork document")
    try:
        if problem := _not_iwork(data, app):
            raise IworkError(*problem)
        package = open_package(data)
    except IworkError as err:
        warn(f"{name}: {err}, skipped", file=name, reason=err.reason)
        return None
    except Exception as err:  # a reader of untrusted files: whatever it raises is this file's problem
        warn(f"{name}: not a readable {app} ({describe_error(err)}), skipped", file=name, reason="unreadable")
        return None
    try:
        page, left_out, unread = _read(data, package, name)
    except Exception as err:  # a reader of untrusted files: whatever it raises is this file's problem
        warn(f"{name}: not a readable {app} ({describe_error(err)}), skipped", file=name, reason="unreadable")
        return None
    if package.damaged:
        left_out = {*left_out, f"damaged parts ({', '.join(package.damaged)})"}
    if left_out:
        kinds_said = ", ".join(sorted(left_out))
        warn(f"{name}: not read: {kinds_said}", file=name, reference=kinds_said, reason="unsupported type")
    if page is None or any(isinstance(i, str) and i.strip() for i in page.items) or not unread:
        return page
    return _preview_only(package, page, name)


def is_keynote(path: Path) -> bool:
    """Whether a `.key` file may be a Keynote deck: not when it is text (a TLS or SSH key, PEM)."""
    if path.is_dir():
        return True
    try:
        with path.open("rb") as handle:
            start = handle.read(512)
    except OSError:
        return True  # said when it is read
    return not start or looks_binary(start)


def _read(data: bytes, package: Package, name: str) -> tuple[ParsedPage | None, set[str], bool]:
    """(the page of what the document is, by its objects and archives, not its name; the kinds of
    content not read; whether some content could not be read, so its preview may stand for it)."""
    if any(kind == PAGES_DOCUMENT for kind, _ in package.objects.values()):
        page, left_out = _pages(package)
    elif any(n.startswith(("Index/Slide", "Index/MasterSlide")) for n in package.files):
        page, left_out = _keynote(package, name)
    else:
        from indexer.sources.iwork_numbers import read_numbers  # numbers-parser: imported when needed

        page, left_out, failed = read_numbers(data, package, name)
        return page, left_out, failed or bool(package.damaged)
    return page, left_out, bool(left_out or package.damaged)


def _not_iwork(data: bytes, app: str) -> tuple[str, str] | None:
    if not data:
        return "empty", "empty file (0 bytes)"
    for magic, other in _OTHER.items():
        if data.startswith(magic):
            return "unsupported type", f"{other} under an iWork name, not a {app}"
    if not data.startswith(b"PK"):
        return "unreadable", f"not a {app} (not a zip file, or a damaged one)"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError):
        return "unreadable", f"not a {app} (a damaged zip file)"
    other = next((kind for part, kind in _OFFICE_PARTS.items() if part in names), None)
    if other:
        return "unsupported type", f"{other} under an iWork name, not a {app}"
    return None


def _pages(package: Package) -> tuple[ParsedPage, set[str]]:
    from indexer.sources.iwork_archive import fields, first
    from indexer.sources.iwork_text import (
        IMAGE,
        STORAGE_TYPES,
        TABLE,
        Reader,
        in_reading_order,
        shape_storage,
    )

    reader = Reader(package)
    kinds = {i: first(fields(m), 1) for i, (k, m) in package.objects.items() if k in STORAGE_TYPES}
    for storage in sorted(i for i, kind in kinds.items() if kind == BODY):  # none: a page layout
        reader.storage(storage)
    # what sits on the pages rather than in the text: floating pictures, tables and text boxes, after it
    floating = [
        i
        for i, (kind, message) in package.objects.items()
        if i not in reader.placed
        and (kind in (IMAGE, TABLE) or shape_storage(package, kind, message) is not None)
    ]
    for drawable in in_reading_order(package, floating):
        reader.drawable(drawable)
    notes = [said for i, kind in sorted(kinds.items()) if kind == FOOTNOTE and (said := _words(package, i))]
    for number, said in enumerate(notes, 1):  # footnotes and endnotes, a numbered list at the end
        end_lines(reader.items, 1 if number > 1 else 2)
        add_text(reader.items, f"{number}. {said}\n")
    text = "".join(i for i in reader.items if isinstance(i, str))
    first_heading = next((line.lstrip("#").strip() for line in text.splitlines() if line.startswith("#")), "")
    page = ParsedPage(tuple(reader.items), title=first_heading)
    return ParsedPage(page.items, title=heading_title(page)), reader.left_out


def _words(package: Package, storage: int) -> str:
    """A storage's words on one line (a footnote's, without the mark it starts with)."""
    from indexer.sources.iwork_text import Reader

    reader = Reader(package, headings=False)
    reader.storage(storage)
    return " ".join("".join(i for i in reader.items if isinstance(i, str)).split())


def _keynote(package: Package, name: str) -> tuple[ParsedPage, set[str]]:
    from indexer.sources.iwork_slides import read_slides

    reader, first_title = read_slides(package)
    title = deck_title(first_title, name) or file_title(name)  # not "Slide 1" of an untitled deck
    return ParsedPage(tuple(reader.items), title=title), reader.left_out


def _preview_only(package: Package, page: ParsedPage, name: str) -> ParsedPage | None:
    """A document whose text could not be read, by its preview picture when it keeps one (said)."""
    preview = package.files.get("preview.jpg")
    if not preview:
        return page  # `build_doc` says it holds nothing (pictures it has are read)
    said = "its text could not be read; only its preview picture (preview.jpg) is"
    warn(f"{name}: {said}", file=name, reference="preview.jpg", reason="unreadable")
    items = list(page.items)
    end_lines(items, 2)
    items.append(EmbeddedImage("image/jpeg", base64.b64encode(preview).decode("ascii"), "preview.jpg"))
    return ParsedPage(tuple(items), title=page.title)
