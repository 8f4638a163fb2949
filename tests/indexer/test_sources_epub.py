"""EPUB books: a document per chapter in reading order, titled by the book's table of contents and
naming the book, pictures read from the zip in place; every problem reported by the book's name."""

from __future__ import annotations

import io
import os
import time
import zipfile

import pytest
from PIL import Image
from source_helpers import read_warnings, write

import indexer.sources.base as base
import indexer.sources.epub_package as epub_package
from indexer.build import build_index
from indexer.store import Index
from mme_core.documents import ImageSegment, TextSegment

CONTAINER = (
    '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
    '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
    "</rootfiles></container>"
)


def picture(color: str, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(out, format=fmt)
    return out.getvalue()


RED, BLUE, COVER = picture("red"), picture("blue", "JPEG"), picture("green", "JPEG")


def page(body: str, title: str = "The Bread Book", head: str = "") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">'
        f"<head><title>{title}</title>{head}</head><body>{body}</body></html>"
    )


NAV = page(
    '<nav epub:type="toc"><h1>Contents</h1><ol>'
    '<li><a href="text/knead.xhtml">Kneading the dough</a></li>'
    '<li><a href="text/bake.xhtml#oven">Baking</a>'
    '<ol><li><a href="text/bake.xhtml#crust">Crust</a></li></ol></li>'
    '<li><a href="text/answers.xhtml">Answers</a></li></ol></nav>'
    '<nav epub:type="landmarks"><ol><li><a href="cover.xhtml">Cover page</a></li></ol></nav>'
)
CHAPTERS = {
    "cover.xhtml": page(
        '<div><svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        '<image width="600" height="800" xlink:href="images/cover.jpg"/></svg></div>'
    ),
    "nav.xhtml": NAV,
    "text/knead.xhtml": page(
        "<h1>1. Kneading</h1><p>Fold the dough <ruby>捏<rt>niē</rt></ruby> ten times.</p>"
        '<figure><img src="../images/fold%20it.png" alt="folding"/></figure><p>Let it rest.</p>'
    ),
    "text/bake.xhtml": page(
        '<h2 id="oven">Into the oven</h2><p>Bake at 220 °C.</p><img src="../images/crust.jpg"/>'
    ),
    "text/answers.xhtml": page("<p>Answer 1: the dough springs back.</p>"),
}
MANIFEST = {
    "cover.xhtml": ("application/xhtml+xml", ""),
    "nav.xhtml": ("application/xhtml+xml", "nav"),
    "text/knead.xhtml": ("application/xhtml+xml", ""),
    "text/bake.xhtml": ("application/xhtml+xml", ""),
    "text/answers.xhtml": ("application/xhtml+xml", ""),
    "images/cover.jpg": ("image/jpeg", "cover-image"),
    "images/fold it.png": ("image/png", ""),
    "images/crust.jpg": ("image/jpeg", ""),
}
SPINE = ["cover.xhtml", "nav.xhtml", "text/knead.xhtml", "text/bake.xhtml", ("text/answers.xhtml", "no")]


def opf(manifest: dict, spine: list, title: str = "The Bread Book") -> str:
    ids = {href: f"item{n}" for n, href in enumerate(manifest)}
    items = "".join(
        f'<item id="{ids[href]}" href="{href.replace(" ", "%20")}" media-type="{media}"'
        + (f' properties="{props}"' if props else "")
        + "/>"
        for href, (media, props) in manifest.items()
    )
    refs = "".join(
        f'<itemref idref="{ids.get(entry, entry)}"/>'
        if isinstance(entry, str)
        else f'<itemref idref="{ids[entry[0]]}" linear="{entry[1]}"/>'
        for entry in spine
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{title}</dc:title><dc:creator>Ada Baker</dc:creator><dc:language>en</dc:language>"
        "<dc:description>&lt;p&gt;Bread at home.&lt;/p&gt;</dc:description></metadata>"
        f"<manifest>{items}</manifest><spine>{refs}</spine></package>"
    )


