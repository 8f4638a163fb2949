"""The parts of an EPUB the chapters are read by: its zip, its package file (OPF) and its table of
contents, read with the stdlib zipfile and ElementTree.

`META-INF/container.xml` names the package file, whose metadata gives the book's title, authors and
language, whose manifest lists the book's files with their media types, and whose spine gives the
reading order. The table of contents is EPUB 3's navigation document (`<nav epub:type="toc">`), else
EPUB 2's `toc.ncx`. A book whose chapters are encrypted (Adobe ADEPT, Apple FairPlay, ... as
`META-INF/encryption.xml` lists them) cannot be read; one that only obfuscates its fonts can.
Every entry is decompressed with a bound (`MAX_ENTRY_BYTES` each, `MAX_BOOK_BYTES` in all) counted
on the bytes themselves, since zip headers can lie. Paths are book paths: zip entry names, an href
resolved against the file it is written in (fragment dropped, percent-decoded), a case mismatch
forgiven as reading systems forgive it.
"""

from __future__ import annotations

import base64
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

MAX_ENTRY_BYTES = 50_000_000  # one chapter or picture, decompressed
MAX_BOOK_BYTES = 600_000_000  # everything read from one book, decompressed
CONTAINER = "META-INF/container.xml"
# Encryption that hides only fonts (IDPF and Adobe font obfuscation): the book is readable
_FONT_OBFUSCATION = {"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"}
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""")


class Unreadable(Exception):
    """The book, or one file in it, cannot be read; the message says why, for the person who keeps it."""

    def __init__(self, message: str, reason: str = "unreadable") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class Book:
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
        """The entry's bytes, decompressed within the bounds; Unreadable names the problem."""
        info = self.archive.getinfo(entry)
        if info.flag_bits & 0x1:
            raise Unreadable("it is encrypted")
        limit = min(MAX_ENTRY_BYTES, self.budget)
        try:
            with self.archive.open(info) as stream:
                data = stream.read(limit + 1)  # what was decompressed, whatever the header claims
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError) as err:
            raise Unreadable(f"it is damaged ({err})") from None
        if len(data) > limit:
            which = "the per-file limit" if limit == MAX_ENTRY_BYTES else "what is left of the book's limit"
            raise Unreadable(f"it decompresses to over {limit:,} bytes ({which})", "too large")
        self.budget -= len(data)
        return data

    def picture(self, entry: str) -> str:
        if entry not in self._pictures:
            self._pictures[entry] = base64.b64encode(self.read(entry)).decode("ascii")
        return self._pictures[entry]


@dataclass
class Package:
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


# --- the package file --------------------------------------------------------------------------------


def read_package(book: Book) -> Package:
    if book.entry(CONTAINER) is None:
        raise Unreadable(f"not an EPUB book (a zip without {CONTAINER})")
    container = _xml(book, book.entry(CONTAINER), "its container file")
    rootfiles = [e for e in container.iter() if _local(e.tag) == "rootfile" and e.get("full-path")]
    opf_types = ("application/oebps-package+xml", None)
    opf = next((e.get("full-path") for e in rootfiles if e.get("media-type") in opf_types), None)
    entry = book.entry(clean_href(opf or ""))
    if entry is None:
        raise Unreadable(f"its package file {opf!r} is not in the book" if opf else "no package file named")
    root = _xml(book, entry, f"its package file {entry}")
    base = posixpath.dirname(entry)
    package = Package()
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
            path = book_path(base, element.get("href"))
            ids[element.get("id")] = path
            package.types[path] = (element.get("media-type") or "").lower()
            properties = (element.get("properties") or "").split()
            if "nav" in properties:
                package.nav = path
            if "cover-image" in properties:
                package.cover_image = path
        elif tag == "reference" and element.get("href"):  # EPUB 2 guide
            kind = (element.get("type") or "").lower()
            target = book_path(base, element.get("href"))
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


def refuse_drm(book: Book, package: Package) -> None:
    """A book whose chapters are encrypted (Adobe ADEPT, Apple FairPlay, ...) cannot be read; one
    that only obfuscates its fonts can."""
    entry = book.entry("META-INF/encryption.xml")
    encrypted: set[str] = set()
    if entry is not None:
        try:
            root = ET.fromstring(book.read(entry))
        except (ET.ParseError, Unreadable):  # what it encrypts is unknown: ciphertext is not indexed
            raise Unreadable("encrypted (DRM): its encryption file cannot be read") from None
        for data in root.iter():
            if _local(data.tag) != "EncryptedData":
                continue
            method = next(
                (e.get("Algorithm") for e in data.iter() if _local(e.tag) == "EncryptionMethod"), ""
            )
            for ref in (e for e in data.iter() if _local(e.tag) == "CipherReference"):
                if method not in _FONT_OBFUSCATION:
                    encrypted.add(clean_href(ref.get("URI") or ""))
    chapters = [entry for path in package.spine if (entry := book.entry(path)) is not None]
    if encrypted & set(package.spine) or any(book.archive.getinfo(e).flag_bits & 0x1 for e in chapters):
        raise Unreadable("encrypted (DRM): its chapters cannot be read")


# --- the table of contents ----------------------------------------------------------------------


def toc_titles(book: Book, package: Package) -> dict[str, str]:
    """Book path -> the first title the table of contents gives it (EPUB 3 nav, else EPUB 2 NCX).
    A table we cannot read gives no titles: chapters are then titled by their headings."""
    titles: dict[str, str] = {}
    for source in (package.nav, package.ncx):
        entry = book.entry(source) if source else None
        if entry is None:
            continue
        try:
            data = book.read(entry)
        except Unreadable:
            continue
        base = posixpath.dirname(entry)
        pairs = _nav_entries(data) if source == package.nav else _ncx_entries(data)
        for href, title in pairs:
            path = book_path(base, href)
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
    reader.feed(utf8(data).decode("utf-8", "replace"))
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


def _xml(book: Book, entry: str, what: str) -> ET.Element:
    try:
        return ET.fromstring(book.read(entry))
    except ET.ParseError as err:
        raise Unreadable(f"{what} is not valid XML ({err})") from None
    except Unreadable as err:
        raise Unreadable(f"{what} cannot be read, {err}", err.reason) from None


def _local(tag) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def clean_href(href: str) -> str:
    """A book path from an href: no fragment or query, percent-decoded, normalised."""
    path = unquote(urlsplit(href.strip()).path)
    return posixpath.normpath(path).lstrip("/") if path else ""


def book_path(base: str, href: str) -> str:
    """The book path of `href` written in a file of folder `base` (relative, as in a web page)."""
    path = unquote(urlsplit(href.strip()).path)
    joined = posixpath.normpath(posixpath.join(base, path)) if path else ""
    return joined.lstrip("/")


def utf8(data: bytes) -> bytes:
    """XHTML declares its encoding in the XML declaration, which the HTML reader does not look at:
    a chapter in another encoding is re-encoded as UTF-8 (an unknown name is left to the reader)."""
    declared = _XML_ENCODING.match(data[:200])
    if declared is None or declared.group(1).lower() in (b"utf-8", b"utf8"):
        return data
    try:
        return data.decode(declared.group(1).decode("ascii")).encode("utf-8")
    except (LookupError, UnicodeDecodeError):
        return data
