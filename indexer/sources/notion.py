"""Notion's "Markdown & CSV" export: what it adds to Markdown pages, read as the person saw them.

Every page is `Page Title <32-hex page id>.md`; its pictures and sub-pages sit in a folder beside
it (`Page Title/`, or `Page Title <id>/` in older exports); links to them are %-encoded
(`Page%20Title/image.png`), and Notion cuts long names, parentheses and all (`Notes%20(draft%20
1af75...md)`, whose `(` never closes). Read (`markdown.py`):
- the title: the page's `# Title` line, else its file name without the id; in an Obsidian vault
  too (where a note is titled by its file name), for the file name is the title Notion cut and
  tagged. The id stays in the document id (the path), which is stable across exports;
- a link whose cut name leaves a `(` open is mended, so its text is read and not its Markdown;
- `<aside>` callouts are HTML blocks: their text is read (their icon too);
- a database row's properties, the `Key: value` lines Notion writes under the row's title, become
  the page's properties, its `Tags` (`Tags: Array, DP`) its tags; they stay in the text too (Notion
  shows them on the page, and they are words a person searches by).
A database is exported twice: as a table (`Tasks <id>.csv`, and `Tasks <id>_all.csv` with every
row) and as its rows, each a page (`Tasks/Row <id>.md`) holding the row's properties as
`Property: value` lines and what the row holds. The pages are read; the table beside them is
reported as left out ("excluded": its rows are read as their pages) rather than as a CSV table we
cannot read. A table whose row pages were not kept is read as a table (`csv_table.py`).
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

NOTION_NAME = re.compile(r"(?P<title>.*?\S)\s+(?P<id>[0-9a-f]{32})(?P<all>_all)?")
# A row property as Notion writes it under the title: `Created time: June 27, 2023 9:32 PM`
_PROPERTY = re.compile(r"(?!#{1,6} |[-*+>] |\d+[.)] )([^\s:*_][^:*_\n]{0,39}?): (\S.*)")
TAG_PROPERTIES = frozenset({"tags", "tag", "labels", "label"})  # a multi-select, its options comma-separated
# `](Page%20(cut%20<id>.md)`: a link target holding an unclosed `(`, the link's own `)` after it
_UNCLOSED = re.compile(r"(?<=\]\()([^\s()]*%20[^\s()]*\([^\s()]*)(?=\)(?:\s|$|[^\s)]*(?:\s|$)))")


def notion_page_title(name: str) -> str:
    """The title of the page whose file is `name` (Notion's id taken off), or "" when `name` is not
    named as Notion names its pages."""
    found = NOTION_NAME.fullmatch(PurePosixPath(name).stem)
    return found.group("title") if found and not found.group("all") else ""


def mend_cut_links(text: str) -> str:
    """A Notion page's links whose cut target leaves a `(` open, with it %-encoded."""
    return _UNCLOSED.sub(lambda m: m.group(1).replace("(", "%28"), text)


def database_rows_folder(path: Path) -> str:
    """For a Notion database's table (`Tasks <id>.csv` / `_all.csv`), the folder beside it holding
    its rows as pages (`Tasks` or `Tasks <id>`); "" when `path` is no such table or its rows are
    not there."""
    found = NOTION_NAME.fullmatch(path.stem) if path.suffix.lower() == ".csv" else None
    if found is None:
        return ""
    for folder in (found.group("title"), f"{found.group('title')} {found.group('id')}"):
        rows = path.parent / folder
        if rows.is_dir() and any(page.suffix.lower() == ".md" for page in rows.iterdir()):
            return folder
    return ""


def row_properties(text: str) -> tuple[dict[str, str], list[str]]:
    """The properties of a database row's page (the first paragraph under its `# Title`, when it is
    two or more `Key: value` lines) and the tags among them; ({}, []) for a page without."""
    lines = iter(text.lstrip("\ufeff").splitlines())
    line = next((line for line in lines if line.strip()), "")
    if not line.startswith("# "):
        return {}, []
    block = []
    for line in lines:
        if line.strip():
            block.append(line.strip())
        elif block:
            break
    found = [_PROPERTY.fullmatch(line) for line in block]
    if len(block) < 2 or not all(found):  # one `Note: ...` line is a sentence; a row has a few properties
        return {}, []
    properties = {match.group(1).strip(): match.group(2).strip() for match in found}
    tags = [
        tag.strip()
        for key, value in properties.items()
        if key.casefold() in TAG_PROPERTIES
        for tag in value.split(",")
        if tag.strip()
    ]
    return properties, tags
