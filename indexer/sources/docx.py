"""Word documents (`.docx`): lab protocols, repair notes and recipes kept in Word, read as they read.

The document is converted to HTML by mammoth (the field's docx-to-HTML converter, which maps Word's
styles to headings, numbered and bulleted paragraphs to lists, and keeps tables and pictures where
they stand), then read by the HTML reader (`html.py`): headings become `## Heading`, list items
`1. Step`, a table row one line of cells joined by ` | `. What is read:
- the body, in reading order, with its pictures in place, named "picture 3" (the third in the
  document) in messages; PNG, JPEG, GIF, TIFF, BMP, WebP are stored as pictures kept inside notes
  are (`embedded.py`); a picture of another type (EMF/WMF drawings, which Word keeps for clip
  art, pasted diagrams and the face of an embedded Visio or equation object) is reported
  "unsupported type"; a picture *linked* to a file rather than kept in the document is resolved
  like an HTML page's `<img>` (a URL or another machine's `file:///C:/...` path is "remote", a
  path beside the document is read from the collection);
- footnotes and endnotes, as a numbered list at the end (where a reader finds them); their `[1]`
  markers stay in the text;
- tracked changes as accepted (insertions kept, deletions not), as the document will read.
Not read: comments (a conversation about the text, not the text: a reviewer's "typo?" would make
the document match words it does not say), page headers and footers (the same line on every page),
a table of contents (its headings again, with page numbers), and equations and embedded objects
mammoth does not convert (reported once per document, by kind).
Nor the hidden "窗体顶端"/"窗体底端" ("Top of Form"/"Bottom of Form") lines Word puts
around a web page's form pasted in (an exam copied from a site opened with one, which was its title).
The title is the document's own title property (File > Info, `docProps/core.xml`) when the document
says it (a line of it: Word's guesses from first words and titles kept from a copied template are
not the document's title), else the heading it opens with (Word's Title style counts as one), else
its first line, or its file name when that line is a question or a numbered section (`titles.py`).

Old binary Word documents (`.doc`) are read by `doc.py` (also one renamed `.docx`), OpenDocument
texts by `odt.py`, with the same choices. A file that is not a Word document is reported by name: a
corrupt or truncated zip, another Office file renamed, a password-protected document (Word encrypts
it into an OLE compound file, not a zip), an empty file. The `~$name.docx` lock file Word keeps beside
an open document is passed over as hidden files are (`base.HIDDEN`).
"""

from __future__ import annotations

import base64
import io
import re
import zipfile
from collections import Counter
from dataclasses import replace
from xml.etree import ElementTree

import mammoth
from mammoth.docx.files import InvalidFileReferenceError

from indexer.sources.base import EmbeddedImage, ImageLink, ParsedPage, shorten, warn
from indexer.sources.embedded import PICTURE_TYPES
from indexer.sources.html import parse_html_body
from indexer.sources.titles import ENUMERATED

MAX_UNPACKED_BYTES = 2_000_000_000  # what a document's parts may declare in all: a zip bomb is refused
# mammoth holds the body's XML as a DOM: a 19 MB word/document.xml (a 238,000-character protocol)
# took 46 s and 1.4 GB; a body over this is refused rather than run the machine out of memory
MAX_BODY_XML_BYTES = 60_000_000
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PICTURE_SCHEME = "docx-picture:"  # the `src` a picture gets in mammoth's HTML, found again after it
COUNTED = "counted"  # a picture's reason when it is said with others of its type, once
Noted = EmbeddedImage | ImageLink | tuple[str, str]  # a converted picture, or (reason, written) if not
# Word's Title style is the document's heading. (Comments stay out: mammoth writes them only when
# the style map names `comment-reference`, even with an empty HTML path.)
# A table of contents' lines repeat the headings with page numbers: not read.
_STYLE_MAP = "\n".join(
    [
        "p[style-name='Title'] => h1:fresh",
        "p[style-name='title'] => h1:fresh",
        "p[style-name='TOC Heading'] => !",
        *(f"p[style-name='{toc} {level}'] => !" for toc in ("toc", "TOC") for level in range(1, 10)),
    ]
)
HEADING_TITLE_WITHIN = 200  # the first heading is the title when at most this much text comes before it
_BACK_LINK = re.compile(r'\s*<a href="#(?:footnote|endnote)-ref-[^"]*">\u2191</a>')  # a note's "↑" link
_UNCONVERTED = re.compile(r"An unrecognised element was ignored: (\S+)")
# Elements mammoth leaves out that hold what a reader sees (others it names carry only layout)
_ELEMENT_KINDS = {"oMath": "equations", "oMathPara": "equations", "OLEObject": "embedded objects"}
_OTHER_FORMATS = {  # a zip under a .docx name, by the content type of its main part
    b"spreadsheetml": "an Excel workbook",
    b"presentationml": "a PowerPoint presentation",
    b"application/vnd.oasis.opendocument": "an OpenDocument file",
}
_CORE_TITLE = "{http://purl.org/dc/elements/1.1/}title"
# The hidden marks Word puts around a form pasted from a web page (styles "HTML Top of Form" and
# "HTML Bottom of Form", hidden text in Word's language); mammoth does not know hidden text
_FORM_MARK = re.compile(
    r"^[ \t]*(?:窗体顶端|窗体底端|窗體頂端|窗體底端|Top of Form|Bottom of Form)[ \t]*(?:\n|$)", re.M
)


