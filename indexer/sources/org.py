"""Org notes (`.org`: Emacs Org mode, org-roam, Logseq's Org pages): their words and pictures in order.

What Org shows a reader is what is read:
- `#+TITLE:` titles the note (else its first heading, else its file name); `#+FILETAGS: :a:b:` (or
  Logseq's `#+tags: [[a]], #b`) and heading tags (`* Step 1 :oven:`) are tags; `#+ALIAS:` and
  org-roam's `:ROAM_ALIASES:` are aliases; other `#+KEY: value` lines before the text are properties.
- Headings read as `## Heading` (so the splitter finds sections), TODO keywords and priorities kept
  as words; planning lines (`SCHEDULED:`), drawers (`:PROPERTIES:` ... `:END:`), comment lines
  (`# ...`), `#+BEGIN_COMMENT` and Logseq's `#+BEGIN_QUERY` blocks, `#+ATTR_...` lines and table
  rules are not shown, so not read; `#+BEGIN_SRC` / `#+BEGIN_EXAMPLE` code is kept verbatim.
- A link to a picture without a description (`[[file:photos/step1.jpg]]`, `[[./a.png]]`) is shown
  inline by Org, and read as a picture in place; other links read as their description, else the
  page or heading they name (`[[Sourdough]]`, `[[*Shaping]]`), URLs alone are dropped.
- Emphasis markers (`*bold*`, `/italic/`, `=code=`, `~code~`, `+strike+`, `_under_`) go; Logseq's
  `((uuid))` block references read as the block's words (see `logseq.py`).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from indexer.sources.base import ImageLink, ParsedPage, clean_text, decode_text
from indexer.sources.frontmatter import unique
from indexer.sources.images import ATTACHMENTS
from indexer.sources.logseq import BLOCK_REF, BlockRef, logseq_inline, page_list

_KEYWORD = re.compile(r"^[ \t]*#\+(?P<key>[A-Za-z_][\w -]*?):[ \t]*(?P<value>.*?)[ \t]*$")
_BLOCK = re.compile(r"^[ \t]*#\+(?P<edge>BEGIN|END)_(?P<kind>\w+)\b.*$", re.IGNORECASE)
_HEADING = re.compile(
    r"^(?P<stars>\*+)[ \t]+(?:(?P<todo>TODO|DONE|NEXT|WAITING|HOLD|CANCELL?ED|LATER|NOW|DOING)[ \t]+)?"
    r"(?:\[#[A-Za-z0-9]\][ \t]+)?(?P<text>.*?)(?:[ \t]+(?P<tags>:[\w@#%:]+:))?[ \t]*$"
)
_DRAWER = re.compile(r"^[ \t]*:(?P<name>[\w-]+):[ \t]*$")
_DRAWER_END = re.compile(r"^[ \t]*:END:[ \t]*$", re.IGNORECASE)
_PROPERTY = re.compile(r"^[ \t]*:(?P<key>[\w-]+):[ \t]*(?P<value>.*?)[ \t]*$")
_PLANNING = re.compile(r"^[ \t]*(?:(?:SCHEDULED|DEADLINE|CLOSED):[ \t]*[<\[][^>\]]*[>\]][ \t]*)+$")
_COMMENT = re.compile(r"^(?:[ \t]*#(?:[ \t].*)?|\*+[ \t]*)$")  # `# note to self`; an empty heading
_TABLE_RULE = re.compile(r"^[ \t]*\|[-+|: \t]*$")
_LINK = re.compile(r"\[\[(?P<target>[^\]]+)\](?:\[(?P<label>[^\]]*)\])?\]")
_EMPHASIS = re.compile(r"(?<![\w*/=~+])([*/=~+_])(?=\S)(.+?)(?<=\S)\1(?![\w*/=~+])")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")  # Markdown bold, which Logseq's Org pages use too
_HIDDEN_BLOCKS = frozenset({"COMMENT", "QUERY"})
_VERBATIM_BLOCKS = frozenset({"SRC", "EXAMPLE"})
_SKIPPED_KEYWORDS = frozenset(
    "startup options setupfile include latex_header latex_class html_head html_head_extra name "
    "results call tblfm language creator email date_format".split()
)


def parse_org(data: bytes, name: str) -> ParsedPage:
    page = _Page()
    block = ""  # the open #+BEGIN_ kind
    drawer = ""
    started = False  # past the file's opening keywords and drawer
    for line in clean_text(decode_text(data, name), name).split("\n"):
        if block:
            if (edge := _BLOCK.match(line)) and edge["edge"].upper() == "END":
                block = ""
            elif block in _VERBATIM_BLOCKS:
                page.text(line + "\n")
            elif block not in _HIDDEN_BLOCKS:
                page.line(line)
            continue
        if drawer:
            if _DRAWER_END.match(line):
                drawer = ""
            elif not started and drawer == "PROPERTIES" and (prop := _PROPERTY.match(line)):
                page.file_property(prop["key"], prop["value"])
            continue
        if edge := _BLOCK.match(line):
            kind = edge["kind"].upper()
            if edge["edge"].upper() == "BEGIN" and kind in (*_HIDDEN_BLOCKS, *_VERBATIM_BLOCKS):
                block = kind
            elif edge["edge"].upper() == "BEGIN" and kind not in ("QUOTE", "VERSE", "CENTER"):
                block = kind  # a special block (NOTE, TIP, PINNED, ...): its words are shown
            continue
        if keyword := _KEYWORD.match(line):
            page.keyword(keyword["key"], keyword["value"], started)
            continue
        if drawer_start := _DRAWER.match(line):
            drawer = drawer_start["name"].upper()
            continue
        if _COMMENT.match(line) or _PLANNING.match(line) or _TABLE_RULE.match(line):
            continue
        if heading := _HEADING.match(line):
            started = True
            page.heading(len(heading["stars"]), heading["todo"], heading["text"], heading["tags"])
            continue
        started = started or bool(line.strip())
        page.line(line)
    title = page.title or page.first_heading or PurePosixPath(name).stem
    meta = {"tags": unique(page.tags), "aliases": unique(page.aliases), "properties": page.properties}
    return ParsedPage(tuple(page.items), title=title, meta=meta)


class _Page:
    """What the walk over the lines collects: text and links in order, and the file's metadata."""

    def __init__(self) -> None:
        self.items: list[str | ImageLink | BlockRef] = []
        self.title = ""
        self.first_heading = ""
        self.tags: list[str] = []
        self.aliases: list[str] = []
        self.properties: dict[str, str] = {}

    def keyword(self, key: str, value: str, started: bool) -> None:
        key = key.lower()
        if key == "title":
            self.title = self.title or " ".join(_words(value).split())
        elif key in ("filetags", "tags"):
            self.tags += _tag_list(value)
        elif key in ("alias", "aliases", "roam_aliases"):
            self.aliases += _alias_list(value)
        elif key == "caption":
            self.line(value)
        elif not started and key not in _SKIPPED_KEYWORDS and not key.startswith("attr_"):
            self.properties[key] = value

    def file_property(self, key: str, value: str) -> None:
        """A property of the file's opening drawer (org-roam keeps its ids and aliases there)."""
        if key.lower() == "roam_aliases":
            self.aliases += _alias_list(value)

    def heading(self, level: int, todo: str | None, text: str, tags: str | None) -> None:
        self.first_heading = self.first_heading or " ".join(_display(text).split())
        if tags:
            self.tags += [tag for tag in tags.strip(":").split(":") if tag]
        if text.strip() or todo:
            self.text("\n" + "#" * min(level, 6) + " " + (f"{todo} " if todo else ""))
            self._inline(text)
            self.text("\n")

    def line(self, line: str) -> None:
        if line.lstrip().startswith("|"):  # a table row: its cells, as the Markdown reader writes them
            line = " | ".join(cell.strip() for cell in line.strip().strip("|").split("|"))
        self._inline(line)
        self.text("\n")

    def _inline(self, line: str) -> None:
        """The line's words, links and block references in reading order."""
        line = _logseq(line)
        position = 0
        for link in _LINK.finditer(line):
            self._words(line[position : link.start()])
            if picture := _picture(link):
                self.items.append(ImageLink(picture, written=link.group(0)))
            else:
                self._words(_link_shown(link))
            position = link.end()
        self._words(line[position:])

    def _words(self, text: str) -> None:
        for index, part in enumerate(BLOCK_REF.split(text)):
            if index % 2:
                self.items.append(BlockRef(part))
            elif part:
                self.text(_words(part))

    def text(self, text: str) -> None:
        if self.items and isinstance(self.items[-1], str):
            self.items[-1] += text
        else:
            self.items.append(text)


