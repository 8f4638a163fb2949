"""OpenDocument texts (`.odt`, and LibreOffice's flat `.fodt`): notes and protocols kept in LibreOffice
Writer (the default word processor of most Linux desktops, and of schools and offices that left Word).

An ODT is a zip whose `content.xml` holds the body as plain XML: headings (`text:h` with their level),
paragraphs, lists, tables, sections, and frames that hold pictures (`Pictures/...` in the zip) or
captions. It is walked with the stdlib's ElementTree and written as the HTML shape the Word reader
gets from mammoth, so the HTML reader (`html.py`) reads both alike: headings `## Heading`, numbered
items `1. Step`, a table row one line of cells joined by ` | `, pictures where they stand. (No
library does this walk for us: odfpy's XHTML export writes style sheets and file links, odfdo has no
HTML export; the walk is ~100 lines of element names.) What is read, and what is not, follows the
Word reader's choices (`docx.py`):
- the body in reading order, frames' captions with their picture, footnotes and endnotes as a
  numbered list at the end, their `[1]` citations kept in the text;
- tracked changes as accepted: Writer keeps deleted text apart in `text:tracked-changes` (not
  read) and inserted text in place;
- not read: comments (`office:annotation`), a table of contents or index (the headings again), and
  a paragraph style's hidden text; embedded objects (formulas, charts, OLE objects) are reported once
  per document by kind ("unsupported type"), as are pictures of a type we cannot store (Writer's own
  SVM drawings, EMF/WMF);
- a picture *linked* rather than kept inside (`xlink:href="../photos/a.jpg"`) resolves like an
  HTML page's `<img>`: a path beside the document is read from the collection, a URL is "remote".
The title is the document's title property (File > Properties, `meta.xml`) when the document says
it, else the heading it opens with (Writer's Title style counts), else its first line; the
properties' keywords are the note's tags.

A file that is no ODT is reported by name: empty, not a zip, a spreadsheet or presentation under an
.odt name, a password-protected document (its parts are encrypted: the manifest says so), a damaged
`content.xml`, a zip that would unpack past the size limit.
"""

from __future__ import annotations

import base64
import html
import io
import mimetypes
import re
from xml.etree import ElementTree

from PIL import Image

from indexer.sources.base import EmbeddedImage, ImageLink, ParsedPage, warn
from indexer.sources.docx import Noted, heading_title, placed, says_title
from indexer.sources.embedded import PICTURE_TYPES
from indexer.sources.html import parse_html_body
from indexer.sources.odf_package import NS, NotRead, keywords, meta_text, open_document, tag

_PICTURE_SCHEME = "odt-picture:"  # an <img src> in the HTML written here, found again after it is read


_T = {name: tag(name) for name in (
    "text:h", "text:p", "text:list", "text:list-item", "text:list-header", "text:section",
    "text:span", "text:a", "text:s", "text:tab", "text:line-break", "text:note", "text:note-citation",
    "text:note-body", "text:tracked-changes", "text:table-of-content", "text:alphabetical-index",
    "text:illustration-index", "text:table-index", "text:bibliography", "text:user-index",
    "text:sequence-decls", "text:hidden-text", "text:hidden-paragraph", "text:soft-page-break",
    "office:annotation", "office:text", "office:body", "office:binary-data", "office:meta",
    "table:table", "table:table-row", "table:table-cell", "table:covered-table-cell",
    "draw:frame", "draw:image", "draw:object", "draw:object-ole", "draw:text-box", "draw:g",
    "draw:a", "svg:title", "svg:desc", "style:style", "text:list-level-style-number",
)}  # fmt: skip
_NOT_READ = {  # elements whose text is not the document's (see the module doc)
    _T[name]
    for name in (
        "text:tracked-changes", "text:table-of-content", "text:alphabetical-index",
        "text:illustration-index", "text:table-index", "text:bibliography", "text:user-index",
        "text:sequence-decls", "office:annotation", "text:hidden-text", "text:hidden-paragraph",
    )
}  # fmt: skip
_CONTAINERS = {_T["text:section"], _T["draw:g"], _T["draw:a"], _T["text:soft-page-break"]}
_CONTAINERS |= {tag(f"draw:{shape}") for shape in ("custom-shape", "rect", "ellipse", "polygon")}  # hold text
_ROW_GROUPS = {tag(f"table:{group}") for group in ("table-header-rows", "table-rows", "table-row-group")}
_WHITESPACE = re.compile(r"[ \t\r\n]+")
_HREF = f"{{{NS['xlink']}}}href"
_OUTLINE_LEVEL = tag("text:outline-level")
_STYLE_NAME = tag("text:style-name")
_SPACES = tag("text:c")


