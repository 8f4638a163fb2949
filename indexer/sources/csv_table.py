"""CSV and TSV tables (`.csv`, `.tsv`): a reading list, an inventory, a glossary, a spreadsheet saved as
text, read as the spreadsheet reader reads a sheet (`spreadsheet.table_page`): a row a line, cells
joined by ` | `, the title a first row of one cell or the file's name.

The text is decoded as notes are (`text.decode_text`: a BOM, UTF-8, else the encoding detected and
said, so Excel's GBK or Shift-JIS export reads right); the delimiter is the file's (comma, semicolon
as European Excel writes, tab, pipe), sniffed from its first lines, a tab for `.tsv`. A table of only
numbers under its column names is data, not a note, and one past `spreadsheet.MAX_CELLS` filled cells
a data set: both said, not indexed. A Notion database's table is read as its pages (`notion.py`);
one whose pages were not exported is read here, titled without Notion's id.
"""

from __future__ import annotations

import csv
import io
from pathlib import PurePosixPath

from indexer.sources.base import ParsedPage, warn
from indexer.sources.notion import NOTION_NAME
from indexer.sources.spreadsheet import MAX_CELLS, cleaned_rows, table_page
from indexer.sources.text import clean_text, decode_text

_DELIMITERS = ",;\t|"


def parse_csv(data: bytes, name: str) -> ParsedPage | None:
    """The table's page, or None (said why) when it is not read."""
    if not data.strip():
        warn(f"{name}: empty file, skipped", file=name, reason="empty")
        return None
    text = clean_text(decode_text(data, name), name)
    tab = PurePosixPath(name).suffix.lower() == ".tsv"
    try:
        dialect = csv.Sniffer().sniff(text[:20_000], delimiters="\t" if tab else _DELIMITERS)
        delimiter = dialect.delimiter
    except csv.Error:  # one column, or too irregular to tell: the usual delimiter
        delimiter = "\t" if tab else ","
    rows, cells = [], 0
    try:
        for row in csv.reader(io.StringIO(text), delimiter=delimiter):
            rows.append(row)
            cells += sum(1 for cell in row if cell.strip())
            if cells > MAX_CELLS:  # past the limit: read no further, it is said
                warn(f"{name}: more than {MAX_CELLS:,} filled cells, a data set rather than a note, skipped",
                     file=name, reason="too large")  # fmt: skip
                return None
    except csv.Error as err:
        warn(f"{name}: not a readable table ({err}), skipped", file=name, reason="unreadable")
        return None
    stem = PurePosixPath(name).stem
    notion = NOTION_NAME.fullmatch(stem)  # a Notion database's table whose rows were not exported
    return table_page([(stem, cleaned_rows(rows))], name, stem=notion.group("title") if notion else stem)
