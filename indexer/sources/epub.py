"""EPUB books (`.epub`): cookbooks, manuals and how-to books kept beside notes, a document per chapter.

An EPUB is a zip: `META-INF/container.xml` names the package file (OPF), whose manifest lists the
book's files and whose spine gives the reading order of its XHTML chapters. Each spine item is read
as a saved web page is (`html.py`), so its text and pictures come in reading order, and is one
document, keyed by its path in the book (`OEBPS/ch03.xhtml`: stable across runs, unique). Its title
is the chapter's entry in the book's table of contents (EPUB 3 `nav`, else EPUB 2 `toc.ncx`), else
its first heading, else its `<title>`, followed by the book's title ("Kneading — The Bread Book"),
since a search result must say which book it is from; the book's title, authors and language are
also the document's properties.

Pictures (`<img src>`, and the `<image xlink:href>` an SVG wraps, as cover pages do) are read from
the zip, typed by the manifest (else their suffix), and kept as pictures held inside the file are
(`embedded.py`); one missing from the zip, damaged, or of a type the encoder does not read (SVG) is
reported by its path as the chapter writes it; remote ones are reported, never fetched.

What a reader of the book expects decides what is left out:
- the table of contents (the `nav` document, or EPUB 2's guide "toc" page) is not a document: its
  entries are the chapters' titles, and a hit on a list of titles finds nothing to read;
- `linear="no"` items (answer keys, notes, pop-up tables) are read: outside the page-turning order
  but part of the book, and someone searching for an answer means that page;
- a cover page showing only a picture is kept as the book's card: the cover with the book's title,
  authors and description, so the book can be found by its cover or its name.
Problems are reported by the file's name: a corrupt zip or one that is not an EPUB, a book whose
chapters are encrypted (DRM: "unreadable", nothing read), a chapter missing from the zip (the rest
kept). Every entry is decompressed with a bound (`MAX_ENTRY_BYTES` each, `MAX_BOOK_BYTES` in all)
counted on the bytes themselves, since zip headers can lie. The stdlib zipfile and ElementTree do
the reading: EbookLib would read the whole book at once with no bound, stops at the first missing
file, and is AGPL-licensed.
"""

from __future__ import annotations

import base64
import io
import mimetypes
import posixpath
import re
import warnings
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from indexer.sources.base import (
    CollectionWarning,
    EmbeddedImage,
    ImageLink,
    ParsedPage,
    emit,
    first_line,
    warn,
)
from indexer.sources.html import parse_html, parse_html_fragment

MAX_ENTRY_BYTES = 50_000_000  # one chapter or picture, decompressed
MAX_BOOK_BYTES = 600_000_000  # everything read from one book, decompressed
CONTAINER = "META-INF/container.xml"
# Encryption that hides only fonts (IDPF and Adobe font obfuscation): the book is readable
_FONT_OBFUSCATION = {"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"}
_HTML_TYPES = {"application/xhtml+xml", "text/html", "text/x-oeb1-document"}
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""")
_HEADING = re.compile(r"^#{1,6} +(.+)$", re.MULTILINE)


class _Unreadable(Exception):
    """The book, or one file in it, cannot be read; the message says why, for the person who keeps it."""

    def __init__(self, message: str, reason: str = "unreadable") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class _Book:
    archive: zipfile.ZipFile
    name: str  # the .epub as the person named it
    budget: int = -1  # bytes it may still decompress (set from MAX_BOOK_BYTES)
    _names: dict[str, str] = field(default_factory=dict)  # lower-case entry name -> entry name
    _pictures: dict[str, str] = field(default_factory=dict)  # entry -> base64 (a picture shown twice)

    def __post_init__(self) -> None:
        self.budget = MAX_BOOK_BYTES if self.budget < 0 else self.budget
        for entry in self.archive.namelist():
            self._names.setdefault(entry.lower(), entry)

    def entry(self, path: str) -> str | None:
        """The zip entry of a path in the book; a case mismatch is forgiven, as readers do."""
        return path if path in self.archive.NameToInfo else self._names.get(path.lower())

    def read(self, entry: str) -> bytes:
        """The entry's bytes, decompressed within the bounds; _Unreadable names the problem."""
        info = self.archive.getinfo(entry)
        if info.flag_bits & 0x1:
            raise _Unreadable("it is encrypted")
        limit = min(MAX_ENTRY_BYTES, self.budget)
        try:
            with self.archive.open(info) as stream:
                data = stream.read(limit + 1)  # what was decompressed, whatever the header claims
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError) as err:
            raise _Unreadable(f"it is damaged ({err})") from None
        if len(data) > limit:
            which = "the per-file limit" if limit == MAX_ENTRY_BYTES else "what is left of the book's limit"
            raise _Unreadable(f"it decompresses to over {limit:,} bytes ({which})", "too large")
        self.budget -= len(data)
        return data

    def picture(self, entry: str) -> str:
        if entry not in self._pictures:
            self._pictures[entry] = base64.b64encode(self.read(entry)).decode("ascii")
        return self._pictures[entry]


