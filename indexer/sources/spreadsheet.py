"""Spreadsheets (Excel `.xlsx`, `.xlsm`, `.xlsb`, `.xls`; LibreOffice `.ods`): a lab's reagent list,
a recipe's costs, an inventory with its photos, a reading list, a class timetable.

Read with python-calamine (one Rust reader for every Excel format since 97 and OpenDocument; values
as Excel shows them computed, formulas' cached results). A workbook is one document: each sheet with
something in it is a section headed by its name (no heading when only one sheet has anything), its
rows a line each, cells joined by ` | ` as every table here is written; empty rows and the empty
cells closing a row are not written; a long table is cut into sections of `ROWS_PER_SECTION` rows,
each repeating the column names. Numbers as a person reads them (`8`, not `8.0`; `0.2`), dates as
`2024-03-01`, booleans `TRUE`/`FALSE`; a cell's line breaks become spaces so a row stays one line.
Hidden sheets are read (they are the author's). An Excel workbook's pictures come after the row they
are anchored on (`spreadsheet_pictures.py`); charts, pictures placed inside cells, pictures of
types the encoder does not read, and the pictures of `.xls` (`excel_binary.py`), `.xlsb` and `.ods`
workbooks (calamine gives cells only) are said once per workbook.

Title: the title property when the sheets say it (as Word's, `docx.says_title`), else a first row
holding one short cell ("PBS buffers, 2024"), else the file's name. Keywords are tags.

Not read, said by name: an empty file, a password-protected workbook, a workbook with nothing in its
cells, one past `MAX_CELLS` filled cells (a data set, not a note: its size and the limit are said), a
zip past the Office readers' limits, and a file calamine cannot read.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from pathlib import PurePosixPath
from xml.etree import ElementTree

from indexer.sources.base import ParsedPage, add_text, end_lines, warn
from indexer.sources.doc_properties import keyword_tags
from indexer.sources.docx import MAX_UNPACKED_BYTES, OLE_SIGNATURE, describe_error, says_title
from indexer.sources.excel_binary import OldWorkbook, old_workbook
from indexer.sources.odf_package import keywords, meta_text
from indexer.sources.plain import MAX_TITLE_CHARS

# Filled cells a workbook or table may hold to be read as a note. Measured on real test workbooks: a
# 2,987-cell specification sheet is 14 parts, a generated 20,100-cell table 27, an 82,585-cell format
# test 130 parts (half of a 74-workbook collection's encoding time): past this a file is a data set.
MAX_CELLS = 20_000
# A long table is cut into sections of this many rows, each under a heading naming its rows and
# repeating the column names: a part of it found alone (the note is split at headings to fit the
# model) still says what its columns are, and its card where in the sheet it is ("rows 51-100").
ROWS_PER_SECTION = 50
_NUMBER = re.compile(r"[-+]?[\d.,%/:eE\s]*\d[\d.,%/:eE\s]*")  # a cell that is a number as text too
_DC = "{http://purl.org/dc/elements/1.1/}"
_CP = "{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}"


def parse_spreadsheet(data: bytes, name: str) -> ParsedPage | None:
    """The workbook's page, or None (said why) when it is not read."""
    old = old_workbook(data) if data.startswith(OLE_SIGNATURE) else OldWorkbook()
    if problem := _not_a_workbook(data, old):
        reason, message = problem
        warn(f"{name}: {message}, skipped", file=name, reason=reason)
        return None
    title, tags, pictures = _package_facts(data, name)
    if title is None:  # a zip past the limits: said
        return None
    if old.pictures:
        pictures.left_out.add("pictures (an Excel 97-2003 workbook's: save it as .xlsx to have them read)")
    import python_calamine as calamine  # here, not at every start of the indexer and the app

    try:
        workbook = calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = [
            (meta.name, workbook.get_sheet_by_name(meta.name).to_python(skip_empty_area=False))
            for meta in workbook.sheets_metadata
            if meta.typ == calamine.SheetTypeEnum.WorkSheet
        ]
    except calamine.PasswordError:
        message = f"{name}: password-protected; save a copy without a password, skipped"
        warn(message, file=name, reason="unreadable")
        return None
    except BaseException as err:  # a reader of untrusted files: whatever it raises is this file's problem
        if isinstance(err, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise  # (a Rust panic in calamine is a BaseException, PanicException: that file's too)
        said = describe_error(err)
        warn(f"{name}: not a readable spreadsheet ({said}), skipped", file=name, reason="unreadable")
        return None
    tables = [(sheet, cleaned_rows(rows)) for sheet, rows in sheets]
    page = table_page([(sheet, rows) for sheet, rows in tables if rows], name, pictures.by_sheet)
    if page is None:
        return None
    if pictures.left_out:
        kinds = ", ".join(sorted(pictures.left_out))
        warn(f"{name}: not read: {kinds}", file=name, reference=kinds, reason="unsupported type")
    return ParsedPage(page.items, title=title if says_title(page, title) else page.title, meta=tags)


def table_page(tables: list[tuple[str, list]], name: str, pictures: dict | None = None, stem: str = ""):
    """The page of some named tables (a workbook's sheets, a CSV file's one table) with the pictures
    anchored on their rows, or None (said why) when they hold nothing to read as a note. Its title: a
    title row (`_first_row_title`), else `stem`, else the file's name."""
    cells = [cell for _, rows in tables for _, row in rows for cell in row if cell]
    if not cells:
        warn(f"{name}: nothing in its cells, skipped", file=name, reason="empty")
        return None
    if len(cells) > MAX_CELLS:
        said = f"{len(cells):,} filled cells, a data set rather than a note (limit {MAX_CELLS:,})"
        message = f"{name}: {said}, skipped"
        warn(message, file=name, reason="too large")
        return None
    body = [cell for _, rows in tables for _, row in rows[1:] for cell in row if cell]  # below headers
    if all(_NUMBER.fullmatch(cell) for cell in body or cells):
        warn(f"{name}: a table of numbers (data, not a note); not indexed", file=name, reason="excluded")
        return None
    items: list = []
    for sheet, rows in tables:
        if len(tables) > 1:
            end_lines(items, 2)
            add_text(items, f"## {sheet}\n\n")
        anchored = sorted((pictures or {}).get(sheet, []), key=lambda pair: pair[0])
        header = _header(rows)
        for count, (number, row) in enumerate(rows):
            if count and count % ROWS_PER_SECTION == 0 and header:  # see ROWS_PER_SECTION
                last = rows[min(count + ROWS_PER_SECTION, len(rows)) - 1][0]
                end_lines(items, 2)
                add_text(items, f"### {sheet}, rows {number + 1}-{last + 1}\n\n{' | '.join(header)}\n")
            add_text(items, " | ".join(row).rstrip() + "\n")
            while anchored and anchored[0][0] <= number:
                items.append(anchored.pop(0)[1])
        items.extend(picture for _, picture in anchored)  # below the last row
    return ParsedPage(tuple(items), title=_first_row_title(tables[0][1]) or stem or PurePosixPath(name).stem)


def _header(rows: list[tuple[int, list[str]]]) -> list[str]:
    """The column names: the first row of several cells among the first three (a title row may
    stand above them); none for a one-column table."""
    return next((cells for _, cells in rows[:3] if len(cells) > 1), [])


def _first_row_title(rows: list[tuple[int, list[str]]]) -> str:
    """A first row of one short cell above a wider table ("PBS buffers, 2024"); not a one-column
    table's heading ("Name")."""
    first = rows[0][1]
    wider = any(len(cells) > 1 for _, cells in rows[1:])
    return first[0] if len(first) == 1 and wider and len(first[0]) <= MAX_TITLE_CHARS else ""


def cleaned_rows(rows: list[list]) -> list[tuple[int, list[str]]]:
    """(row number, its cells as text) for the rows with anything in them; the columns empty in
    every row before the first filled one, and each row's trailing empty cells, left out."""
    out = []
    for number, row in enumerate(rows):
        cells = [cell_text(value) for value in row]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            out.append((number, cells))
    skip = min((next(i for i, cell in enumerate(cells) if cell) for _, cells in out), default=0)
    return [(number, cells[skip:]) for number, cells in out]


def cell_text(value) -> str:
    """A cell as a person reads it in the sheet."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.12g}"
    if isinstance(value, datetime.datetime):
        return (
            value.date().isoformat() if value.time() == datetime.time() else value.isoformat(" ", "minutes")
        )
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return " ".join(str(value).split())


def _not_a_workbook(data: bytes, old: OldWorkbook) -> tuple[str, str] | None:
    """(reason, message) when the bytes cannot be a workbook calamine reads; `old`: what an `.xls`
    file's globals say (`excel_binary.old_workbook`)."""
    if not data:
        return "empty", "empty file (0 bytes)"
    if data.startswith(OLE_SIGNATURE):  # an .xls, or an encrypted .xlsx (Office wraps it in OLE)
        if "EncryptedPackage".encode("utf-16-le") in data or old.encrypted:
            return "unreadable", "password-protected; save a copy without a password"
        return None
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return "unreadable", "not a spreadsheet (no Excel or OpenDocument file, or a damaged one)"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
    if "word/document.xml" in names or "ppt/presentation.xml" in names:
        other = "a Word document" if "word/document.xml" in names else "a PowerPoint presentation"
        return "unsupported type", f"{other} under a spreadsheet's name"
    return None


def _package_facts(data: bytes, name: str):
    """(title property, meta with the keywords as tags, the pictures) of a zip workbook; ("", {}, none)
    for an old binary one; (None, ...) when the zip is past the limits (said)."""
    from indexer.sources.spreadsheet_pictures import SheetPictures, sheet_pictures

    none = SheetPictures()
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return "", {}, none
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        declared = sum(info.file_size for info in archive.infolist())
        if declared > MAX_UNPACKED_BYTES:
            message = (
                f"{name}: its parts unpack to {declared:,} bytes (limit {MAX_UNPACKED_BYTES:,}), skipped"
            )
            warn(message, file=name, reason="too large")
            return None, {}, none
        names = set(archive.namelist())
        try:
            if "docProps/core.xml" in names:
                core = ElementTree.fromstring(archive.read("docProps/core.xml"))
                title, words = core.findtext(f"{_DC}title") or "", core.findtext(f"{_CP}keywords") or ""
            elif "meta.xml" in names:  # OpenDocument
                meta = ElementTree.fromstring(archive.read("meta.xml"))
                title, words = meta_text(meta, "dc:title"), ",".join(keywords(meta))
            else:
                title, words = "", ""
            pictures = sheet_pictures(archive) if "xl/workbook.xml" in names else SheetPictures()
            media = any(n.startswith(("xl/media/", "Pictures/")) for n in names)
            if media and not pictures.by_sheet:  # an OpenDocument's, an .xlsb's, a header's logo
                pictures.left_out.add("pictures")
        except (ElementTree.ParseError, KeyError, zipfile.BadZipFile):
            return "", {}, none  # calamine says what is wrong with the cells, if anything
    tags = keyword_tags(words)
    return " ".join(title.split()), ({"tags": tags} if tags else {}), pictures
