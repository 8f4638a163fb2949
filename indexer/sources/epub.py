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
(`embedded.py`; an SVG is drawn, `mme_core/svg.py`); one missing from the zip, damaged, or of a
type the encoder does not read is reported by its path as the chapter writes it; remote ones are
reported, never fetched.

What a reader of the book expects decides what is left out:
- the table of contents (the `nav` document, or EPUB 2's guide "toc" page) is not a document: its
  entries are the chapters' titles, and a hit on a list of titles finds nothing to read;
- `linear="no"` items (answer keys, notes, pop-up tables) are read: outside the page-turning order
  but part of the book, and someone searching for an answer means that page;
- a cover page showing only a picture is kept as the book's card: the cover with the book's title,
  authors and description, so the book can be found by its cover or its name.
Problems are reported by the file's name: a corrupt zip or one that is not an EPUB, a book whose
chapters are encrypted (DRM: "unreadable", nothing read), a chapter missing from the zip (the rest
kept), what a book decompresses to past its bounds ("too large"). The zip, the package file and the
table of contents are read in `epub_package.py`, with the stdlib zipfile and ElementTree: EbookLib
would read the whole book at once with no bound, stops at the first missing file, and is
AGPL-licensed.
"""

from __future__ import annotations

import io
import mimetypes
import posixpath
import re
import warnings
import zipfile
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from indexer.sources.base import (
    CollectionWarning,
    EmbeddedImage,
    ImageLink,
    ParsedPage,
    emit,
    first_line,
    warn,
)
from indexer.sources.epub_package import (
    Book,
    Package,
    Unreadable,
    book_path,
    clean_href,
    read_package,
    refuse_drm,
    toc_titles,
    utf8,
)
from indexer.sources.html import parse_html, parse_html_fragment

_HTML_TYPES = {"application/xhtml+xml", "text/html", "text/x-oeb1-document"}
_HEADING = re.compile(r"^#{1,6} +(.+)$", re.MULTILINE)


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
        book = Book(archive, name)
        try:
            package = read_package(book)
            refuse_drm(book, package)
        except Unreadable as err:
            warn(f"{name}: {err}, skipped", file=name, reason=err.reason)
            return None
        return _chapters(book, package)


# --- the chapters -------------------------------------------------------------------------------


def _chapters(book: Book, package: Package) -> list[ParsedPage] | None:
    name = book.name
    for idref in package.missing:
        message = f"{name}: the reading order names {idref!r}, which the book's manifest does not list"
        warn(message + "; skipped", file=name, reference=idref, reason="missing")
    if not package.spine:
        warn(f"{name}: the book lists no chapters in its reading order, skipped", file=name, reason="empty")
        return None
    titles = toc_titles(book, package)
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
        except Unreadable as err:
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
        title = "Cover" if is_cover else _title(titles.get(path, ""), page, text, package.title)
        title = title or PurePosixPath(path).stem
        title = book_title if title.casefold() == book_title.casefold() else f"{title} — {book_title}"
        meta = {"tags": [], "aliases": [], "properties": {**properties, "order": number}}
        pages.append(ParsedPage(tuple(items), title=title, meta=meta, key=path))
    return pages


def _title(listed: str, page: ParsedPage, text: str, book_title: str) -> str:
    """The chapter's entry in the table of contents, else its first heading, else its `<title>`
    (many books repeat the book's title there: not a chapter's), else its first line."""
    heading = _HEADING.search(text)
    title = listed or (heading.group(1).strip() if heading else "")
    return title or (page.title if page.title != book_title else "") or first_line(text)


def _read_chapter(book: Book, entry: str, path: str) -> ParsedPage:
    """The chapter read as a web page; what the HTML reader warns about (a bad encoding) is said
    of the book, naming the chapter."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CollectionWarning)
        page = parse_html(utf8(book.read(entry)), f"{book.name}: {path}")
    for caught_warning in caught:
        found = caught_warning.message
        if isinstance(found, CollectionWarning):
            emit(CollectionWarning(str(found), file=book.name, reference=path, reason=found.reason))
        else:
            warnings.warn_explicit(
                found, caught_warning.category, caught_warning.filename, caught_warning.lineno
            )
    return page


def _is_cover(path: str, first: bool, package: Package, pictures: list) -> bool:
    shows_cover = any(
        isinstance(p, EmbeddedImage) and p.written and _same(p, package.cover_image) for p in pictures
    )
    return path in package.cover_pages or shows_cover or first


def _same(picture: EmbeddedImage, cover: str) -> bool:
    return bool(cover) and posixpath.basename(clean_href(picture.written)) == posixpath.basename(cover)


def _card(package: Package, book_title: str) -> list[str]:
    lines = [f"# {book_title}\n\n"]
    if package.authors:
        lines.append(f"By {', '.join(package.authors)}\n\n")
    if package.description:  # often HTML: read as a snippet is
        description = "".join(i for i in parse_html_fragment(package.description) if isinstance(i, str))
        lines.append(description.strip() + "\n\n")
    return lines


def _picture(link: ImageLink, book: Book, package: Package, chapter: str) -> EmbeddedImage | ImageLink | None:
    """A picture a chapter shows, from the zip; a remote or `data:` one is left to the resolver, which
    reports or reads it as it does in a web page. None (warned) when the zip does not hold it."""
    written = link.target.strip()
    parts = urlsplit(written)
    if parts.scheme or parts.netloc or not written:
        return link
    path = book_path(posixpath.dirname(chapter), written)
    entry = book.entry(path)
    name = book.name
    if entry is None:
        message = f"{name}: picture skipped, not in the book: {written} (in {chapter})"
        warn(message, file=name, reference=written, reason="missing")
        return None
    try:
        payload = book.picture(entry)
    except Unreadable as err:
        message = f"{name}: picture skipped, {err}: {written} (in {chapter})"
        warn(message, file=name, reference=written, reason=err.reason)
        return None
    mime = package.types.get(path) or mimetypes.guess_type(entry)[0] or "application/octet-stream"
    return EmbeddedImage(mime, payload, written)