@dataclass
class _Package:
    """What the OPF says: metadata, manifest (path -> media type), spine and where the TOC is."""

    title: str = ""
    authors: list[str] = field(default_factory=list)
    language: str = ""
    description: str = ""
    types: dict[str, str] = field(default_factory=dict)  # book path -> media type
    spine: list[str] = field(default_factory=list)  # book paths in reading order
    nav: str = ""  # the EPUB 3 navigation document
    ncx: str = ""  # the EPUB 2 table of contents
    toc_pages: set[str] = field(default_factory=set)  # an EPUB 2 guide's "toc" page
    cover_pages: set[str] = field(default_factory=set)  # pages an EPUB 2 guide calls the cover
    cover_image: str = ""
    missing: list[str] = field(default_factory=list)  # spine ids the manifest does not list


def parse_epub(data: bytes, name: str) -> list[ParsedPage] | None:
    if not data:
        warn(f"{name}: empty file (0 bytes), skipped", file=name, reason="empty")
        return None
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        warn(
            f"{name}: not a readable EPUB, the zip is damaged ({err}), skipped",
            file=name,
            reason="unreadable",
        )
        return None
    with archive:
        book = _Book(archive, name)
        try:
            package = _package(book)
            _refuse_drm(book, package)
        except _Unreadable as err:
            warn(f"{name}: {err}, skipped", file=name, reason=err.reason)
            return None
        return _chapters(book, package)


# --- the package --------------------------------------------------------------------------------