def parse_odt(data: bytes, name: str) -> ParsedPage | None:
    """The document's page, or None (said why) when it is no readable OpenDocument text."""
    try:
        roots, meta, parts = open_document(data, "text")
    except NotRead as problem:
        warn(f"{name}: {problem.message}, skipped", file=name, reason=problem.reason)
        return None
    walk = Walk(parts, _heading_styles(roots), numbered_lists(roots))
    body = roots[0].find(f"{_T['office:body']}/{_T['office:text']}")
    page, items = walk.read(walk.document(body) if body is not None else "", name)
    title = meta_text(meta, "dc:title")
    return ParsedPage(
        tuple(items),
        title=title if says_title(page, title) else heading_title(page),
        meta={"tags": tags} if (tags := keywords(meta)) else {},
    )


def _heading_styles(roots: list[ElementTree.Element]) -> dict[str, int]:
    """Paragraph styles that make a paragraph a heading, with its level: Writer's Title (1) and its
    generic Heading (2, a heading typed without an outline level), and the styles derived from them
    (the automatic `P1` whose parent is `Title`)."""
    levels = {"Title": 1, "Heading": 2}
    styles = [style for root in roots[::-1] for style in root.iter(_T["style:style"])]  # named first
    for style in styles:
        if (parent := style.get(tag("style:parent-style-name"))) in levels:
            levels.setdefault(style.get(tag("style:name"), ""), levels[parent])
    return levels


def numbered_lists(roots: list[ElementTree.Element]) -> set[str]:
    """List styles whose first level counts (1. 2. 3.) rather than bullets."""
    return {
        style.get(tag("style:name"), "")
        for root in roots
        for style in root.iter(tag("text:list-style"))
        if style.find(_T["text:list-level-style-number"]) is not None
    }


def _escaped(text: str | None) -> str:
    """Character data of a paragraph: its white space collapses to one space (the ODF rule: runs of
    spaces are written `text:s`, breaks `text:line-break`), escaped for the HTML written here."""
    return html.escape(_WHITESPACE.sub(" ", text)) if text else ""


def _rows(table: ElementTree.Element):
    """A table's own rows, in order, also those inside header and row groups (not a nested table's)."""
    for child in table:
        if child.tag == _T["table:table-row"]:
            yield child
        elif child.tag in _ROW_GROUPS:
            yield from _rows(child)


