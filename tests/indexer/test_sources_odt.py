"""OpenDocument texts (`.odt`, flat `.fodt`): text, lists, tables and pictures in reading order, what
Writer keeps apart (deleted changes, comments, a table of contents) left out, footnotes at the end,
every picture or file not read reported by the name a person knows it by.

Fixtures are packages written here part by part, in the XML LibreOffice Writer writes, with tiny
Pillow pictures."""

from __future__ import annotations

import base64
import io
import zipfile

import pytest
from PIL import Image
from source_helpers import png, read_warnings, settle, write

from indexer import Searcher, build_index
from indexer.store import Index
from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment

NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
    "dc": "http://purl.org/dc/elements/1.1/",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
}
XMLNS = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NS.items())
ODF = "application/vnd.oasis.opendocument"
TEXT_MIME = f"{ODF}.text"
ENCRYPTED = "<manifest:file-entry><manifest:encryption-data/></manifest:file-entry>"
STYLES = """<office:automatic-styles>
<style:style style:name="P1" style:family="paragraph" style:parent-style-name="Title"/>
<style:style style:name="P2" style:family="paragraph" style:parent-style-name="Heading"/>
<text:list-style style:name="L1"><text:list-level-style-number text:level="1"/></text:list-style>
<text:list-style style:name="L2"><text:list-level-style-bullet text:level="1"/></text:list-style>
</office:automatic-styles>"""


