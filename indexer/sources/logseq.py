"""Logseq's Markdown: page and block properties, block references and embeds, macros, highlights.

Logseq (an outliner) keeps notes as plain Markdown files of nested `- ` bullets, plus syntax of its
own that would otherwise reach the index as noise or lose a note's title:
- `key:: value` lines are properties. Those opening a page (before its first block) describe it:
  `title::`, `tags::`, `alias::` are read like front matter, the rest kept as `properties`. Under a
  block, Logseq's bookkeeping (`id::`, `heading::`, `collapsed::`, task timestamps, ...) goes; a
  person's own property (`source:: a book`) stays, as Logseq shows it: `source: a book`.
- `((uuid))` refers to a block elsewhere in the graph and reads as that block's words (`BlockIndex`
  finds them: one scan of the graph, on the first reference); `{{embed ((uuid))}}` too, and
  `{{embed [[Page]]}}` reads "Page" (a transclusion is named, not inlined, as in Obsidian notes).
  `{{cloze words}}` reads its words; other macros (`{{query ...}}`, `{{renderer ...}}`, videos) are
  computed views or players, dropped.
- `^^highlight^^` reads its words; `{:height 251, :width 395}` after a picture (its display size)
  and `:LOGBOOK:` ... `:END:` drawers (time tracking) go; of Org-style blocks in a Markdown page,
  `#+BEGIN_QUOTE` (and other kinds) keep their words without the markers, `#+BEGIN_QUERY` goes.
Fenced code blocks and inline code spans are left as written.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from indexer.sources.fences import code_fences
from indexer.sources.frontmatter import FrontMatter, unique

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
BLOCK_REF = re.compile(rf"\(\(({UUID})\)\)")
_PROPERTY = re.compile(
    r"^(?P<indent>[ \t]*)(?P<bullet>[-*+][ \t]+)?(?P<key>[A-Za-z][\w.-]*)::(?:[ \t]+(?P<value>.*?))?[ \t]*$"
)
# Logseq's bookkeeping, never a person's words: folding, heading marks, colours, cards, PDF highlights,
# query settings. `id::` (a uuid) and task clocks (`done:: 1614912467913`) are bookkeeping by their
# value: an Obsidian Dataview field `id:: 42` or `done:: yes` is a person's and stays.
_INTERNAL = frozenset(
    "heading collapsed background-color background-image ls-type hl-type hl-page hl-stamp hl-color "
    "hl-value card-last-interval card-repeats card-ease-factor card-next-schedule card-last-reviewed "
    "card-last-score query-table query-properties query-sort-by query-sort-desc filters "
    "template-including-parent".split()
)
_CLOCKS = frozenset("todo doing done now later wait waiting canceled cancelled in-progress".split())
_DISPLAY_SIZE = re.compile(r"(?<=\))\{:(?:height|width) [\d.]+, :(?:height|width) [\d.]+\}")
_HIGHLIGHT = re.compile(r"\^\^([^^\n]+?)\^\^")
# Logseq's built-in macros by name: `{{1, 2}}` in a formula or `{{field}}` in a template is not one
_MACROS = (
    "embed query renderer cloze function namespace video youtube youtube-timestamp vimeo bilibili "
    "tweet twitter pdf cards zotero-imported-file zotero-linked-file"
).split()
_MACRO = re.compile(
    rf"\{{\{{(?P<name>{'|'.join(_MACROS)})(?P<args>(?:\s[^{{}}]*)?(?:\{{\{{[^{{}}]*\}}\}}[^{{}}]*)*)\}}\}}"
)
_EMBEDDED_PAGE = re.compile(r"^\s*(\[\[.+\]\])\s*$")
_EMBEDDED_BLOCK = re.compile(rf"^\s*(\(\({UUID}\)\))\s*$")
_DRAWER_START = re.compile(r"^[ \t]*:LOGBOOK:[ \t]*$")
_DRAWER_END = re.compile(r"^[ \t]*:END:[ \t]*$")
# Org-style blocks Logseq reads inside Markdown: `#+BEGIN_QUOTE` ... `#+END_QUOTE` keep their words,
# `#+BEGIN_SRC` keeps its code, `#+BEGIN_QUERY` (an advanced query) is a computed view, dropped
_ORG_BLOCK = re.compile(
    r"^(?P<lead>[ \t]*(?:[-*+][ \t]+)?)#\+(?P<edge>BEGIN|END)_(?P<kind>\w+)\b.*$", re.IGNORECASE
)
_ORG_HEADING = re.compile(r"^\*+[ \t]+(.*?)[ \t]*$")
_ORG_ID = re.compile(r"^[ \t]*:(?P<key>id):[ \t]*(?P<value>\S+)[ \t]*$", re.IGNORECASE)
_NOT_PAGES = ("logseq", "node_modules")  # settings and `bak/` copies; packages


@dataclass(frozen=True)
class BlockRef:
    """A `((uuid))` reference in a page's reading order: replaced by the block's words when built."""

    uuid: str


def page_properties(text: str) -> tuple[str, FrontMatter]:
    """(the page without its opening `key:: value` lines, what they declare)."""
    lines = text.split("\n")
    declared: dict[str, str] = {}
    count = 0
    for line in lines:
        match = _PROPERTY.match(line)
        if not match or match["indent"]:
            break
        declared[match["key"].lower()] = (match["value"] or "").strip()
        count += 1
    if not declared:
        return text, FrontMatter()
    title = declared.pop("title", "")
    tags = [*page_list(declared.pop("tags", "")), *page_list(declared.pop("tag", ""))]
    aliases = [*page_list(declared.pop("alias", "")), *page_list(declared.pop("aliases", ""))]
    properties = {key: value for key, value in declared.items() if not _bookkeeping(key, value)}
    front = FrontMatter(" ".join(title.split()), tuple(unique(tags)), tuple(unique(aliases)), properties)
    return "\n".join(lines[count:]), front


def _bookkeeping(key: str, value: str) -> bool:
    """Whether a `key:: value` property is Logseq's own, not a person's (see `_INTERNAL`)."""
    key = key.lower().replace("_", "-")  # older Logseq wrote `background_color::`
    return (
        key in _INTERNAL
        or key.startswith("logseq.")
        or (key == "id" and re.fullmatch(UUID, value.strip()) is not None)
        or (key in _CLOCKS and value.strip().isdigit() and len(value.strip()) >= 12)
    )


def page_list(value: str) -> list[str]:
    """`[[a b]], c, #d` as ["a b", "c", "d"] (how Logseq writes a property's pages)."""
    items = (i.strip().removeprefix("#").removeprefix("[[").removesuffix("]]") for i in value.split(","))
    return [item.strip() for item in items if item.strip()]


def clean_logseq(text: str) -> str:
    """The page with Logseq's own syntax read as Logseq shows it (see the module doc); code untouched."""
    out: list[str] = []
    drawer = query = False
    for line, code in code_fences(text.split("\n")):
        if code:
            out.append(line)
            continue
        if org := _ORG_BLOCK.match(line):
            query = org["kind"].upper() == "QUERY" and org["edge"].upper() == "BEGIN"
            if org["lead"].strip():  # `- #+BEGIN_QUOTE`: the block's bullet stays; a blank line would
                out.append(org["lead"].rstrip())  # loosen the list around it
            continue
        if query:
            continue
        if drawer or _DRAWER_START.match(line):
            drawer = not _DRAWER_END.match(line)
            continue
        if prop := _PROPERTY.match(line):
            if _bookkeeping(prop["key"], prop["value"] or ""):
                continue
            line = f"{prop['indent']}{prop['bullet'] or ''}{prop['key']}: {prop['value'] or ''}".rstrip()
        out.append(_outside_code(line))
    return "\n".join(out)


def _outside_code(line: str) -> str:
    """`line` with the inline rewrites applied to its parts outside backtick code spans."""
    if "`" not in line:
        return logseq_inline(line)
    parts = re.split(r"(`+[^`]*`+)", line)
    return "".join(part if index % 2 else logseq_inline(part) for index, part in enumerate(parts))


def logseq_inline(text: str) -> str:
    """Macros, display sizes and highlights in a run of text (no code in it) read as Logseq shows them."""
    if "{{" in text:
        text = _MACRO.sub(_macro, text)
    if "{:" in text:
        text = _DISPLAY_SIZE.sub("", text)
    if "^^" in text:
        text = _HIGHLIGHT.sub(r"\1", text)
    return text


def _macro(match: re.Match) -> str:
    name, args = match["name"].lower(), (match["args"] or "").strip()
    if name == "embed":
        target = _EMBEDDED_BLOCK.match(args) or _EMBEDDED_PAGE.match(args)
        return target.group(1) if target else ""
    if name == "cloze":
        return args
    return ""


class BlockIndex:
    """The words of each block that has an `id::`, across the Markdown files under `root`; built on
    the first lookup (one read of the graph), so collections without block references never pay."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._blocks: dict[str, tuple[str, str]] | None = None

    def find(self, uuid: str) -> tuple[str, str] | None:
        """(the block's words, the root-relative POSIX path of the file holding it), or None when no
        block of the graph has that id (Logseq shows such a reference in red)."""
        if self._blocks is None:
            self._blocks = self._scan()
        return self._blocks.get(uuid.lower())

    def _scan(self) -> dict[str, tuple[str, str]]:
        found: dict[str, tuple[str, str]] = {}
        for directory, subdirs, files in os.walk(self.root):
            subdirs[:] = sorted(d for d in subdirs if not d.startswith(".") and d not in _NOT_PAGES)
            for file_name in sorted(files):
                if file_name.lower().endswith((".md", ".markdown", ".org")) and not file_name.startswith("."):
                    path = Path(directory) / file_name
                    try:
                        text = path.read_text("utf-8", errors="replace")
                    except OSError:
                        continue
                    if "id::" in text or ":id:" in text.lower():
                        where = path.relative_to(self.root).as_posix()
                        found.update({uuid: (words, where) for uuid, words in _block_ids(text).items()})
        return found


def _block_ids(text: str) -> dict[str, str]:
    """uuid -> the words of the block holding that id (its first line, as a reference shows): an
    `id:: uuid` line under a `- ` block (Markdown pages) or `:id: uuid` in a heading's drawer (Org)."""
    found: dict[str, str] = {}
    block = ""
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith(("- ", "* ")) or stripped in ("-", "*"):
            block = stripped[2:].strip()
        elif org_heading := _ORG_HEADING.match(line):
            block = org_heading.group(1)
        elif (prop := _PROPERTY.match(line) or _ORG_ID.match(line)) and prop["key"].lower() == "id":
            if re.fullmatch(UUID, prop["value"] or ""):
                found[prop["value"].lower()] = _plain(block)
    return found


def _plain(words: str) -> str:
    """A block's first line as words: links and emphasis read as their words; pictures and nested
    references left out (a reference shows a block's words in place)."""
    words = BLOCK_REF.sub("", logseq_inline(words))
    words = re.sub(r"!\[[^\]]*\]\([^)]*\)|!\[\[[^\]]*\]\]", "", words)  # its pictures are not words
    words = re.sub(r"\[\[([^\]]+)\]\]", r"\1", words)
    words = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", words)
    words = re.sub(r"(\*\*|__|~~|==)(.+?)\1", r"\2", words)
    return " ".join(words.split())