def _package(book: _Book) -> _Package:
    if book.entry(CONTAINER) is None:
        raise _Unreadable(f"not an EPUB book (a zip without {CONTAINER})")
    container = _xml(book, book.entry(CONTAINER), "its container file")
    rootfiles = [e for e in container.iter() if _local(e.tag) == "rootfile" and e.get("full-path")]
    opf_types = ("application/oebps-package+xml", None)
    opf = next((e.get("full-path") for e in rootfiles if e.get("media-type") in opf_types), None)
    entry = book.entry(_clean(opf or ""))
    if entry is None:
        raise _Unreadable(f"its package file {opf!r} is not in the book" if opf else "no package file named")
    root = _xml(book, entry, f"its package file {entry}")
    base = posixpath.dirname(entry)
    package = _Package()
    ids: dict[str, str] = {}  # manifest id -> book path
    cover_id = ""
    for element in root.iter():
        tag = _local(element.tag)
        if tag == "title" and not package.title:
            package.title = " ".join("".join(element.itertext()).split())
        elif tag == "creator" and "".join(element.itertext()).strip():
            package.authors.append(" ".join("".join(element.itertext()).split()))
        elif tag == "language" and not package.language:
            package.language = "".join(element.itertext()).strip()
        elif tag == "description" and not package.description:
            package.description = "".join(element.itertext()).strip()
        elif tag == "meta" and element.get("name") == "cover":
            cover_id = element.get("content") or ""  # EPUB 2: the manifest id of the cover picture
        elif tag == "item" and element.get("href") and element.get("id"):
            path = _join(base, element.get("href"))
            ids[element.get("id")] = path
            package.types[path] = (element.get("media-type") or "").lower()
            properties = (element.get("properties") or "").split()
            if "nav" in properties:
                package.nav = path
            if "cover-image" in properties:
                package.cover_image = path
        elif tag == "reference" and element.get("href"):  # EPUB 2 guide
            kind = (element.get("type") or "").lower()
            target = _join(base, element.get("href"))
            if kind == "toc":
                package.toc_pages.add(target)
            elif kind == "cover":
                package.cover_pages.add(target)
    for element in root.iter():
        tag = _local(element.tag)
        if tag == "spine":
            package.ncx = ids.get(element.get("toc") or "", "")
        elif tag == "itemref":
            idref = element.get("idref") or ""
            path = ids.get(idref)
            if path is None:
                package.missing.append(idref)
            elif path not in package.spine:
                package.spine.append(path)
    package.cover_image = package.cover_image or ids.get(cover_id, "")
    if not package.ncx:
        package.ncx = next((p for p, t in package.types.items() if t == "application/x-dtbncx+xml"), "")
    return package


def _refuse_drm(book: _Book, package: _Package) -> None:
    """A book whose chapters are encrypted (Adobe ADEPT, Apple FairPlay, ...) cannot be read; one
    that only obfuscates its fonts can."""
    entry = book.entry("META-INF/encryption.xml")
    encrypted: set[str] = set()
    if entry is not None:
        try:
            root = ET.fromstring(book.read(entry))
        except (ET.ParseError, _Unreadable):  # what it encrypts is unknown: ciphertext is not indexed
            raise _Unreadable("encrypted (DRM): its encryption file cannot be read") from None
        for data in root.iter():
            if _local(data.tag) != "EncryptedData":
                continue
            method = next(
                (e.get("Algorithm") for e in data.iter() if _local(e.tag) == "EncryptionMethod"), ""
            )
            for ref in (e for e in data.iter() if _local(e.tag) == "CipherReference"):
                if method not in _FONT_OBFUSCATION:
                    encrypted.add(_clean(ref.get("URI") or ""))
    if encrypted & set(package.spine) or any(
        book.archive.getinfo(e).flag_bits & 0x1 for e in _entries(book, package.spine)
    ):
        raise _Unreadable("encrypted (DRM): its chapters cannot be read")


def _entries(book: _Book, paths) -> list[str]:
    return [entry for path in paths if (entry := book.entry(path)) is not None]


# --- the chapters -------------------------------------------------------------------------------


