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
import zipfile
from xml.etree import ElementTree

from PIL import Image

from indexer.sources.base import EmbeddedImage, ImageLink, ParsedPage, warn
from indexer.sources.docx import MAX_BODY_XML_BYTES, MAX_UNPACKED_BYTES, heading_title, says_title
from indexer.sources.embedded import PICTURE_TYPES
from indexer.sources.html import parse_html_body

_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
    "dc": "http://purl.org/dc/elements/1.1/",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "manifest": "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0",
}
_TEXT_MIME = b"application/vnd.oasis.opendocument.text"
_OTHER_KINDS = {
    b"spreadsheet": "an OpenDocument spreadsheet",
    b"presentation": "an OpenDocument presentation",
    b"graphics": "an OpenDocument drawing",
}
_PICTURE_SCHEME = "odt-picture:"  # an <img src> in the HTML written here, found again after it is read


def _tag(qualified: str) -> str:
    prefix, _, local = qualified.partition(":")
    return f"{{{_NS[prefix]}}}{local}"


_T = {name: _tag(name) for name in (
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
_ROW_GROUPS = {_tag(f"table:{group}") for group in ("table-header-rows", "table-rows", "table-row-group")}
_WHITESPACE = re.compile(r"[ \t\r\n]+")
_MANIFEST = "META-INF/manifest.xml"
_HREF = f"{{{_NS['xlink']}}}href"
_OUTLINE_LEVEL = _tag("text:outline-level")
_STYLE_NAME = _tag("text:style-name")
_SPACES = _tag("text:c")


def parse_odt(data: bytes, name: str) -> ParsedPage | None:
    """The document's page, or None (said why) when it is no readable OpenDocument text."""
    try:
        roots, meta, parts = _open(data)
    except _NotRead as problem:
        warn(f"{name}: {problem.message}, skipped", file=name, reason=problem.reason)
        return None
    walk = _Walk(parts, _heading_styles(roots), _numbered_lists(roots))
    body = roots[0].find(f"{_T['office:body']}/{_T['office:text']}")
    page = parse_html_body(walk.document(body) if body is not None else "")
    if walk.left_out:
        kinds = ", ".join(sorted(walk.left_out))
        warn(f"{name}: not read: {kinds}", file=name, reference=kinds, reason="unsupported type")
    items = [walk.picture(item, name) if _is_picture(item) else item for item in page.items]
    title = _meta_text(meta, "dc:title")
    keywords = [" ".join(k.text.split()) for k in meta.iter(_tag("meta:keyword")) if (k.text or "").strip()]
    return ParsedPage(
        tuple(item for item in items if item is not None),
        title=title if says_title(page, title) else heading_title(page),
        meta={"tags": list(dict.fromkeys(keywords))} if keywords else {},
    )


class _NotRead(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason, self.message = reason, message


def _open(data: bytes) -> tuple[list[ElementTree.Element], ElementTree.Element, dict[str, bytes] | None]:
    """([content root, styles root], meta element, the zip's pictures or None for a flat `.fodt`);
    _NotRead says why the bytes are not read."""
    if not data.strip():
        raise _NotRead("empty", "empty file (0 bytes)" if not data else "empty file")
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _open_package(archive)
    if data.lstrip()[:1] != b"<":
        raise _NotRead("unreadable", "not an OpenDocument text (not a zip file, or a damaged one)")
    root = _parse(data, "its XML")  # a flat OpenDocument (.fodt, or an .odt saved flat)
    kind = root.get(_tag("office:mimetype"), "").encode()
    if kind and not kind.startswith(_TEXT_MIME):
        what = next((w for marker, w in _OTHER_KINDS.items() if marker in kind), "another document")
        raise _NotRead("unsupported type", f"{what} under a text document's name")
    meta = root.find(_T["office:meta"])
    return [root], meta if meta is not None else ElementTree.Element("meta"), None


def _open_package(archive: zipfile.ZipFile):
    infos = {info.filename: info for info in archive.infolist()}
    if (declared := sum(info.file_size for info in infos.values())) > MAX_UNPACKED_BYTES:
        raise _NotRead("too large", f"its parts unpack to {declared:,} bytes (limit {MAX_UNPACKED_BYTES:,})")
    kind = archive.read("mimetype").strip() if "mimetype" in infos else b""
    if kind != _TEXT_MIME and not kind.startswith(_TEXT_MIME + b"-"):  # -template, -master
        what = next((w for marker, w in _OTHER_KINDS.items() if marker in kind), "")
        if what or "word/document.xml" in infos:
            raise _NotRead("unsupported type", f"{what or 'a Word document'} under an .odt name")
        raise _NotRead("unreadable", "a zip file, but not an OpenDocument text (no text mimetype)")
    if b"encryption-data" in (archive.read(_MANIFEST) if _MANIFEST in infos else b""):
        raise _NotRead("unreadable", "password-protected (its parts are encrypted); save a copy without one")
    if "content.xml" not in infos:
        raise _NotRead("unreadable", "an OpenDocument package without its content.xml")
    if (size := infos["content.xml"].file_size) > MAX_BODY_XML_BYTES:
        raise _NotRead("too large", f"its text part is {size:,} bytes of XML (limit {MAX_BODY_XML_BYTES:,})")
    roots = [_parse(archive.read(part), part) for part in ("content.xml", "styles.xml") if part in infos]
    meta = _parse(archive.read("meta.xml"), "meta.xml") if "meta.xml" in infos else ElementTree.Element("m")
    pictures = [n for n in infos if n.startswith(("Pictures/", "media/")) and not n.endswith("/")]
    return roots, meta, {n: archive.read(n) for n in pictures}


def _parse(xml: bytes, part: str) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(xml)
    except ElementTree.ParseError as err:
        raise _NotRead("unreadable", f"a damaged OpenDocument ({part}: {err})") from None


def _meta_text(meta: ElementTree.Element, qualified: str) -> str:
    element = meta.find(f".//{_tag(qualified)}")
    return " ".join((element.text or "").split()) if element is not None else ""


def _heading_styles(roots: list[ElementTree.Element]) -> set[str]:
    """Paragraph styles that are Writer's Title (the document's own heading): the style itself and the
    styles derived from it (the automatic `P1` whose parent is `Title`)."""
    names = {"Title"}
    styles = [style for root in roots[::-1] for style in root.iter(_T["style:style"])]  # named first
    for style in styles:
        if style.get(_tag("style:parent-style-name")) in names:
            names.add(style.get(_tag("style:name"), ""))
    return names


def _numbered_lists(roots: list[ElementTree.Element]) -> set[str]:
    """List styles whose first level counts (1. 2. 3.) rather than bullets."""
    return {
        style.get(_tag("style:name"), "")
        for root in roots
        for style in root.iter(_tag("text:list-style"))
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


def _is_picture(item) -> bool:
    return isinstance(item, ImageLink) and item.target.startswith(_PICTURE_SCHEME)


class _Walk:
    """The body as HTML, element by element; pictures numbered in reading order and put back after."""

    def __init__(self, parts: dict[str, bytes] | None, titles: set[str], numbered: set[str]) -> None:
        self.parts, self.titles, self.numbered = parts, titles, numbered
        self.pictures: list[EmbeddedImage | ImageLink | tuple[str, str]] = []
        self.notes: list[str] = []
        self.left_out: set[str] = set()

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
            heading = element.get(_STYLE_NAME) in self.titles
            return f"<h1>{self.inline(element)}</h1>" if heading else f"<p>{self.inline(element)}</p>"
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
                f"{{{_NS['text']}}}"
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
        elif (image := frame.find(_T["draw:image"])) is not None:
            out.append(self.image(image))
        if (box := frame.find(_T["draw:text-box"])) is not None:
            out.append("".join(self.block(child) for child in box))
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
        picture = self.pictures[int(link.target[len(_PICTURE_SCHEME) :]) - 1]
        if isinstance(picture, tuple):
            reason, written = picture
            warn(f"{name}: image skipped, {written}", file=name, reference=written, reason=reason)
            return None
        return picture