def parse_docx(data: bytes, name: str) -> ParsedPage | None:
    if data.startswith(OLE_SIGNATURE) and "WordDocument".encode("utf-16-le") in data:
        from indexer.sources.doc import parse_doc  # doc.py builds on this module

        return parse_doc(data, name)  # a Word 97-2003 document renamed .docx; it says if encrypted
    if problem := _not_a_word_document(data):
        reason, message = problem
        warn(f"{name}: {message}, skipped", file=name, reason=reason)
        return None
    pictures = _Pictures()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if problem := _not_a_word_package(archive):
                reason, message = problem
                warn(f"{name}: {message}, skipped", file=name, reason=reason)
                return None
            title = _core_title(archive)
        result = mammoth.convert_to_html(
            io.BytesIO(data), convert_image=pictures.convert, style_map=_STYLE_MAP
        )
    except Exception as err:  # a converter of untrusted files: whatever it raises is this file's problem
        warn(
            f"{name}: not a readable Word document ({describe_error(err)}), skipped",
            file=name,
            reason="unreadable",
        )
        return None
    _report_unconverted(result.messages, name, pictures.other)
    page = parse_html_body(_BACK_LINK.sub("", result.value))
    page = replace(page, items=tuple(_FORM_MARK.sub("", i) if isinstance(i, str) else i for i in page.items))
    items = [pictures.found(item, name) if _is_picture(item) else item for item in page.items]
    if not says_title(page, title):
        title = ""
    return ParsedPage(tuple(i for i in items if i is not None), title=title or heading_title(page))


def says_title(page: ParsedPage, title: str) -> bool:
    """Whether the title property is one of the document's lines. Word 97-2003 filled it with the
    first words up to a punctuation mark ("一、", "Lab 1 Turbo C 2"), and a copy of a template keeps
    the template's: a title the document does not say is not its title."""
    text = "".join(item for item in page.items if isinstance(item, str))
    return bool(title) and any(" ".join(line.lstrip("# ").split()) == title for line in text.splitlines())


def heading_title(page: ParsedPage) -> str:
    """The first heading when the document opens with it (after a logo line or "DRAFT" at most);
    "" when text comes first: a title typed in a big font, with styled section headings below it, is
    the first line (`build_doc` takes it)."""
    text = "".join(item for item in page.items if isinstance(item, str))
    before = text.partition("\n#")[0] if not text.lstrip().startswith("#") else ""
    if ENUMERATED.match(page.title):  # "一、单项选择题": a numbered section, not the document's name
        return ""
    return page.title if page.title and len(before.strip()) <= HEADING_TITLE_WITHIN else ""


def _not_a_word_document(data: bytes) -> tuple[str, str] | None:
    """(reason, message) when the bytes cannot be a .docx at all."""
    if not data:
        return "empty", "empty file (0 bytes)"
    if data.startswith(OLE_SIGNATURE):  # Word's encrypted package, or a .doc renamed
        if "EncryptedPackage".encode("utf-16-le") in data:
            return "unreadable", "password-protected (Word encrypts it); save a copy without a password"
        return "unreadable", "password-protected or not a Word file (an OLE compound file, not a zip)"
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return "unreadable", "not a Word document (not a zip file, or a damaged one)"
    return None


