"""AsciiDoc notes and documentation pages (`.adoc`, `.asciidoc`): words and pictures in order.

Read by a small parser of our own, not a library: asciidoc-py 10 (the `asciidoc` package) runs
programs while it converts (an AsciiDoc table cell starts a Python process, `[source]` blocks the
highlighter, a `sys::[]` macro any command; its `--safe` mode fails on its own HTML5 backend) and
does not know Asciidoctor's syntax (`kbd:[]`, `xref:` resource ids, `include::partial$...`);
asciidoctrine, the pure-Python Asciidoctor-syntax parser, took 22 s for a 10 KB page (an Earley
parser). Measured in the module's commit; the reader here takes milliseconds a page. Read in the
order Asciidoctor renders (includes and conditionals first: `asciidoc_include.py`):
- the header: `= Title` titles the page (else its first section's title, else the file name); the
  author line and `:author:`, `:email:`, `:description:`, `:revdate:`, `:lang:`... are properties,
  `:keywords:` (or Antora's `:page-tags:`) tags; attribute entries anywhere are substituted (`{name}`);
- section titles (`== Title`, or `## Title`) as `## Title`; paragraphs; list items (`- `, `1. `,
  nested indented; description lists `Term:: words`); admonitions' words (`NOTE: ...`, `[TIP]`
  blocks) without their label; table rows as cells joined by ` | ` (an `a|` cell read as AsciiDoc,
  its pictures in place); listing and literal blocks verbatim (callout marks `<1>` left out);
  example, sidebar, quote and open blocks' contents; block titles (`.Parts list`) as a line;
  passthrough HTML as HTML is read (`html.py`); comments are not read;
- `image::file.png[alt]` and inline `image:file.png[]` are pictures in place, found under
  `:imagesdir:` relative to the page, or in an Antora module's `images/` (`site_antora.py`).
A Hugo or Jekyll page written in AsciiDoc opens with front matter (`---` YAML, `+++` TOML): its title,
tags and properties come first. A file it fails on (nesting past Python's recursion limit) is read
as plain text, warned "markup".
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from indexer.sources import asciidoc_syntax as syntax
from indexer.sources.asciidoc_include import preprocess, substitute
from indexer.sources.asciidoc_inline import inline, plain
from indexer.sources.base import ImageLink, ParsedPage, add_text, clean_text, decode_text, end_lines, warn
from indexer.sources.frontmatter import split_front_matter, unique
from indexer.sources.html import parse_html_fragment
from indexer.sources.site_antora import component_attributes, is_component, page_context
from indexer.sources.site_includes import reading_root


def parse_asciidoc(data: bytes, name: str) -> ParsedPage:
    text = clean_text(decode_text(data, name), name)
    text, front = split_front_matter(text, name) if text.startswith(("---\n", "+++\n")) else (text, None)
    page = _Page(name)
    try:
        page.read(preprocess(text, name, dict(page.attributes)))
    except RecursionError:  # blocks nested past Python's limit: the words are still read, as typed
        message = f"{name}: AsciiDoc not parsed (nested too deeply), read as plain text"
        warn(message, file=name, reason="markup")
        return ParsedPage((text,), title=PurePosixPath(name).stem)
    title = page.title or page.first_heading or PurePosixPath(name).stem
    meta = {"tags": unique(page.tags), "aliases": [], "properties": page.properties}
    if front is not None:  # a Hugo or Jekyll page written in AsciiDoc: its front matter says first
        title = front.title or title
        meta = {"tags": unique([*front.tags, *page.tags]), "aliases": list(front.aliases)}
        meta["properties"] = {**page.properties, **front.properties}
    return ParsedPage(tuple(page.items), title=" ".join(title.split()), meta=meta)


class _Page:
    """The page read block by block: text and picture links in order, its title and metadata."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.items: list[str | ImageLink] = []
        self.title = ""
        self.first_heading = ""
        self.tags: list[str] = []
        self.properties: dict[str, str] = {}
        self.root = reading_root()
        context = page_context(name)
        self.antora = context if context and self.root and is_component(self.root, context[0]) else None
        self.attributes: dict[str, str] = {"empty": "", "sp": " ", "nbsp": "\u00a0", "zwsp": "\u200b"}
        self.attributes |= {"amp": "&", "lt": "<", "gt": ">", "plus": "+", "vbar": "|", "startsb": "["}
        self.attributes |= {"endsb": "]", "caret": "^", "asterisk": "*", "tilde": "~", "backslash": "\\"}
        self.attributes |= {"apos": "'", "quot": '"', "deg": "°", "cpp": "C++", "two-colons": "::"}
        if self.antora and self.root is not None:
            self.attributes |= {"env-site": "", "site-gen-antora": "", "env": "site"}
            self.attributes |= component_attributes(self.root, self.antora[0])
        self._ids: dict[str, str] = {}
        self._author = ""  # the header's author line
        self._levels: list[int] = []  # the next number of each open ordered list level (0: bullets)

    # --- blocks --------------------------------------------------------------------------------

    def read(self, lines: list[str]) -> None:
        self._ids = syntax.section_ids(lines)
        start = self._header(lines)
        self.blocks(lines[start:])

    def _header(self, lines: list[str]) -> int:
        """Read the header (title, author and revision lines, attribute entries); where the body starts."""
        index = 0
        while index < len(lines) and (not lines[index].strip() or lines[index].startswith("//")):
            index += 1
        while index < len(lines) and (entry := syntax.ENTRY.match(lines[index])):
            self._entry(entry, header=True)
            index += 1
        match = syntax.SECTION.match(lines[index]) if index < len(lines) else None
        if match is None or len(match["marks"]) != 1:
            return index
        self.title = plain(match["title"], self.attributes, self._title_of)
        self.text("# " + self.title)
        self.newline(2)
        index += 1
        start = index
        for line in lines[start : start + 2]:  # the author line, then the revision line
            if not line.strip() or line.startswith((":", "//")):
                break
            if index == start:
                self._author = line.split("<", 1)[0].strip().rstrip(";")
            index += 1
        while index < len(lines) and lines[index].strip():
            if entry := syntax.ENTRY.match(lines[index]):
                self._entry(entry, header=True)
            index += 1
        if self._author and "author" not in self.properties:
            self.properties["author"] = self._author
        return index

    def _entry(self, entry: re.Match, header: bool = False) -> None:
        key = entry["name"].lower()
        if entry["unset"] or entry["unset2"]:
            self.attributes.pop(key, None)
            return
        value = substitute(entry["value"] or "", self.attributes)
        if key == "leveloffset" and re.fullmatch(r"[+-]\d+", value):  # relative to the offset so far
            value = str(syntax.offset(self.attributes) + int(value))
        self.attributes[key] = value
        if not header or not value:
            return
        if key in ("keywords", "page-tags", "tags"):
            self.tags += [tag.strip() for tag in re.split(r"[,;]", value) if tag.strip()]
        elif key in syntax.PROPERTY_ATTRIBUTES:
            self.properties[key] = " ".join(value.split())

    def blocks(self, lines: list[str]) -> None:
        index, style, title, in_list = 0, "", "", False
        while index < len(lines):
            line = lines[index]
            stripped = line.strip()
            if not stripped:
                index += 1
                continue
            if line.startswith("//") and not line.startswith("////"):
                index += 1
                continue
            if syntax.DELIMITER.match(stripped):
                end = syntax.closing(lines, index)
                self._title(title)
                self._delimited(stripped, lines[index + 1 : end], style)
                index, style, title, in_list = (
                    end + 1,
                    "",
                    "",
                    in_list and index > 0 and lines[index - 1] == "+",
                )
                continue
            if entry := syntax.ENTRY.match(line):
                self._entry(entry)
            elif stripped.startswith("[[") and stripped.endswith("]]"):
                pass  # an anchor
            elif attributes := syntax.BLOCK_ATTRIBUTES.match(stripped):
                style = syntax.block_style(attributes["body"] or "")
            elif heading := syntax.SECTION.match(line):
                self._heading(heading)
                style, title, in_list = "", "", False
            elif (macro := syntax.BLOCK_MACRO.match(stripped)) and not line[0].isspace():
                self._title(title)
                self._macro(macro)
                style, title = "", ""
            elif (caption := syntax.BLOCK_TITLE.match(stripped)) and not line[0].isspace():
                title, self._levels = caption["title"], []  # a titled list starts its own numbers
            elif stripped == "+":
                pass  # a list continuation: the next block belongs to the item (read in order)
            elif (item := syntax.LIST_ITEM.match(line)) or (
                syntax.DESCRIPTION.match(line) and not line[0].isspace()
            ):
                self._title(title)
                index = self._list_item(lines, index, item)
                in_list, title = True, ""
                continue
            else:
                if not in_list or (index and not lines[index - 1].strip()):
                    self._levels, in_list = [], False
                self._title(title)
                index = self._paragraph(lines, index, style)
                style, title = "", ""
                continue
            index += 1

    def _heading(self, heading: re.Match) -> None:
        words = plain(heading["title"], self.attributes, self._title_of)
        level = max(len(heading["marks"]) + syntax.offset(self.attributes), 1)
        if level == 1 and not self.title:
            self.title = words
        else:
            self.first_heading = self.first_heading or words
        self._levels = []
        self.newline(2)
        self.text("#" * max(level, 2 if level > 1 else 1) + " " + words)
        self.newline(2)

    def _title(self, title: str) -> None:
        if title:
            self.newline(2)
            self.text(plain(title, self.attributes, self._title_of))
            self.newline(1)

    def _paragraph(self, lines: list[str], index: int, style: str) -> int:
        """Read the paragraph starting at `index` (to a blank line, a delimiter or a list item); the
        index after it. An indented one, or one styled `[source]`/`[literal]`, is verbatim."""
        first = index
        index += 1
        while index < len(lines) and lines[index].strip():
            line = lines[index]
            if (
                syntax.DELIMITER.match(line.strip())
                or line.strip() == "+"
                or syntax.LIST_ITEM.match(line)
                or syntax.BLOCK_ATTRIBUTES.match(line)
            ):
                break
            if line.startswith("//") and not line.startswith("////"):
                break
            index += 1
        block = lines[first:index]
        if style in syntax.HIDDEN_STYLES:
            return index
        self.newline(2)
        if style in syntax.VERBATIM_STYLES or block[0][:1].isspace() and style != "normal":
            self.text(syntax.dedent(block) if style != "verse" else "\n".join(block))
        elif style == "pass":
            self.items += parse_html_fragment("\n".join(block))
        else:
            text = "\n".join(block)
            text = syntax.ADMONITION.sub("", text, count=1)
            self.inline(" ".join(part.strip() for part in text.split("\n")) if " +\n" not in text else text)
        self.newline(2)
        return index

    def _list_item(self, lines: list[str], index: int, item: re.Match | None) -> int:
        """Read one list item (its text runs on over the lines that follow); the index after it."""
        line = lines[index]
        if item is None:  # a description list's term, its words on the line or the lines after it
            term = syntax.DESCRIPTION.match(line)
            self.newline(1)
            self.inline(term["term"].strip() + ": ")
            text = term["text"] or ""
        else:
            marker = item["marker"]
            depth = len(marker) if marker[0] in "*." else 1
            ordered = marker[0] == "." or marker[0].isalnum()
            del self._levels[depth:]
            self._levels += [0] * (depth - len(self._levels))
            if ordered:
                self._levels[depth - 1] = self._levels[depth - 1] + 1
            shown = f"{self._levels[depth - 1]}. " if ordered else "- "
            self.newline(1)
            self.text("  " * (depth - 1) + shown)
            text = syntax.CHECKBOX.sub("", item["text"])
        index += 1
        while index < len(lines) and lines[index].strip():
            follow = lines[index]
            if follow.strip() == "+" or syntax.LIST_ITEM.match(follow) or syntax.DESCRIPTION.match(follow):
                break
            if (
                syntax.DELIMITER.match(follow.strip())
                or syntax.BLOCK_ATTRIBUTES.match(follow.strip())
                or follow.startswith("//")
            ):
                break
            text += " " + follow.strip()
            index += 1
        self.inline(text.strip())
        self.newline(1)
        return index

    def _delimited(self, delimiter: str, body: list[str], style: str) -> None:
        if delimiter.startswith("////") or style in syntax.HIDDEN_STYLES:
            return
        self.newline(2)
        verbatim = delimiter.startswith(("```", "----", "....")) or style == "verse"
        if verbatim or delimiter == "--" and style in syntax.VERBATIM_STYLES:
            self.text(syntax.dedent([syntax.CALLOUT.sub("", line) for line in body]))
        elif delimiter[0] == "+" or style == "pass":
            self.items += parse_html_fragment("\n".join(body))
        elif delimiter[0] in "|!,:" and delimiter[1] == "=":
            self._table(body, delimiter[0], style)
        else:  # example, sidebar, quote, open blocks, admonition blocks: their blocks
            levels, self._levels = self._levels, []  # the list it is attached to goes on after it
            self.blocks(body)
            self._levels = levels
        self.newline(2)

    def _table(self, body: list[str], separator: str, style: str) -> None:
        for row in syntax.table_rows(body, separator, style):
            self.newline(1)
            for number, (spec, cell) in enumerate(row):
                self.text(" | " if number else "")
                if "a" in spec:  # an AsciiDoc cell: blocks, pictures too
                    self.blocks(cell.split("\n"))
                else:
                    self.inline(" ".join(cell.split()))

    def _macro(self, macro: re.Match) -> None:
        name, target = macro["name"], substitute(macro["target"], self.attributes)
        if name == "image":
            self.newline(2)
            self.items.append(self._image(target))
            self.newline(2)
        # video::, audio::, toc::[] and extensions' block macros show no words or pictures we read

    # --- inline --------------------------------------------------------------------------------

    def inline(self, text: str) -> None:
        for item in inline(text, self.attributes, self._image, self._title_of):
            if isinstance(item, str):
                self.text(item)
            else:
                self.items.append(item)

    def _image(self, target: str) -> ImageLink:
        return syntax.image_link(target.strip(), self.name, self.attributes, self.root, self.antora)

    def _title_of(self, target: str) -> str:
        """What an `xref:` or `<<id>>` without its own text shows: the section's or page's title."""
        page, _, fragment = target.partition("#")
        if not page:
            return self._ids.get(fragment) or fragment.strip("_").replace("_", " ").replace("-", " ")
        found = syntax.page_title(page, self.name, self.root, self.antora)
        return (
            plain(found, self.attributes, lambda _: "")
            if found
            else PurePosixPath(page).stem.replace("-", " ")
        )

    def newline(self, count: int) -> None:
        end_lines(self.items, count)

    def text(self, text: str) -> None:
        add_text(self.items, text)
