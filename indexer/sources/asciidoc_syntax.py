"""The line-level syntax of AsciiDoc the reader (`asciidoc.py`) recognises, and its small helpers:
block boundaries, table cells, section ids, and where an image or a cross-referenced page is."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from indexer.sources.images import ImageLink
from indexer.sources.site_antora import antora_path
from indexer.sources.site_includes import collection_file

SECTION = re.compile(r"^(?P<marks>={1,6}|#{1,6})[ \t]+(?P<title>\S.*?)(?:[ \t]+(?P=marks))?[ \t]*$")
ENTRY = re.compile(r"^:(?P<unset>!)?(?P<name>\w[\w-]*)(?P<unset2>!)?:(?:[ \t]+(?P<value>.*?))?[ \t]*$")
DELIMITER = re.compile(r"^(?:(?P<char>[-.=*_+/])(?P=char){3,}|--|[|!,:]={3,}|```.*)$")
BLOCK_ATTRIBUTES = re.compile(r"^\[(?P<body>[^\[\]].*)?\]$")
BLOCK_TITLE = re.compile(r"^\.(?P<title>[^.\s].*)$")
BLOCK_MACRO = re.compile(r"^(?P<name>\w[\w-]*)::(?P<target>[^\[\s]*)\[(?P<attrs>.*)\]$")
LIST_ITEM = re.compile(
    r"^[ \t]*(?P<marker>\*{1,5}|-|\.{1,5}|\d{1,4}\.|[a-zA-Z]\.|[ivxIVX]+\))[ \t]+(?P<text>\S.*)$"
)
CHECKBOX = re.compile(r"^\[[ xX*]\][ \t]+")
DESCRIPTION = re.compile(r"^(?P<term>(?!//)\S.*?)(?P<marker>:{2,4}|;;)(?:[ \t]+(?P<text>.*))?$")
ADMONITION = re.compile(r"^(?:NOTE|TIP|IMPORTANT|WARNING|CAUTION):[ \t]+")
CALLOUT = re.compile(r"(?:[ \t]*(?://|#|--|;;)?[ \t]*<(?:\d+|\.)>)+[ \t]*$")
CALLOUT_ITEM = re.compile(r"^<(?:\d+|\.)>[ \t]+")
TABLE_CELL = re.compile(
    r"(?:^|(?<=[ \t\n]))(?P<spec>(?:\d+(?:\.\d+)?[+*])?(?:[<^>]?(?:\.[<^>])?)?[adehlmsv]?)(?<!\\)[|!]"
)
PROPERTY_ATTRIBUTES = frozenset(
    "author authors email description revdate revnumber revremark lang orgname copyright".split()
)
VERBATIM_STYLES = frozenset({"source", "listing", "literal", "verse"})
HIDDEN_STYLES = frozenset(
    {"comment", "stem", "latexmath", "asciimath", "plantuml", "graphviz", "mermaid", "ditaa"}
)


def offset(attributes: dict[str, str]) -> int:
    value = attributes.get("leveloffset", "0").strip()
    return int(value) if re.fullmatch(r"[+-]?\d+", value) else 0


def closing(lines: list[str], index: int) -> int:
    """The line closing the delimited block opened at `index` (the end of the page when unclosed)."""
    opening = lines[index].strip()
    closing = "```" if opening.startswith("```") else opening
    for end in range(index + 1, len(lines)):
        if lines[end].strip() == closing:
            return end
    return len(lines)


def block_style(body: str) -> str:
    """A block attribute list's style: `[source,bash]` -> source, `[NOTE]` -> note, `[%header]` -> ""."""
    first = body.split(",", 1)[0].strip()
    if "=" in first or first.startswith(("#", ".", "%", '"')):
        return "cols=" + _cols(body) if "cols" in body else ""
    style = re.split(r"[#.%]", first, maxsplit=1)[0].lower()
    return style or ("cols=" + _cols(body) if "cols" in body else "")