def _logseq(line: str) -> str:
    """Logseq's macros (`{{{embed ((uuid))}}}` in its Org pages) and highlights read as in its
    Markdown pages."""
    if "{{{" in line or "^^" in line:
        return logseq_inline(line.replace("{{{", "{{").replace("}}}", "}}"))
    return line


def _words(text: str) -> str:
    """Org's inline markup read as words: emphasis markers dropped."""
    return _EMPHASIS.sub(r"\2", _BOLD.sub(r"\1", text))


def _picture(link: re.Match) -> str:
    """The path of a picture Org shows inline (a link to one, without a description), else ""."""
    path = link["target"].strip().removeprefix("file:").split("::", 1)[0]
    return path if link["label"] is None and path.lower().endswith(ATTACHMENTS) else ""


def _link_shown(link: re.Match) -> str:
    """What a link shows: its description, else a page or heading by name; a URL alone, nothing."""
    if link["label"] is not None:
        return link["label"]
    target = link["target"].strip()
    if re.match(r"^[a-z][\w+.-]*:", target) and not target.startswith("file:"):
        return ""  # https:, id:, mailto:, ...
    return target.removeprefix("file:").lstrip("*#").strip()


def _display(text: str) -> str:
    """A heading's words as shown (links as their words, pictures left out)."""
    shown = _LINK.sub(lambda link: "" if _picture(link) else _link_shown(link), _logseq(text))
    return _words(BLOCK_REF.sub("", shown))


def _tag_list(value: str) -> list[str]:
    """`:a:b:` (Org) or `[[a b]], #c` (Logseq) as tag names."""
    if value.startswith(":"):
        return [tag for tag in value.strip(":").split(":") if tag.strip()]
    return page_list(value)


def _alias_list(value: str) -> list[str]:
    """`"Two words" other` (org-roam) or `a, b` as alias names."""
    if "," in value:
        return [item.strip().strip('"') for item in value.split(",") if item.strip().strip('"')]
    return [quoted or bare for quoted, bare in re.findall(r'"([^"]+)"|(\S+)', value)]
