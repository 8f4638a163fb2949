"""Saved web pages: visible text, local `<img>` and `<video>` in DOM order, with the stdlib `html.parser`.

The stdlib parser is tolerant of the broken markup saved pages are full of, and a page's visible
text needs no DOM tree, only a walk with a little state. Headings become `## Heading` and ordered
list items `1. Step` (the same plain-Markdown shape as the Markdown reader produces). Scripts,
styles, navigation, forms' option lists, ruby glosses (`<rt>`) and elements marked `hidden` are not
visible text. An inline `<svg>` drawing (a Mermaid chart a note app exported) is kept as a picture
in its place and drawn, as an `<img src=x.svg>` is (`inline_svg.py`); icon-sized ones are counted and
said; one that only frames a linked picture (`<image xlink:href>`, as e-books show a cover photo)
gives that picture, as an `<img>` would.
The title is the page's `<title>`, unless it is the one an editor's new-page template wrote (VS
Code's and Emmet's "Document", WebStorm's "Title", Eclipse's "Insert title here", Dreamweaver's
"无标题文档"): 132 of 201 pages of a real course's exercises were "Document"; those are named by
their first heading, else their file name ("12_跳转锚点"), as the student named them.
A page that opens with front matter is a site's source page (Jekyll): the front matter gives its
title and is not text, and its Liquid tags are read as the site shows them (`liquid.py`).
"""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser

from indexer.sources.base import EmbeddedImage, FolderReader, ImageLink, ParsedPage, warn
from indexer.sources.frontmatter import split_front_matter
from indexer.sources.inline_svg import MIN_SIDE, InlineSvg
from indexer.sources.liquid import clean_liquid
from indexer.sources.text import clean_text, decode_text
from indexer.sources.titles import file_title

_INVISIBLE = {
    "script", "style", "nav", "noscript", "template", "head", "svg", "iframe", "select", "object",
    "rt", "rp",  # ruby annotations (furigana, pinyin) over the words they gloss: not the words
}  # fmt: skip
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
_BLOCKS = {
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption", "figure",
    "footer", "form", "header", "hr", "main", "ol", "p", "pre", "section", "table", "ul",
}  # fmt: skip
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
# What editors' new-page templates put in <title> (see the module doc): no page's name
TEMPLATE_TITLES = frozenset(
    {"document", "title", "insert title here", "untitled document", "untitled", "new document",
     "page title", "无标题文档", "未命名文档", "无标题", "標題", "标题"}
)  # fmt: skip
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)


def parse_html(data: bytes, name: str) -> ParsedPage:
    declared = _CHARSET.search(data[:4096])
    text = decode_text(data, name, declared.group(1).decode("ascii") if declared else None)
    text = clean_text(text, name)
    body, front = split_front_matter(text, name)
    if body != text:  # a site's page: Jekyll runs Liquid on each page with front matter, and only there
        text = clean_liquid(body, outputs=True, html=True)
    walker = _VisibleContent()
    walker.feed(text)
    walker.close()
    if walker.icons:
        say_svg_icons(name, walker.icons)
    title = walker.title
    if title.casefold() in TEMPLATE_TITLES:  # a new page's placeholder: the page's heading or file names it
        title = walker.first_heading or file_title(name)
    return ParsedPage(tuple(walker.items), title=front.title or title or walker.first_heading)


def say_svg_icons(name: str, count: int) -> None:
    what = f"{count} small or empty inline SVG drawing(s) (icons, formulas under {MIN_SIDE} px)"
    warn(f"{name}: {what} not read as pictures", file=name, reason="excluded")


def parse_html_body(html: str) -> ParsedPage:
    """An HTML body already decoded, as a converter writes it (a Word document through mammoth): no
    charset, front matter or Liquid to look for; the title is its first heading, if any."""
    walker = _VisibleContent()
    walker.feed(html)
    walker.close()
    return ParsedPage(tuple(walker.items), title=walker.first_heading)