def _sniffed(data: bytes) -> str:
    """The MIME type of picture bytes named by no file (a flat document's inline pictures), from
    their header; SVM and other formats Pillow does not know are "application/octet-stream"."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.get_format_mimetype() or "application/octet-stream"
    except Exception:  # not a picture Pillow knows: said as an unsupported type when stored
        return "application/octet-stream"


def _picture(frame: ElementTree.Element) -> ElementTree.Element | None:
    """A frame's picture: its first image, but the pixel copy Writer keeps after an SVG (the same
    picture, drawn with the fonts of the machine that made it) before the SVG."""
    images = frame.findall(_T["draw:image"])
    if not images:
        return None
    pixels = (i for i in images if not i.get(_HREF, "").lower().endswith((".svg", ".svgz")))
    return next(pixels, images[0])


def is_picture(item) -> bool:
    return isinstance(item, ImageLink) and item.target.startswith(_PICTURE_SCHEME)


class Walk:
    """The body as HTML, element by element; pictures numbered in reading order and put back after."""

    def __init__(self, parts: dict[str, bytes] | None, headings: dict[str, int], numbered: set[str]) -> None:
        self.parts, self.headings, self.numbered = parts, headings, numbered
        self.pictures: list[Noted] = []
        self.notes: list[str] = []
        self.left_out: set[str] = set()

    def read(self, written: str, name: str) -> tuple[ParsedPage, list]:
        """The HTML written, read: (the page as the HTML reader gives it, its items with the pictures
        put back); what was left out and the pictures not found are said, by `name`."""
        page = parse_html_body(written)
        if self.left_out:
            kinds = ", ".join(sorted(self.left_out))
            warn(f"{name}: not read: {kinds}", file=name, reference=kinds, reason="unsupported type")
        items = (self.picture(item, name) if is_picture(item) else item for item in page.items)
        return page, [item for item in items if item is not None]

    def document(self, body: ElementTree.Element) -> str:
        out = "".join(self.block(child) for child in body)
        if self.notes:
            out += "<ol>" + "".join(f"<li>{note}</li>" for note in self.notes) + "</ol>"
        return out

    def block(self, element: ElementTree.Element) -> str:
        tag = element.tag
        if tag in _NOT_READ:
            return ""
        if tag == _T["text:h"]:
            level = min(max(int(element.get(_OUTLINE_LEVEL, "1") or 1), 1), 6)
            return f"<h{level}>{self.inline(element)}</h{level}>"
        if tag == _T["text:p"]:
            if level := self.headings.get(element.get(_STYLE_NAME, "")):
                return f"<h{level}>{self.inline(element)}</h{level}>"
            return f"<p>{self.inline(element)}</p>"
        if tag == _T["text:list"]:
            kind = "ol" if element.get(_STYLE_NAME) in self.numbered else "ul"
            items = (c for c in element if c.tag in (_T["text:list-item"], _T["text:list-header"]))
            return f"<{kind}>" + "".join(f"<li>{self.item(i)}</li>" for i in items) + f"</{kind}>"
        if tag == _T["table:table"]:
            return "<table>" + "".join(self.row(r) for r in _rows(element)) + "</table>"
        if tag in _CONTAINERS or tag == _T["draw:text-box"]:
            return "".join(self.block(child) for child in element)
        if tag == _T["draw:frame"]:
            return self.frame(element)
        return ""

    def item(self, element: ElementTree.Element) -> str:
        """A list item: its paragraphs on lines of one item, a nested list after them."""
        lines = [self.inline(c) for c in element if c.tag in (_T["text:p"], _T["text:h"])]
        nested = "".join(self.block(c) for c in element if c.tag not in (_T["text:p"], _T["text:h"]))
        return "<br>".join(line for line in lines if line) + nested

    def row(self, row: ElementTree.Element) -> str:
        cells = (c for c in row if c.tag == _T["table:table-cell"])  # covered cells are merged away
        return "<tr>" + "".join(f"<td>{''.join(map(self.block, cell))}</td>" for cell in cells) + "</tr>"

    def inline(self, element: ElementTree.Element) -> str:
        """A paragraph's text with its spans, links, spaces, breaks, note citations and pictures."""
        out = [_escaped(element.text)]
        for child in element:
            tag = child.tag
            if tag in _NOT_READ:
                pass
            elif tag == _T["text:s"]:
                out.append(" " * int(child.get(_SPACES, "1") or 1))
            elif tag == _T["text:tab"]:
                out.append("\t")
            elif tag == _T["text:line-break"]:
                out.append("<br>")
            elif tag == _T["text:note"]:
                out.append(self.note(child))
            elif tag == _T["draw:frame"]:
                out.append(self.frame(child))
            elif tag in (_T["text:span"], _T["text:a"], _T["draw:a"], _T["draw:g"]) or tag.startswith(
                f"{{{NS['text']}}}"
            ):
                out.append(self.inline(child))  # fields (dates, page titles, references) read as shown
            out.append(_escaped(child.tail))
        return "".join(out)

    def note(self, element: ElementTree.Element) -> str:
        citation = element.find(_T["text:note-citation"])
        body = element.find(_T["text:note-body"])
        mark = (citation.text or "").strip() if citation is not None else ""
        if body is not None:
            self.notes.append(" ".join(self.inline(p) for p in body.iter(_T["text:p"])))
        return f"[{html.escape(mark or str(len(self.notes)))}]"

    def frame(self, frame: ElementTree.Element) -> str:
        """A frame's picture (its first image: Writer adds a fallback copy after some), the caption
        of a text box, or an embedded object said."""
        out = []
        if frame.find(_T["draw:object"]) is not None or frame.find(_T["draw:object-ole"]) is not None:
            self.left_out.add("embedded objects (formulas, charts)")  # its draw:image is a preview
        elif (image := _picture(frame)) is not None:
            out.append(self.image(image))
        if (box := frame.find(_T["draw:text-box"])) is not None:
            out.append("".join(self.block(child) for child in box))
        if (table := frame.find(_T["table:table"])) is not None:  # a slide's table sits in a frame
            out.append(self.block(table))
        return "".join(out)

    def image(self, image: ElementTree.Element) -> str:
        number = len(self.pictures) + 1
        written = f"picture {number}"
        href = image.get(_HREF, "").removeprefix("./")
        binary = image.find(_T["office:binary-data"])
        if binary is not None and (binary.text or "").strip():  # a flat document keeps it inline
            found = self._embedded(base64.b64decode("".join(binary.text.split())), href or ".png", written)
        elif self.parts is not None and href in self.parts:
            found = self._embedded(self.parts[href], href, written)
        elif href.startswith(("Pictures/", "media/")) or not href:
            found = ("missing", f"{written}: its file is not in the document")
        else:  # linked: resolved as an <img src> is, relative to the document's folder
            target = href[3:] if href.startswith("../") else href  # a package path: the zip is a folder
            found = ImageLink(target, written=f"{written}, linked to {href}")
        self.pictures.append(found)
        return f'<img src="{_PICTURE_SCHEME}{number}">'

    @staticmethod
    def _embedded(data: bytes, path: str, written: str) -> EmbeddedImage:
        mime = mimetypes.guess_type(path)[0] or _sniffed(data)
        payload = base64.b64encode(data).decode("ascii") if mime in PICTURE_TYPES else ""  # others: said
        return EmbeddedImage(mime, payload, written)

    def picture(self, link: ImageLink, name: str) -> EmbeddedImage | ImageLink | None:
        return placed(self.pictures[int(link.target[len(_PICTURE_SCHEME) :]) - 1], name)