def _cols(body: str) -> str:
    match = re.search(r'cols\s*=\s*"([^"]*)"|cols\s*=\s*([^,\]]*)', body)
    return (match[1] or match[2] or "") if match else ""


def columns(style: str) -> int:
    """How many columns a table's `cols` names: `"1,2,3"` 3, `"3*"` 3, `"2*,1"` 3."""
    if not style.startswith("cols="):
        return 0
    count = 0
    for part in style[5:].split(","):
        part = part.strip()
        if match := re.match(r"^(\d+)\*", part):
            count += int(match[1])
        elif part:
            count += 1
    return count


def section_ids(lines: list[str]) -> dict[str, str]:
    """Section ids -> titles: `[[id]]`/`[#id]` above a title, else the id Asciidoctor makes (`_a_title`)."""
    ids, explicit = {}, ""
    for line in lines:
        if line.startswith(("[[", "[#")):
            explicit = re.split(r"[\],.]", line.strip("[#"), maxsplit=1)[0]
            continue
        if heading := SECTION.match(line):
            title = heading["title"].strip()
            ids["_" + re.sub(r"\W+", "_", title.lower()).strip("_")] = title
            if explicit:
                ids[explicit] = title
        explicit = ""
    return ids


def dedent(lines: list[str]) -> str:
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return "\n".join(CALLOUT_ITEM.sub("", line[cut:]) for line in lines)


def table_rows(body: list[str], separator: str, style: str) -> list[list[tuple[str, str]]]:
    """A table's rows as (cell spec, cell source) pairs: `|===` cells start at `|` (`!` in a nested
    `!===`), after their spec (`2+`, `a`, `.^`); rows are as wide as `cols` says, else as the first
    line's cells. A CSV (`,===`) or DSV (`:===`) table is a row a line."""
    if separator in ",:":
        return [
            [("", cell.strip().strip('"')) for cell in line.split(separator)] for line in body if line.strip()
        ]
    text = "\n".join(line for line in body if not line.startswith("//"))
    pattern = TABLE_CELL if separator == "|" else re.compile(TABLE_CELL.pattern.replace("[|!]", "!"))
    matches = list(pattern.finditer(text))
    first_line = next((line for line in body if line.strip()), "")
    width = columns(style) or max(1, len(list(pattern.finditer(first_line))))
    cells = []
    for number, match in enumerate(matches):
        end = matches[number + 1].start() if number + 1 < len(matches) else len(text)
        cells.append((match["spec"], text[match.end() : end].strip()))
    return [cells[start : start + width] for start in range(0, len(cells), width)]


def image_link(target: str, name: str, attributes: dict[str, str], root: Path | None, antora) -> ImageLink:
    """The link of an image target as written in the page `name`: in an Antora module's images
    (`antora`: the page's component and module), else under `:imagesdir:`, relative to the page."""
    if "://" in target or target.startswith("data:"):
        return ImageLink(target)
    if antora and root is not None and (path := antora_path(root, target, antora, "images")) is not None:
        return ImageLink(posixpath.relpath(path, posixpath.dirname(name) or "."), written=target)
    folder = attributes.get("imagesdir", "").strip()
    if folder and not target.startswith("/") and "://" not in folder:
        return ImageLink(posixpath.join(folder, target), written=posixpath.join(folder, target))
    return ImageLink(target)


def page_title(page: str, name: str, root: Path | None, antora) -> str:
    """The `= Title` of the page an `xref:` names from the page `name` ("" when not found); the
    page is read again when that page changes."""
    if not page.endswith(".adoc"):
        page += ".adoc"
    path = antora_path(root, page, antora, "pages") if antora and root is not None else None
    path = path or posixpath.join(posixpath.dirname(name), page.rsplit(":", 1)[-1])
    _, text, _ = collection_file(path)
    for line in (text or "").split("\n")[:40]:
        if line.startswith("= "):
            return line[2:].strip()
    return ""