def _not_a_word_package(archive: zipfile.ZipFile) -> tuple[str, str] | None:
    """(reason, message) when the zip is not a Word document, or one too big to unpack."""
    declared = sum(info.file_size for info in archive.infolist())
    if declared > MAX_UNPACKED_BYTES:
        return "too large", f"its parts unpack to {declared:,} bytes (limit {MAX_UNPACKED_BYTES:,})"
    body = next((i.file_size for i in archive.infolist() if i.filename == "word/document.xml"), 0)
    if body > MAX_BODY_XML_BYTES:
        return "too large", f"its text part is {body:,} bytes of XML (limit {MAX_BODY_XML_BYTES:,})"
    try:
        types = archive.read("[Content_Types].xml")
    except KeyError:
        types = b""
    if b"wordprocessingml" in types or b"ms-word" in types:
        return None
    what = next((kind for marker, kind in _OTHER_FORMATS.items() if marker in types), "")
    if what or "mimetype" in archive.namelist():
        return "unsupported type", f"{what or 'an OpenDocument file'} under a .docx name, not a Word document"
    return "unreadable", "a zip file, but not a Word document (no Word document part)"


def _core_title(archive: zipfile.ZipFile) -> str:
    """The title set in the document's properties, or "" (none, or properties unreadable)."""
    try:
        root = ElementTree.fromstring(archive.read("docProps/core.xml"))
    except (KeyError, ElementTree.ParseError):
        return ""
    element = root.find(_CORE_TITLE)
    return " ".join((element.text or "").split()) if element is not None else ""


def describe_error(err: Exception) -> str:
    """An exception as a message can say it: its type and its first line, shortened."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else ""
    return f"{type(err).__name__}: {shorten(text)}" if text else type(err).__name__


def _report_unconverted(messages, name: str, pictures: Counter | None = None) -> None:
    """One warning naming the kinds of content mammoth left out (equations, embedded objects; it says
    each kind once, so no count) and how many pictures of each type not read (`pictures`: an exam
    paper's 155 WMF equations are one line, not 155).

    mammoth's other messages are not said: unknown style names change nothing in the text we read,
    and the pictures it warns about are reported by `_Pictures` with their reason."""
    left_out = []
    for message in messages:
        if match := _UNCONVERTED.match(message.message):
            element = match.group(1).rpartition("}")[2].rpartition(":")[2]  # `{uri}oMath`, `w:object`
            if element in _ELEMENT_KINDS:
                left_out.append(_ELEMENT_KINDS[element])
    counted = [f"{n} {kind} picture{'s' * (n != 1)}" for kind, n in sorted((pictures or {}).items())]
    if left_out or counted:
        kinds = ", ".join(sorted(set(left_out)) + counted)
        warn(f"{name}: not read: {kinds}", file=name, reference=kinds, reason="unsupported type")


def _is_picture(item) -> bool:
    return isinstance(item, ImageLink) and item.target.startswith(_PICTURE_SCHEME)


class _Pictures:
    """The document's pictures as mammoth meets them, in reading order: each becomes an `<img>` with a
    numbered `src`, and is put back in place after the HTML is read (no base64 through the HTML)."""

    def __init__(self) -> None:
        self.pictures: list[Noted] = []
        self.other: Counter[str] = Counter()  # pictures of types not read, by kind

    def convert(self, image) -> list:
        number = len(self.pictures) + 1
        written = f"picture {number}"
        try:
            with image.open() as stream:
                data = stream.read()
        except InvalidFileReferenceError as err:  # linked, not kept in the document
            target = re.search(r"external image '(.*?)'", str(err))
            if target:  # resolved as an <img src> is: a URL is remote, a file beside the document read
                found = ImageLink(target.group(1), written=f"{written}, linked to {target.group(1)}")
            else:
                found = ("missing", f"{written}: linked to a file it does not name")
        except KeyError:  # the document names a part its zip does not hold
            found = ("missing", f"{written}: its file is not in the document")
        else:
            mime = (image.content_type or "").lower()
            if mime in PICTURE_TYPES:
                found = EmbeddedImage(mime, base64.b64encode(data).decode("ascii"), written)
            else:  # an equation's or clip art's WMF/EMF face: counted, said once for the document
                kind = mime.rpartition("/")[2].removeprefix("x-").upper() or "untyped"
                self.other[kind] += 1
                found = (COUNTED, written)
        self.pictures.append(found)
        return [mammoth.html.element("img", {"src": f"{_PICTURE_SCHEME}{number}"})]

    def found(self, link: ImageLink, name: str) -> EmbeddedImage | ImageLink | None:
        return placed(self.pictures[int(link.target[len(_PICTURE_SCHEME) :]) - 1], name)


def placed(picture: Noted, name: str) -> EmbeddedImage | ImageLink | None:
    """A converted document's picture put back in place, or None when it was found missing or
    unreadable while converting (the `(reason, written)` it was noted as): said now, by `name`."""
    if isinstance(picture, tuple):
        reason, written = picture
        if reason != COUNTED:  # counted ones are said together, once per document
            warn(f"{name}: image skipped, {written}", file=name, reference=written, reason=reason)
        return None
    return picture