def _chapters(book: _Book, package: _Package) -> list[ParsedPage] | None:
    name = book.name
    for idref in package.missing:
        message = f"{name}: the reading order names {idref!r}, which the book's manifest does not list"
        warn(message + "; skipped", file=name, reference=idref, reason="missing")
    if not package.spine:
        warn(f"{name}: the book lists no chapters in its reading order, skipped", file=name, reason="empty")
        return None
    titles = _toc_titles(book, package)
    book_title = package.title or PurePosixPath(name).stem
    properties = {"book": book_title}
    if package.authors:
        properties["authors"] = package.authors
    if package.language:
        properties["language"] = package.language
    pages = []
    skip = {package.nav, *package.toc_pages}
    for number, path in enumerate(package.spine, start=1):
        if path in skip:
            continue
        media = package.types.get(path, "")
        if media not in _HTML_TYPES and not path.lower().endswith((".xhtml", ".html", ".htm")):
            message = f"{name}: chapter {path} is {media or 'not a web page'}, not read"
            warn(message, file=name, reference=path, reason="unsupported type")
            continue
        entry = book.entry(path)
        if entry is None:
            message = f"{name}: chapter {path} is in the reading order but not in the book, skipped"
            warn(message, file=name, reference=path, reason="missing")
            continue
        try:
            page = _read_chapter(book, entry, path)
        except _Unreadable as err:
            warn(f"{name}: chapter {path} not read, {err}", file=name, reference=path, reason=err.reason)
            continue
        items = [
            _picture(item, book, package, path) if isinstance(item, ImageLink) else item
            for item in page.items
        ]
        items = [item for item in items if item is not None]
        text = "".join(item for item in items if isinstance(item, str))
        pictures = [item for item in items if not isinstance(item, str)]
        is_cover = not text.strip() and pictures and _is_cover(path, not pages, package, pictures)
        if is_cover:  # the book's card: its cover with its name, so it is found by either
            items = [*_card(package, book_title), *items]
            title = "Cover"
        else:
            heading = _HEADING.search(text)
            title = titles.get(path) or (heading.group(1).strip() if heading else "")
            title = title or (page.title if page.title != package.title else "") or first_line(text)
        title = title or PurePosixPath(path).stem
        title = book_title if title.casefold() == book_title.casefold() else f"{title} — {book_title}"
        meta = {"tags": [], "aliases": [], "properties": {**properties, "order": number}}
        pages.append(ParsedPage(tuple(items), title=title, meta=meta, key=path))
    return pages


