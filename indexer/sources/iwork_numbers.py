"""A Numbers spreadsheet's tables, read with numbers-parser, written as the spreadsheet reader writes a
workbook's sheets (`spreadsheet.table_page`); its pictures after the tables (see `iwork.py`).

numbers-parser opens a path only: the bytes are written to a temporary file, and its messages say
the file by the name the person gave it, never the temporary one.
"""

from __future__ import annotations

import datetime
import os
import tempfile
import warnings

from indexer.sources.base import ParsedPage, end_lines
from indexer.sources.docx import describe_error
from indexer.sources.iwork_archive import IworkError, Package
from indexer.sources.iwork_text import IMAGE, Reader
from indexer.sources.spreadsheet import cell_text, cleaned_rows, table_page


def read_numbers(data: bytes, package: Package, name: str) -> tuple[ParsedPage | None, set[str], bool]:
    """(the spreadsheet's page, kinds not read, whether its tables could not be read: said, and its
    pictures or preview may still be read)."""
    reader = Reader(package)
    failed = False
    try:
        tables = _tables(data)
    except IworkError as err:
        warn_unreadable(name, str(err))
        tables, failed = [], True
    named = [(label, rows) for label, rows in tables if rows]
    page = table_page(named, name) if named else None
    if named and page is None:  # said by table_page: no words, or past the size of a note
        return None, set(), False
    items = list(page.items) if page is not None else []
    reader.items = items
    for identifier, (kind, message) in sorted(package.objects.items()):
        if kind == IMAGE:
            end_lines(reader.items, 2)
            reader.placed.add(identifier)
            reader.picture(message)
    title = page.title if page is not None else ""
    return ParsedPage(tuple(reader.items), title=title), reader.left_out, failed


def warn_unreadable(name: str, said: str) -> None:
    from indexer.sources.base import warn

    warn(f"{name}: its tables could not be read ({said})", file=name, reason="unreadable")


def _tables(data: bytes) -> list[tuple[str, list]]:
    """(section name, cleaned rows) of every table of every sheet."""
    from numbers_parser import Document  # ~0.3 s to import: only when a spreadsheet is read

    handle, path = tempfile.mkstemp(suffix=".numbers")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        with warnings.catch_warnings():  # numbers-parser warns about formats it guesses at
            warnings.simplefilter("ignore")
            try:
                document = Document(path)
                sheets = [
                    (sheet.name, [(t.name, t.rows(values_only=True)) for t in sheet.tables])
                    for sheet in document.sheets
                ]
            except Exception as err:  # a reader of untrusted files: whatever it raises is this file's
                said = describe_error(err).replace(path, "the file")
                if "password" in said.lower() or "encrypt" in said.lower():
                    said = "password-protected; save a copy without a password"
                raise IworkError("unreadable", said) from None
    finally:
        os.unlink(path)
    out = []
    for sheet, tables in sheets:
        for table, rows in tables:
            label = sheet if len(tables) == 1 else f"{sheet}: {table}"
            out.append((label, cleaned_rows([[_value(v) for v in row] for row in rows])))
    return out


def _value(value):
    """A cell's value as `spreadsheet.cell_text` writes it (a duration as Numbers shows one)."""
    if isinstance(value, datetime.timedelta):
        return str(value)
    return cell_text(value) if value is not None else ""