def make_epub(
    chapters: dict | None = None,
    manifest: dict | None = None,
    spine: list | None = None,
    pictures: dict | None = None,
    extra: dict | None = None,
    drop: tuple = (),
) -> bytes:
    chapters = CHAPTERS if chapters is None else chapters
    pictures = {"images/cover.jpg": COVER, "images/fold it.png": RED, "images/crust.jpg": BLUE} | (
        pictures or {}
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        book.writestr("META-INF/container.xml", CONTAINER)
        book.writestr("OEBPS/content.opf", opf(MANIFEST if manifest is None else manifest, spine or SPINE))
        for path, data in {**chapters, **pictures, **(extra or {})}.items():
            if path not in drop:
                full = path if path.startswith("META-INF/") else f"OEBPS/{path}"
                book.writestr(full, data)
    return out.getvalue()


def zipped(members: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for path, data in members.items():
            archive.writestr(path, data)
    return out.getvalue()


def segments(doc) -> list:
    return [s.text if isinstance(s, TextSegment) else open(s.path, "rb").read() for s in doc.segments]


def test_a_book_is_a_document_per_chapter_in_reading_order(tmp_path):
    folder = tmp_path / "kitchen"
    write(folder / "bread.epub", make_epub())
    write(folder / "shopping.md", "# Shopping\n\nFlour, salt.\n")
    docs, warned = read_warnings(folder)

    assert warned == []
    assert [d.id for d in docs] == [
        "bread.epub/OEBPS/cover.xhtml",
        "bread.epub/OEBPS/text/answers.xhtml",
        "bread.epub/OEBPS/text/bake.xhtml",
        "bread.epub/OEBPS/text/knead.xhtml",
        "shopping.md",
    ]  # the nav page is not a document: its entries are the chapters' titles
    chapters = {d.id.rpartition("/")[2]: d for d in docs if d.id.endswith(".xhtml")}
    knead, bake, answers, cover = (
        chapters[k] for k in ("knead.xhtml", "bake.xhtml", "answers.xhtml", "cover.xhtml")
    )
    assert {d.source for d in chapters.values()} == {"bread.epub"}
    assert knead.title == "Kneading the dough — The Bread Book"  # the table of contents' title
    assert bake.title == "Baking — The Bread Book"  # its first entry, not the sub-entry's
    assert answers.title == "Answers — The Bread Book"  # linear="no": read, outside the page order
    assert segments(knead) == ["# 1. Kneading\n\nFold the dough 捏 ten times.", RED, "Let it rest."]
    assert segments(bake) == ["## Into the oven\n\nBake at 220 °C.", BLUE]
    assert knead.meta["properties"] == {
        "book": "The Bread Book",
        "authors": ["Ada Baker"],
        "language": "en",
        "order": 3,  # its place in the reading order
    }
    # the cover page (a picture an SVG wraps) is the book's card: found by its cover or its name
    assert cover.title == "Cover — The Bread Book"
    assert segments(cover) == ["# The Bread Book\n\nBy Ada Baker\n\nBread at home.", COVER]


def test_ids_are_stable_and_unique_and_a_chapter_listed_twice_is_read_once(tmp_path):
    write(tmp_path / "bread.epub", make_epub(spine=[*SPINE, "text/knead.xhtml"]))
    first, _ = read_warnings(tmp_path)
    again, _ = read_warnings(tmp_path)
    assert [d.id for d in first] == [d.id for d in again] and len({d.id for d in first}) == 4


def test_an_epub_2_book_is_titled_by_its_ncx_else_its_headings(tmp_path):
    ncx = (
        '<?xml version="1.0"?><ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><navMap>'
        '<navPoint id="p1"><navLabel><text>Proofing</text></navLabel><content src="a.html"/></navPoint>'
        "</navMap></ncx>"
    )
    latin = page("<h3>Résumé of scoring</h3><p>Score the loaf.</p>").replace("UTF-8", "ISO-8859-1")
    chapters = {
        "a.html": page("<p>Prove overnight.</p>"),
        "b.html": latin.encode("latin-1"),
        "c.html": page("<h1>The bread book</h1><p>By Ada.</p>"),
        "toc.ncx": ncx,
    }
    manifest = {
        "a.html": ("application/xhtml+xml", ""),
        "b.html": ("application/xhtml+xml", ""),
        "c.html": ("application/xhtml+xml", ""),
        "toc.ncx": ("application/x-dtbncx+xml", ""),
    }
    write(tmp_path / "old.epub", make_epub(chapters, manifest, ["c.html", "a.html", "b.html"]))
    docs, warned = read_warnings(tmp_path)
    assert warned == []
    titles = ["Proofing — The Bread Book", "Résumé of scoring — The Bread Book", "The Bread Book"]
    assert [d.title for d in docs] == titles  # a title page titled as the book is not "X — X"
    assert docs[1].text == "### Résumé of scoring\n\nScore the loaf."


def test_a_chapter_or_picture_not_in_the_book_is_reported_and_the_rest_kept(tmp_path):
    chapters = {
        **CHAPTERS,
        "text/knead.xhtml": page(
            '<p>Fold.</p><img src="../images/gone.png"/><img src="../images/map.svg"/>'
            '<img src="../images/torn.png"/><img src="https://example.com/x.png"/><p>Rest.</p>'
        ),
    }
    pictures = {"images/map.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>", "images/torn.png": RED[:40]}
    manifest = {**MANIFEST, "images/map.svg": ("image/svg+xml", "")}
    write(
        tmp_path / "bread.epub", make_epub(chapters, manifest, pictures=pictures, drop=("text/bake.xhtml",))
    )
    docs, warned = read_warnings(tmp_path)

    assert [d.id.rpartition("/")[2] for d in docs] == ["cover.xhtml", "answers.xhtml", "knead.xhtml"]
    assert [d.text for d in docs][2] == "Fold.\n\nRest."
    said = {(w.file, w.reference, w.reason) for w in warned}
    assert said == {
        ("bread.epub", "OEBPS/text/bake.xhtml", "missing"),
        ("bread.epub", "../images/gone.png", "missing"),
        ("bread.epub", "../images/map.svg", "unreadable"),  # an SVG that draws nothing
        ("bread.epub", "../images/torn.png", "unreadable"),
        ("bread.epub", "https://example.com/x.png", "remote"),
    }
    assert all(str(w).startswith("bread.epub: ") for w in warned)
    (missing,) = [str(w) for w in warned if w.reference == "OEBPS/text/bake.xhtml"]
    assert (
        missing
        == "bread.epub: chapter OEBPS/text/bake.xhtml is in the reading order but not in the book, skipped"
    )


ENCRYPTION = (
    '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
    'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData>'
    '<enc:EncryptionMethod Algorithm="{algorithm}"/>'
    '<enc:CipherData><enc:CipherReference URI="{uri}"/></enc:CipherData></enc:EncryptedData></encryption>'
)


@pytest.mark.parametrize(
    "data, said, reason",
    [
        (b"", "bread.epub: empty file (0 bytes), skipped", "empty"),
        (
            b"PK\x03\x04 this is not a whole zip",
            "bread.epub: not a readable EPUB, the zip is damaged",
            "unreadable",
        ),
        (
            make_epub(
                extra={
                    "META-INF/encryption.xml": ENCRYPTION.format(
                        algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc", uri="OEBPS/text/knead.xhtml"
                    ),
                    "META-INF/rights.xml": "<rights/>",
                }
            ),
            "bread.epub: encrypted (DRM): its chapters cannot be read, skipped",
            "unreadable",
        ),
        (
            make_epub(extra={"META-INF/encryption.xml": b"\x8f\x02 scrambled"}),
            "bread.epub: encrypted (DRM): its encryption file cannot be read, skipped",
            "unreadable",
        ),
        (
            zipped({"word/document.xml": "<w:document/>", "[Content_Types].xml": "<Types/>"}),
            "bread.epub: not an EPUB book (a zip without META-INF/container.xml), skipped",
            "unreadable",
        ),
        (
            zipped({"META-INF/container.xml": CONTAINER, "OEBPS/content.opf": "<package><manifest>"}),
            "bread.epub: its package file OEBPS/content.opf is not valid XML (no element found",
            "unreadable",
        ),
    ],
    ids=["empty", "corrupt zip", "drm", "drm unknown", "a zip that is not an epub", "a broken package file"],
)
def test_a_book_that_cannot_be_read_is_reported_and_the_notes_kept(tmp_path, data, said, reason):
    write(tmp_path / "bread.epub", data)
    write(tmp_path / "note.md", "# Note\n\nStill here.\n")
    docs, warned = read_warnings(tmp_path)
    assert [d.id for d in docs] == ["note.md"]
    assert [(w.file, w.reason) for w in warned] == [("bread.epub", reason)]
    assert str(warned[0]).startswith(said)


def test_fonts_obfuscated_are_not_drm(tmp_path):
    encryption = ENCRYPTION.format(algorithm="http://www.idpf.org/2008/embedding", uri="OEBPS/fonts/a.otf")
    write(tmp_path / "bread.epub", make_epub(extra={"META-INF/encryption.xml": encryption}))
    docs, warned = read_warnings(tmp_path)
    assert len(docs) == 4 and warned == []


def test_what_a_book_decompresses_to_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(epub_package, "MAX_ENTRY_BYTES", 20_000)
    chapters = {
        **CHAPTERS,
        "text/answers.xhtml": page("<p>" + "a" * 50_000 + "</p>"),
    }  # deflates to ~100 bytes
    write(tmp_path / "bread.epub", make_epub(chapters))
    docs, warned = read_warnings(tmp_path)
    assert len(docs) == 3
    assert [(w.reference, w.reason) for w in warned] == [("OEBPS/text/answers.xhtml", "too large")]
    assert "decompresses to over 20,000 bytes" in str(warned[0])

    monkeypatch.setattr(epub_package, "MAX_ENTRY_BYTES", 1_000_000)
    monkeypatch.setattr(epub_package, "MAX_BOOK_BYTES", 30_000)  # the book's total: later files refused
    docs, warned = read_warnings(tmp_path)
    assert {w.reason for w in warned} == {"too large"} and len(docs) == 3
    assert "what is left of the book's limit" in str(warned[-1])


def settle(folder) -> None:
    when = time.time() - 30  # a stat taken right after a write is not trusted (see file_stats)
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, (when, when))


def test_an_unchanged_book_is_not_read_again_and_keeps_its_chapters(tiny_dsvl, tmp_path, monkeypatch):
    folder, uri = tmp_path / "kitchen", tmp_path / "index"
    write(folder / "bread.epub", make_epub())
    write(folder / "shopping.md", "# Shopping\n\nFlour, salt.\n")
    settle(folder)
    build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    rows = sorted(d.id for d in Index.open(uri).documents())
    assert len(rows) == 5 and sum(r.startswith("kitchen/bread.epub/") for r in rows) == 4

    read = []
    original = base.FolderReader._read_file
    monkeypatch.setattr(
        base.FolderReader, "_read_file", lambda self, *a, **k: read.append(a[1]) or original(self, *a, **k)
    )
    report = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert read == [] and report.embedded == 0 and (report.added, report.updated) == (0, 0)
    assert sorted(d.id for d in Index.open(uri).documents()) == rows
    (cover,) = [d for d in Index.open(uri).documents() if d.id.endswith("cover.xhtml")]
    assert [type(s) for s in cover.segments] == [TextSegment, ImageSegment]