def parse_html_fragment(html: str, inline: bool = False) -> list[str | ImageLink]:
    """Text and images of an HTML snippet embedded in Markdown (`inline`: no block breaks added)."""
    walker = _VisibleContent(inline=inline)
    walker.feed(html)
    walker.close()
    return walker.items


def video_markup(children: list, start: int) -> tuple[str, int]:
    """A Markdown paragraph's `<video>` (from `children[start]`, an opening tag) to its `</video>`,
    the tags put back together (markdown-it cuts `<video><source src></video>` into a token a tag),
    and the index after it."""
    parts, position = [], start
    while position < len(children):
        child = children[position]
        position += 1
        if child.type == "html_inline":
            parts.append(child.content)
            closing = child.content.lstrip()[:7].lower() == "</video"
            if closing or position - 1 == start and child.content.rstrip().endswith("/>"):
                break
    return "".join(parts), position


def parse_html_drawings(html: str, inline: bool) -> tuple[list[str | ImageLink | EmbeddedImage], int]:
    """As `parse_html_fragment`, inline `<svg>` drawings kept even in a paragraph's (a Markdown
    note's `<svg>...</svg>` put back together, see `inline_svg.svg_source`): (items, icon-sized
    drawings left out)."""
    walker = _VisibleContent(inline=inline, drawings=True)
    walker.feed(html)
    walker.close()
    return walker.items, walker.icons


