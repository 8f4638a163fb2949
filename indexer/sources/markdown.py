"""Markdown notes with pictures, parsed by markdown-it-py (CommonMark + tables + Obsidian syntax).

The text keeps its structure in plain Markdown form: headings as `## Heading`, numbered steps as
`1. Step`, so a reader sees the same words and `split_to_budget` finds the section boundaries.
Emphasis markers (`**`, `~~struck~~`, `==highlight==`; beside Korean or Japanese words too, see
`cjk_emphasis.py`) and link URLs are dropped; code is kept
verbatim (and images or tags inside code are not read), except the fenced queries Obsidian and its
plugins replace by their results (`dataview`, `dataviewjs`, `tasks`, `query`, `table-of-contents`,
`toc`, `base`), which are dropped.
Images come from `![alt](path)`, `![alt](<path with spaces>)`, reference-style `![alt][ref]`, HTML
`<img src>`, and Obsidian embeds `![[name.png]]` / `![[name.png|300]]` / `![[sub/name.jpg#anchor]]`
in any folder (resolved as Obsidian does, see `images.py`). R Markdown and Quarto notes (`.Rmd`,
`.qmd`) are read as Markdown; a picture their chunks show (`knitr::include_graphics("a.png")`) is
read in place after the chunk's code. Hugo shortcodes (`{{< figure src=... >}}`) and Liquid tags
(Jekyll) read as the built site shows them (`shortcodes.py`, `liquid.py`), and so are Hexo's tags
(`{% asset_img a.jpg caption %}`), VuePress' and VitePress' additions (`[[toc]]`, `@[code](...)`)
and Docsify's (`site_markup.py`).

Obsidian notes (`obsidian.py`, `frontmatter.py`): `[[Note]]` reads "Note", `[[Note|alias]]` "alias",
`[[Note#Heading]]` "Note > Heading". A transclusion `![[Other note]]` is **not inlined**: it becomes
the other note's name as a short textual reference (the other note is indexed as itself). Embeds
of PDF, audio and video are reported by name ("unsupported type"); SVG pictures are drawn. Callout markers
(`> [!tip]- Title`) and block ids (`^abc123`) are dropped, their title and body kept. An
Excalidraw drawing (`Drawing.excalidraw.md`) reads as its texts and pictures (`excalidraw.py`).
YAML front matter gives the title, tags and aliases. Without a `title:`, a note written in Obsidian
(inside a vault, or using wiki links) is titled by its file name as Obsidian shows it (its
`# Heading`s are sections, often a template's), any other note by its first `# Heading`, else its
file name; a README, an index or a `note.md` (generic names, `_GENERIC_NAMES`) by its first
heading of any level. Other keys become
`meta["properties"]`; inline `#tags` join the front-matter tags in `meta["tags"]`. A picture a
property links (`cover: "[[poster.png]]"`) is shown first, and a note made only of properties reads
as them (`property_notes.py`).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import PurePosixPath

from markdown_it import MarkdownIt
from markdown_it.token import Token

from indexer.sources.base import FolderReader, ImageLink, ParsedPage, clean_text, decode_text
from indexer.sources.cjk_emphasis import cjk_emphasis_plugin
from indexer.sources.excalidraw import PLUGIN_KEY, drawing_markdown, exported_picture, is_drawing
from indexer.sources.frontmatter import split_front_matter, unique
from indexer.sources.html import parse_html_drawings, parse_html_fragment, say_svg_icons, video_markup
from indexer.sources.images import ATTACHMENTS
from indexer.sources.imagesize import strip_image_sizes
from indexer.sources.inline_svg import opens_svg, svg_source
from indexer.sources.liquid import clean_liquid
from indexer.sources.logseq import BLOCK_REF, BlockRef, clean_logseq, page_properties
from indexer.sources.mdx import clean_mdx
from indexer.sources.notion import mend_cut_links, notion_page_title, row_properties
from indexer.sources.obsidian import link_text, obsidian_plugin
from indexer.sources.property_notes import property_lines, property_pictures
from indexer.sources.shortcodes import clean_shortcodes
from indexer.sources.site_i18n import without_translation_notice
from indexer.sources.site_includes import mdbook_directives
from indexer.sources.site_markup import clean_site_markup, hexo_front_matter

# `~~struck~~` (GitHub's, Obsidian's): the words stay, the markers go, as for emphasis
_MARKDOWN = (
    MarkdownIt("commonmark").enable(["table", "strikethrough"]).use(obsidian_plugin).use(cjk_emphasis_plugin)
)
# markdown-it leaves file:/javascript: links as literal text; parse them so that the one safety gate,
# ImageResolver, refuses them with a warning instead of their syntax landing in the document text.
_MARKDOWN.validateLink = lambda url: True
_MARKDOWN.normalizeLink = lambda url: url  # as written (`なし.png`, not `%E3%81%AA...`); resolving unquotes
# Fenced blocks that Obsidian or a common plugin replaces by what they compute (a list of notes,
# tasks, search results, a table of contents): their text is a query, not what the note says.
_QUERY_BLOCKS = frozenset("dataview dataviewjs tasks query table-of-contents toc base".split())
_INCLUDE_GRAPHICS = re.compile(r"include_graphics\(([^)]*\)?)")
_QUOTED = re.compile(r"""["']([^"']+)["']""")
_EMBED_SIZE = re.compile(r"\d+(?:%|px)?(?:x\d+)?(?:\|\w+(?:-\w+)?)?")  # 400, 100%, 400x300, 400|left
# Names that name no note: a site's page, an editor's new note (Obsidian's "Untitled 2", "未命名 1"),
# a course's per-lesson `note.md` or `笔记.md` (Typora notes, one folder per lesson: the folder or
# the heading names it)
_GENERIC_NAMES = frozenset(
    {"readme", "index", "_index", "untitled", "untitled note", "note", "notes", "笔记", "未命名", "无标题"}
)
_COPY_NUMBER = re.compile(r"\s*\d{1,3}$")  # "Untitled 2", "未命名 1"


def parse_markdown(data: bytes, name: str) -> ParsedPage:
    text = hexo_front_matter(clean_text(decode_text(data, name), name))  # a header without its `---`
    text, book_title = mdbook_directives(text, name)  # `{{#include file.rs}}` (site_includes.py)
    text, front = split_front_matter(text, name)
    text = without_translation_notice(text, name)  # "see the English version" (site_i18n.py)
    if is_drawing(name, front.properties):  # an Obsidian Excalidraw drawing (see excalidraw.py)
        text = drawing_markdown(text, exported_picture(name, front.properties))
        front = replace(front, properties={k: v for k, v in front.properties.items() if k != PLUGIN_KEY})
    text, declared = page_properties(text)  # Logseq's `title:: ...` lines (see logseq.py)
    text = clean_site_markup(
        clean_shortcodes(text), name
    )  # Hugo's, then Hexo's, VuePress'... (site_markup.py)
    text = clean_mdx(clean_logseq(clean_liquid(text)))  # Liquid's, Logseq's, MDX's
    text = strip_image_sizes(text)  # `![](a.png =250x)`, `![](a.png){width=50%}` (see imagesize.py)
    row, row_tags = {}, []
    if notion_title := notion_page_title(name):  # a page of a Notion export (see notion.py)
        text = mend_cut_links(text)
        row, row_tags = row_properties(text)
    renderer = markdown_body(text)
    if renderer.svg_icons:
        say_svg_icons(name, renderer.svg_icons)
    items = [*property_pictures(front.properties), *renderer.items]  # a card's cover (property_notes.py)
    if not any(not isinstance(item, str) or item.strip() for item in renderer.items):
        items.append(property_lines(front.properties))  # a note of properties only reads as them
    meta = {
        "tags": unique([*front.tags, *declared.tags, *row_tags, *renderer.tags]),
        "aliases": unique([*front.aliases, *declared.aliases]),
        "properties": {**row, **declared.properties, **front.properties},
    }
    front = replace(front, title=front.title or declared.title or book_title)
    heading, file_title = renderer.first_headings.get(1, ""), _file_title(name)
    if notion_title:  # its file name is the title Notion cut and tagged with the page id
        file_title = heading or notion_title
    # Obsidian titles a note by its file name (what `[[links]]` and its tab show); a `# Heading` in
    # it is a section, often a template's ("# Description"). Elsewhere the first `# Heading` titles.
    obsidian_title = front.title or file_title or heading or renderer.first_heading
    if renderer.uses_wikilinks:  # written in Obsidian, whether or not its `.obsidian/` came along
        return ParsedPage(tuple(items), title=obsidian_title, meta=meta)
    title = front.title or heading or file_title or renderer.first_heading
    return ParsedPage(tuple(items), title=title, meta=meta, vault_title=obsidian_title)


def markdown_body(text: str) -> BodyRenderer:
    """Markdown without front matter (a note's body, a notebook's cell) as text and image links in
    reading order (`.items`), with its first heading of each level and its inline `#tags`."""
    env: dict = {}
    renderer = BodyRenderer()
    renderer.render(_MARKDOWN.parse(text, env))
    renderer.tags = env.get("tags", [])
    if renderer.uses_wikilinks:  # written in Obsidian: its Markdown links resolve by Obsidian's rule too
        renderer.items = [
            replace(i, obsidian=True) if isinstance(i, ImageLink) else i for i in renderer.items
        ]
    return renderer


def _file_title(name: str) -> str:
    """The note's file name, its title in Obsidian and wikis; "" for a generic README or index. A
    TextBundle's `Note.textbundle/text.md` is titled by the bundle, `Note`.
    Logseq's file names read as its pages do: `2021_04_28` (a journal) as 2021-04-28, and a
    namespace page `recipes___bread` (or `recipes%2Fbread`) as recipes/bread."""
    path = PurePosixPath(name)
    stem = path.stem.strip()
    if stem == "text" and path.parent.suffix.lower() == ".textbundle":  # Bear's, Ulysses': one note
        return path.parent.stem.strip()
    if stem.lower().endswith(".excalidraw"):  # an Excalidraw drawing, `Drawing 2024.excalidraw.md`
        stem = stem[: -len(".excalidraw")].strip()
    if journal := re.fullmatch(r"(\d{4})_(\d{2})_(\d{2})", stem):
        return "-".join(journal.groups())
    stem = stem.replace("___", "/").replace("%2F", "/").replace("%2f", "/")
    return "" if _COPY_NUMBER.sub("", stem).lower() in _GENERIC_NAMES else stem


class BodyRenderer:
    """Walks markdown-it block tokens, emitting text and image links in reading order."""

    def __init__(self) -> None:
        self.items: list[str | ImageLink] = []
        self.first_heading = ""
        self.first_headings: dict[int, str] = {}  # level -> the first heading of that level
        self._lists: list[str] = []  # "-" for bullet lists, "." / ")" for ordered ones
        self._pending_marker = ""  # the "3. " of a list item, written before its first text
        self._heading_level = 0  # inside a heading of this level
        self.uses_wikilinks = False
        self.tags: list[str] = []  # inline #tags (markdown-it's env, see obsidian.py)
        self.svg_icons = 0  # icon-sized inline <svg> drawings left out
        self._in_footnote = False  # inside an inline footnote `^[...]`

    def render(self, tokens: list[Token]) -> None:
        for token in tokens:
            kind = token.type
            if kind == "heading_open":
                self._heading_level = int(token.tag[1])
                self._text("#" * int(token.tag[1]) + " ")
            elif kind == "heading_close":
                self._heading_level = 0
                if self.items and isinstance(self.items[-1], str) and self.items[-1].endswith("# "):
                    self.items[-1] = self.items[-1].rstrip("# ")  # a heading with no words: nothing shown
                    continue
                self._text("\n\n")
            elif kind in ("hr", "table_close", "blockquote_close"):
                self._text("\n\n")
            elif kind == "paragraph_close":
                self._text("\n" if token.hidden else "\n\n")  # tight list items sit on adjacent lines
            elif kind in ("bullet_list_open", "ordered_list_open"):
                self._lists.append("-" if kind == "bullet_list_open" else token.markup)
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self._lists.pop()
                self._end_line()
                if not self._lists:
                    self._text("\n")
            elif kind == "list_item_open":
                marker = "-" if self._lists[-1] == "-" else f"{token.info}{self._lists[-1]}"
                self._pending_marker = "  " * (len(self._lists) - 1) + marker + " "
            elif kind in ("tr_close", "list_item_close"):
                self._end_line()
            elif kind in ("th_close", "td_close"):
                self._text(" | ")
            elif kind == "fence" and _fence_language(token) in _QUERY_BLOCKS:
                continue  # a plugin's query (Dataview, Tasks, ...): Obsidian shows its results, not it
            elif kind in ("fence", "code_block"):
                self._text(token.content + "\n")
                if kind == "fence" and token.info.lstrip().startswith("{"):  # R Markdown / Quarto chunk
                    self.items += [ImageLink(path) for path in _chunk_pictures(token.content)]
            elif kind == "html_block":
                items, icons = parse_html_drawings(token.content, inline=False)
                self.items.extend(items)
                self.svg_icons += icons
                self._text("\n\n")
            elif kind == "inline":
                self._inline(token)

    def _inline(self, token: Token) -> None:
        if self._heading_level and self._heading_level not in self.first_headings:
            words = (_words(c) for c in token.children or [] if c.type in ("text", "code_inline", "wikilink"))
            self.first_headings[self._heading_level] = " ".join("".join(words).split())
            self.first_heading = self.first_heading or self.first_headings[self._heading_level]
        children, position = token.children or [], 0
        self._in_footnote = False  # a footnote never runs past its paragraph
        while position < len(children):
            child = children[position]
            position += 1
            self.uses_wikilinks |= child.type == "wikilink"
            if opens_svg(child):  # a drawing written in the paragraph (inline_svg.py)
                source, position = svg_source(children, position - 1)
                items, icons = parse_html_drawings(source, inline=True)
                self.items.extend(items)
                self.svg_icons += icons
            elif child.type == "text" and "((" in child.content:
                self._with_block_refs(child.content)
            elif child.type == "text":
                self._text(self._inline_footnotes(child.content))
            elif child.type == "code_inline":
                self._text(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                self._text("\n")
            elif child.type == "image":
                self._flush_marker()
                self.items.append(ImageLink(str(child.attrs.get("src", ""))))
            elif child.type == "html_inline" and child.content.lstrip()[:6].lower() == "<video":
                source, position = video_markup(children, position - 1)  # its <source> tags are tokens
                self.items.extend(parse_html_fragment(source, inline=True))
            elif child.type == "html_inline":
                self.items.extend(parse_html_fragment(child.content, inline=True))
            elif child.type == "wikilink" and child.meta["embed"] and _is_attachment(child.meta["path"]):
                self._flush_marker()
                self.items.append(ImageLink(child.meta["path"], written=child.markup, wiki=True))
            elif child.type == "wikilink":  # a link, or a transclusion of a note: its name, not its text
                self._text(_words(child))

    def _inline_footnotes(self, text: str) -> str:
        """Obsidian's and Pandoc's inline footnote `^[words]`: its words in place, in brackets
        (markdown-it leaves the marks as text; an emphasis inside splits it over tokens)."""
        out, position = [], 0
        while position < len(text):
            if not self._in_footnote and (start := text.find("^[", position)) >= 0:
                before = text[position:start]
                out += [before, "(" if not before or before.endswith(" ") else " ("]
                self._in_footnote, position = True, start + 2
            elif self._in_footnote and (end := text.find("]", position)) >= 0:
                out += [text[position:end], ")"]
                self._in_footnote, position = False, end + 1
            else:
                out.append(text[position:])
                break
        return "".join(out)

    def _with_block_refs(self, text: str) -> None:
        """Text holding Logseq `((uuid))` references: each becomes a `BlockRef` in reading order."""
        for index, part in enumerate(BLOCK_REF.split(text)):
            if index % 2:
                self._flush_marker()
                self.items.append(BlockRef(part))
            elif part:
                self._text(part)

    def _flush_marker(self) -> None:
        if self._pending_marker:
            marker, self._pending_marker = self._pending_marker, ""
            self._text(marker)

    def _end_line(self) -> None:
        if not (self.items and isinstance(self.items[-1], str) and self.items[-1].endswith("\n")):
            self._text("\n")

    def _text(self, text: str) -> None:
        if text.strip():
            self._flush_marker()
        if self.items and isinstance(self.items[-1], str):
            self.items[-1] += text
        else:
            self.items.append(text)


def _chunk_pictures(code: str) -> list[str]:
    """Pictures an executable chunk shows (`knitr::include_graphics("img/a.png")`, or several in
    `c(...)`): a lab notebook's photos, read in place after the chunk's code."""
    return [path for call in _INCLUDE_GRAPHICS.findall(code) for path in _QUOTED.findall(call)]


def _fence_language(token: Token) -> str:
    words = token.info.split(maxsplit=1)
    return words[0].lower() if words else ""


def _is_attachment(path: str) -> bool:
    return path.lower().endswith(ATTACHMENTS)


def _words(token: Token) -> str:
    if token.type == "wikilink":
        label = token.meta["label"]
        if token.meta["embed"] and _EMBED_SIZE.fullmatch(label):  # `![[pump.excalidraw|400]]`: a size
            label = ""
        return link_text(token.meta["path"], token.meta["anchor"], label)
    return token.content


class MarkdownFolderReader(FolderReader):
    """A folder of `.md` / `.markdown` notes; images resolve relative to the note that links them."""

    # R Markdown and Quarto notes (`.Rmd`, `.qmd`) are Markdown with executable chunks
    parsers = {ext: parse_markdown for ext in (".md", ".markdown", ".mdx", ".rmd", ".qmd")}