def picture(color: str, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(out, format=fmt)
    return out.getvalue()


def frame(href: str, caption: str = "") -> str:
    box = (
        f"<draw:frame><draw:text-box><text:p>{caption}</text:p></draw:text-box></draw:frame>"
        if caption
        else ""
    )
    return f'<draw:frame draw:name="Image1"><draw:image xlink:href="{href}"/></draw:frame>{box}'


def odt(
    body: str,
    pictures: dict[str, bytes] | None = None,
    title: str = "",
    keywords: tuple[str, ...] = (),
    mimetype: str = TEXT_MIME,
    manifest: str = "",
) -> bytes:
    """An OpenDocument package: `pictures` part name (under Pictures/) -> bytes."""
    meta = f"<dc:title>{title}</dc:title>" if title else ""
    meta += "".join(f"<meta:keyword>{k}</meta:keyword>" for k in keywords)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(zipfile.ZipInfo("mimetype"), mimetype)  # first and stored, as Writer does
        package.writestr(
            "META-INF/manifest.xml",
            f'<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            f"{manifest}</manifest:manifest>",
        )
        package.writestr(
            "content.xml",
            f"<office:document-content {XMLNS}>{STYLES}<office:body><office:text>{body}"
            "</office:text></office:body></office:document-content>",
        )
        package.writestr(
            "meta.xml",
            f"<office:document-meta {XMLNS}><office:meta>{meta}</office:meta></office:document-meta>",
        )
        for name, data in (pictures or {}).items():
            package.writestr(f"Pictures/{name}", data)
    return out.getvalue()


PROTOCOL = (
    '<text:sequence-decls><text:sequence-decl text:name="Illustration"/></text:sequence-decls>'
    "<text:table-of-content><text:index-body><text:p>Materials 1</text:p></text:index-body>"
    "</text:table-of-content>"
    '<text:tracked-changes><text:changed-region text:id="c1"><text:deletion>'
    "<text:p>boiling tap water</text:p></text:deletion></text:changed-region></text:tracked-changes>"
    '<text:p text:style-name="P1">Growing salt crystals</text:p>'
    '<text:h text:outline-level="2">Materials</text:h>'
    '<text:p text:style-name="P2">Safety</text:p><text:p>Wear goggles.</text:p>'
    '<text:p>Dissolve <text:span>salt</text:span> in<text:s text:c="3"/>warm water'
    '<text:change text:change-id="c1"/>'
    "<office:annotation><text:p>typo?</text:p></office:annotation>"
    '<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation>'
    "<text:note-body><text:p>Table salt works.</text:p></text:note-body></text:note>.</text:p>"
    f"<text:p>{frame('Pictures/jar.png', 'Illustration 1: the jar')}</text:p>"
    '<text:list text:style-name="L1"><text:list-item><text:p>Stir</text:p></text:list-item>'
    "<text:list-item><text:p>Hang a string</text:p>"
    '<text:list text:style-name="L2"><text:list-item><text:p>cotton works best</text:p></text:list-item>'
    "</text:list>"
    "</text:list-item></text:list>"
    "<table:table><table:table-header-rows><table:table-row><table:table-cell><text:p>Day</text:p></table:table-cell>"
    "<table:table-cell><text:p>Size</text:p></table:table-cell></table:table-row></table:table-header-rows>"
    "<table:table-row><table:table-cell><text:p>3</text:p></table:table-cell>"
    "<table:table-cell><text:p>5 mm</text:p></table:table-cell></table:table-row></table:table>"
    "<text:section><text:p>Crystals after a week:</text:p>"
    f"<text:p>{frame('Pictures/crystal.jpg')}</text:p></text:section>"
)


def protocol(**kwargs) -> bytes:
    pictures = {"jar.png": picture("red"), "crystal.jpg": picture("blue", "JPEG")}
    return odt(PROTOCOL, pictures, **kwargs)


def texts(doc) -> str:
    return "".join(s.text for s in doc.segments if isinstance(s, TextSegment))


def test_a_protocol_reads_in_order_with_its_pictures_and_leaves_out_what_writer_keeps_apart(tmp_path):
    write(
        tmp_path / "lab" / "salt.odt", protocol(title="Growing salt crystals", keywords=("chemistry", "kids"))
    )
    (doc,), warned = read_warnings(tmp_path)

    assert warned == []
    assert doc.title == "Growing salt crystals" and doc.meta["tags"] == ["chemistry", "kids"]
    kinds = ["I" if isinstance(s, ImageSegment) else "T" for s in doc.segments]
    assert kinds == ["T", "I", "T", "I", "T"]
    first, caption_and_steps, week = (s.text for s in doc.segments if isinstance(s, TextSegment))
    assert "# Growing salt crystals" in first and "## Materials" in first
    assert "## Safety\n\nWear goggles." in first  # a paragraph in Writer's generic Heading style
    assert "Dissolve salt in warm water[1]." in first
    assert caption_and_steps.lstrip().startswith("Illustration 1: the jar")
    assert "1. Stir" in caption_and_steps and "2. Hang a string" in caption_and_steps
    assert "  - cotton works best" in caption_and_steps  # the nested item keeps its indent
    assert "Day | Size" in caption_and_steps and "3 | 5 mm" in caption_and_steps
    assert "Crystals after a week:" in caption_and_steps
    assert "1. Table salt works." in week  # the footnote, at the end
    everything = texts(doc)
    for left_out in ("typo?", "boiling tap water", "Materials 1"):
        assert left_out not in everything
    red, blue = (Image.open(s.path).convert("RGB").getpixel((0, 0)) for s in doc.images)
    assert red[0] > 200 > red[2] and blue[2] > 200 > blue[0]


def test_a_title_property_the_document_does_not_say_gives_way_to_its_opening_heading(tmp_path):
    write(tmp_path / "salt.odt", protocol(title="Untitled template 3"))
    (doc,), _ = read_warnings(tmp_path)
    assert doc.title == "Growing salt crystals"  # Writer's Title style


def test_pictures_not_read_are_said_by_their_place_in_the_document(tmp_path):
    png(tmp_path / "photos" / "beside.png", "green")
    body = (
        f"<text:p>Linked: {frame('../photos/beside.png')}</text:p>"
        f"<text:p>Gone: {frame('Pictures/gone.png')}</text:p>"
        f"<text:p>Drawing: {frame('Pictures/shape.svm')}</text:p>"
        f"<text:p>Web: {frame('https://example.org/a.png')}</text:p>"
        '<text:p>Formula: <draw:frame><draw:object xlink:href="./Object 1"/>'
        '<draw:image xlink:href="./ObjectReplacements/Object 1"/></draw:frame></text:p>'
    )
    write(tmp_path / "notes.odt", odt(body, {"shape.svm": b"VCLMTF\x00\x00"}))
    (doc,), warned = read_warnings(tmp_path)

    assert [s.path for s in doc.images] == [str((tmp_path / "photos" / "beside.png").resolve())]
    said = {(w.file, w.reason, w.reference) for w in warned}
    assert ("notes.odt", "missing", "picture 2: its file is not in the document") in said
    assert ("notes.odt", "unsupported type", "embedded objects (formulas, charts)") in said
    assert {w.reason for w in warned} == {"missing", "unsupported type", "remote"}
    assert all(w.file == "notes.odt" for w in warned) and len(warned) == 4
    assert "Formula:" in texts(doc)


def test_a_flat_document_keeps_its_pictures_inline(tmp_path):
    data = base64.b64encode(picture("red")).decode("ascii")
    flat = (
        f'<office:document {XMLNS} office:mimetype="{TEXT_MIME}">'
        "<office:meta><dc:title>Jar</dc:title></office:meta>"
        '<office:body><office:text><text:h text:outline-level="1">Jar</text:h>'
        f"<text:p><draw:frame><draw:image><office:binary-data>{data}</office:binary-data></draw:image>"
        "</draw:frame></text:p><text:p>after</text:p></office:text></office:body></office:document>"
    )
    write(tmp_path / "jar.fodt", flat)
    (doc,), warned = read_warnings(tmp_path)
    assert warned == [] and doc.title == "Jar" and len(doc.images) == 1
    assert texts(doc).strip().endswith("after")


@pytest.mark.parametrize(
    ("content", "reason", "says"),
    [
        (b"", "empty", "empty file"),
        (b"PK\x03\x04 not really", "unreadable", "not an OpenDocument text"),
        (odt("<text:p>x</text:p>", mimetype=f"{ODF}.spreadsheet"), "unsupported type",
         "an OpenDocument spreadsheet under an .odt name"),
        (odt("<text:p>x</text:p>", manifest=ENCRYPTED), "unreadable", "password-protected"),
        (odt("<text:p>unclosed"), "unreadable", "a damaged OpenDocument (content.xml"),
    ],
)  # fmt: skip
def test_a_file_that_is_no_readable_document_is_said_by_name_and_the_rest_is_read(
    tmp_path, content, reason, says
):
    write(tmp_path / "Notes" / "bad one.odt", content)
    write(tmp_path / "Notes" / "good.odt", odt("<text:p>Kept</text:p>"))
    docs, warned = read_warnings(tmp_path)

    assert [d.id for d in docs] == ["Notes/good.odt"]
    (warning,) = warned
    assert warning.file == "Notes/bad one.odt" and warning.reason == reason
    assert str(warning).startswith("Notes/bad one.odt: ") and says in str(warning)
    assert str(tmp_path) not in str(warning)


def test_an_odt_is_indexed_and_found_and_an_unchanged_one_is_not_read_again(tmp_path, tiny_dsvl):
    folder, uri = tmp_path / "lab", str(tmp_path / "index")
    write(folder / "salt.odt", protocol())
    write(folder / "plain.md", "# Plain\n\nnothing here\n")
    settle(folder)
    build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    rows = sorted((d.id, d.title, len(d.images)) for d in Index.open(uri).documents())
    assert rows == [("lab/plain.md", "Plain", 0), ("lab/salt.odt", "Growing salt crystals", 2)]
    query = InterleavedDoc((TextSegment("hang a string"),))
    hits = Searcher.open(uri, None, warm=False).search(query, k=2, mode="keyword")
    assert hits[0].id == "lab/salt.odt"

    report = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert (report.unchanged, report.embedded) == (2, 0)