def _read_chapter(book: _Book, entry: str, path: str) -> ParsedPage:
    """The chapter read as a web page; what the HTML reader warns about (a bad encoding) is said
    of the book, naming the chapter."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CollectionWarning)
        page = parse_html(_utf8(book.read(entry)), f"{book.name}: {path}")
    for caught_warning in caught:
        found = caught_warning.message
        if isinstance(found, CollectionWarning):
            emit(CollectionWarning(str(found), file=book.name, reference=path, reason=found.reason))
        else:
            warnings.warn_explicit(
                found, caught_warning.category, caught_warning.filename, caught_warning.lineno
            )
    return page


def _is_cover(path: str, first: bool, package: _Package, pictures: list) -> bool:
    shows_cover = any(
        isinstance(p, EmbeddedImage) and p.written and _same(p, package.cover_image) for p in pictures
    )
    return path in package.cover_pages or shows_cover or first


def _same(picture: EmbeddedImage, cover: str) -> bool:
    return bool(cover) and posixpath.basename(_clean(picture.written)) == posixpath.basename(cover)


def _card(package: _Package, book_title: str) -> list[str]:
    lines = [f"# {book_title}\n\n"]
    if package.authors:
        lines.append(f"By {', '.join(package.authors)}\n\n")
    if package.description:  # often HTML: read as a snippet is
        description = "".join(i for i in parse_html_fragment(package.description) if isinstance(i, str))
        lines.append(description.strip() + "\n\n")
    return lines


def _picture(
    link: ImageLink, book: _Book, package: _Package, chapter: str
) -> EmbeddedImage | ImageLink | None:
    """A picture a chapter shows, from the zip; a remote or `data:` one is left to the resolver, which
    reports or reads it as it does in a web page. None (warned) when the zip does not hold it."""
    written = link.target.strip()
    parts = urlsplit(written)
    if parts.scheme or parts.netloc or not written:
        return link
    path = _join(posixpath.dirname(chapter), written)
    entry = book.entry(path)
    name = book.name
    if entry is None:
        message = f"{name}: picture skipped, not in the book: {written} (in {chapter})"
        warn(message, file=name, reference=written, reason="missing")
        return None
    try:
        payload = book.picture(entry)
    except _Unreadable as err:
        message = f"{name}: picture skipped, {err}: {written} (in {chapter})"
        warn(message, file=name, reference=written, reason=err.reason)
        return None
    mime = package.types.get(path) or mimetypes.guess_type(entry)[0] or "application/octet-stream"
    return EmbeddedImage(mime, payload, written)


# --- the table of contents ----------------------------------------------------------------------


def _toc_titles(book: _Book, package: _Package) -> dict[str, str]:
    """Book path -> the first title the table of contents gives it (EPUB 3 nav, else EPUB 2 NCX).
    A table we cannot read gives no titles: chapters are then titled by their headings."""
    titles: dict[str, str] = {}
    for source in (package.nav, package.ncx):
        entry = book.entry(source) if source else None
        if entry is None:
            continue
        try:
            data = book.read(entry)
        except _Unreadable:
            continue
        base = posixpath.dirname(entry)
        pairs = _nav_entries(data) if source == package.nav else _ncx_entries(data)
        for href, title in pairs:
            path = _join(base, href)
            if title and path not in titles:
                titles[path] = title
        if titles:
            break
    return titles


def _ncx_entries(data: bytes) -> list[tuple[str, str]]:
    try:
        root = ET.fromstring(data)
    except ET.ParseError:
        return []
    pairs = []
    for point in root.iter():
        if _local(point.tag) != "navPoint":
            continue
        label = next((e for e in point if _local(e.tag) == "navLabel"), None)
        content = next((e for e in point if _local(e.tag) == "content"), None)
        if label is not None and content is not None and content.get("src"):
            pairs.append((content.get("src"), " ".join("".join(label.itertext()).split())))
    return pairs


def _nav_entries(data: bytes) -> list[tuple[str, str]]:
    reader = _NavReader()
    reader.feed(_utf8(data).decode("utf-8", "replace"))
    reader.close()
    return [(href, " ".join(text.split())) for href, text in reader.links]


class _NavReader(HTMLParser):
    """The links of a navigation document's `<nav epub:type="toc">` (not its landmarks or page list)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self._navs: list[bool] = []  # open <nav>s: whether each is the table of contents
        self._link: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "nav":
            kinds = f"{attributes.get('epub:type') or ''} {attributes.get('role') or ''}".split()
            self._navs.append("toc" in kinds or "doc-toc" in kinds)
        elif tag == "a" and self._navs and self._navs[0] and attributes.get("href"):
            self._link = [attributes["href"], ""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self._navs:
            self._navs.pop()
        elif tag == "a" and self._link is not None:
            self.links.append((self._link[0], self._link[1]))
            self._link = None

    def handle_data(self, data: str) -> None:
        if self._link is not None:
            self._link[1] += data


# --- small helpers ------------------------------------------------------------------------------


def _xml(book: _Book, entry: str, what: str) -> ET.Element:
    try:
        return ET.fromstring(book.read(entry))
    except ET.ParseError as err:
        raise _Unreadable(f"{what} is not valid XML ({err})") from None
    except _Unreadable as err:
        raise _Unreadable(f"{what} cannot be read, {err}", err.reason) from None


def _local(tag) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _clean(href: str) -> str:
    """A book path from an href: no fragment or query, percent-decoded, normalised."""
    path = unquote(urlsplit(href.strip()).path)
    return posixpath.normpath(path).lstrip("/") if path else ""


def _join(base: str, href: str) -> str:
    """The book path of `href` written in a file of folder `base` (relative, as in a web page)."""
    path = unquote(urlsplit(href.strip()).path)
    joined = posixpath.normpath(posixpath.join(base, path)) if path else ""
    return joined.lstrip("/")


def _utf8(data: bytes) -> bytes:
    """XHTML declares its encoding in the XML declaration, which the HTML reader does not look at:
    a chapter in another encoding is re-encoded as UTF-8 (an unknown name is left to the reader)."""
    declared = _XML_ENCODING.match(data[:200])
    if declared is None or declared.group(1).lower() in (b"utf-8", b"utf8"):
        return data
    try:
        return data.decode(declared.group(1).decode("ascii")).encode("utf-8")
    except (LookupError, UnicodeDecodeError):
        return data