class _VisibleContent(HTMLParser):
    def __init__(self, inline: bool = False, drawings: bool | None = None) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[str | ImageLink] = []
        self.title = ""
        self.first_heading = ""
        self._inline = inline
        self._hidden: list[str] = []  # open elements of an invisible subtree
        self._in_title = False
        self._pre = 0
        self._heading: list[str] = []  # text of the heading being read, if any
        self._lists: list[int | None] = []  # next number for <ol>, None for <ul>
        self._row_has_cell = False
        self._cells = 0  # open table cells: their paragraphs are joined by spaces, the row kept whole
        self._pending_marker = ""
        self._drawing: InlineSvg | None = None  # an inline <svg> being read (see inline_svg.py)
        self._drawings = not inline if drawings is None else drawings  # a tag alone is no drawing
        self.drawings = 0  # inline drawings kept as pictures
        self.icons = 0  # icon-sized inline drawings left out
        self._video_source = False  # in a <video> without `src`: its first <source> is the video

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]], closed: bool = False) -> None:
        attributes = dict(attrs)
        if self._drawing is not None:
            self._drawing.start(tag, attrs, self.get_starttag_text() or "", closed)
            return
        if tag == "svg" and not self._hidden and self._drawings and "hidden" not in attributes:
            self._drawing = InlineSvg()
            self._drawing.start(tag, attrs, self.get_starttag_text() or "", closed)
            if closed:
                self._end_drawing()
            return
        if tag == "title":  # inside <head>, which is otherwise invisible
            self._in_title = True
        if tag == "source" and self._video_source and self._hidden[-1:] == ["video"]:
            if source := attributes.get("src") or "":  # a <video>'s first source: the others are the same
                self._video_source = False
                self.items.append(ImageLink(source))
            return
        if self._hidden or tag in _INVISIBLE or "hidden" in attributes:
            if tag not in _VOID:
                self._hidden.append(tag)
            return
        if tag == "img":
            source = attributes.get("src") or attributes.get("data-src") or ""
            marker, self._pending_marker = self._pending_marker, ""
            self._text(marker)
            self.items.append(ImageLink(source))
        elif tag == "video":  # read in place (`note_videos.py`); its fallback words are no page's
            source = attributes.get("src") or ""
            self.items += [ImageLink(source)] if source else []
            self._video_source = not source  # else its first <source>
            self._hidden.append(tag)
        elif tag == "br":
            self._text("\n")
        elif tag in _HEADINGS:
            self._break()
            self._text("#" * int(tag[1]) + " ")
            self._heading.append("")
        elif tag == "pre":
            self._break()
            self._pre += 1
        elif tag in ("ol", "ul"):
            start = attributes.get("start") or "1"
            self._lists.append((int(start) if start.isdigit() else 1) if tag == "ol" else None)
            self._break()
        elif tag == "li":
            self._text("\n")
            self._pending_marker = self._list_marker()  # written before the item's first text
        elif tag in ("td", "th"):
            self._text(" | " if self._row_has_cell else "")
            self._row_has_cell = True
            self._cells += 1
        elif tag == "tr":
            self._text("\n")
            self._row_has_cell = False
        elif tag in _BLOCKS:
            self._break()

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._drawing is not None or tag == "svg":
            self.handle_starttag(tag, attrs, closed=True)
            return
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._drawing is not None:
            self._drawing.end(tag)
            if self._drawing.done:
                self._end_drawing()
            return
        if tag == "title":
            self._in_title = False
        if tag == "video":
            self._video_source = False
        if self._hidden:
            if tag in self._hidden:  # close up to the matching element (tolerates unclosed children)
                while self._hidden.pop() != tag:
                    pass
            return
        if tag in _HEADINGS and self._heading:
            heading = self._heading.pop()
            marker = "#" * int(tag[1]) + " "
            last = self.items[-1] if self.items else None
            if not heading.strip() and isinstance(last, str) and last.endswith(marker):
                self.items[-1] = last[: -len(marker)]  # an empty heading (its text was a template's)
            self.first_heading = self.first_heading or " ".join(heading.split())
            self._break()
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)
            self._break()
        elif tag in ("ol", "ul") and self._lists:
            self._lists.pop()
            self._break()
        elif tag == "li":
            self._text("\n")
        elif tag in ("td", "th"):
            self._cells = max(0, self._cells - 1)
        elif tag in _BLOCKS:
            self._break()

    def _end_drawing(self) -> None:
        """An inline drawing read to its end: its linked pictures, else itself (not an icon)."""
        drawing, self._drawing = self._drawing, None
        if drawing.links:  # it frames pictures (a book's cover): they are the pictures
            self.items += [ImageLink(link) for link in drawing.links]
        elif drawing.small():
            self.icons += 1
        else:
            self.drawings += 1
            payload = base64.b64encode(drawing.markup()).decode("ascii")
            self.items.append(EmbeddedImage("image/svg+xml", payload, f"inline SVG drawing {self.drawings}"))

    def handle_data(self, data: str) -> None:
        if self._drawing is not None:
            self._drawing.data(data)
            return
        if self._in_title:
            self.title += " ".join(data.split())
            return
        if self._hidden:
            return
        if not self._pre:
            data = re.sub(r"\s+", " ", data)
        if self._heading:
            self._heading[-1] += data
        self._text(data)

    def _list_marker(self) -> str:
        if not self._lists:
            return "- "
        indent = "  " * (len(self._lists) - 1)
        number = self._lists[-1]
        if number is None:
            return indent + "- "
        self._lists[-1] = number + 1
        return f"{indent}{number}. "

    def _break(self) -> None:
        if self._cells:  # a cell's paragraphs (Word writes every cell as paragraphs)
            self._text(" ")
        elif not self._inline:
            self._text("\n\n")

    def _text(self, text: str) -> None:
        marked = bool(self._pending_marker and text.strip())
        if marked:  # a nested item's marker keeps its indent ("  - sub-step")
            text, self._pending_marker = self._pending_marker + text.lstrip(" "), ""
        if self.items and isinstance(self.items[-1], str):
            previous = self.items[-1]
            edge = not previous or previous[-1] in " \n"
            if text.startswith(" ") and not marked and not self._pre and edge:
                text = text.lstrip(" ")  # collapsed whitespace never doubles at element edges
            self.items[-1] = previous + text
        elif text.strip() or "\n" in text:
            self.items.append(text.lstrip(" "))


class HtmlFolderReader(FolderReader):
    """A folder of saved `.html` / `.htm` pages; `<img src>` resolves relative to the page."""

    parsers = {".html": parse_html, ".htm": parse_html}
