"""Word documents (`.docx`): text, lists, tables and pictures in reading order, footnotes at the end,
every picture or document not read reported by the file and picture as a person names them.

Fixtures are Word packages written here part by part (the XML Word itself writes, cut to what each
test needs), with tiny Pillow pictures."""

from __future__ import annotations

import io
import os
import time
import zipfile

import pytest
from doc_fixture import Document, Paragraph, word_doc
from PIL import Image
from source_helpers import png, read_warnings, write

import indexer.sources.base as base
from indexer.build import build_index
from indexer.store import Index
from mme_core.documents import ImageSegment, TextSegment

NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "pic": "http://schemas.openxmlformats.org/drawingml/2006/picture",
    "m": "http://schemas.openxmlformats.org/officeDocument/2006/math",
}
XMLNS = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in NS.items())
RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
RELS_TYPE = "application/vnd.openxmlformats-package.relationships+xml"
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
STYLES = f"""<w:styles {XMLNS}>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/></w:style>
<w:style w:type="paragraph" w:styleId="ListParagraph"><w:name w:val="List Paragraph"/></w:style>
<w:style w:type="paragraph" w:styleId="TOC1"><w:name w:val="toc 1"/></w:style>
</w:styles>"""
NUMBERING = f"""<w:numbering {XMLNS}><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0">
<w:numFmt w:val="decimal"/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/>
</w:num></w:numbering>"""


def picture(color: str, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(out, format=fmt)
    return out.getvalue()


RED, BLUE = picture("red"), picture("blue", "JPEG")


def para(text: str, style: str = "", numbered: bool = False, extra: str = "") -> str:
    props = f'<w:pStyle w:val="{style}"/>' if style else ""
    props += '<w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr>' if numbered else ""
    return f'<w:p><w:pPr>{props}</w:pPr><w:r><w:t xml:space="preserve">{text}</w:t></w:r>{extra}</w:p>'


def drawing(rel: str, linked: bool = False) -> str:
    blip = f'<a:blip r:{"link" if linked else "embed"}="{rel}"/>'
    return (
        '<w:p><w:r><w:drawing><wp:inline><wp:docPr id="1" name="Picture 1" descr=""/><a:graphic>'
        f'<a:graphicData uri="{NS["pic"]}"><pic:pic><pic:blipFill>{blip}</pic:blipFill></pic:pic>'
        "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"
    )


def table(*rows: tuple[str, ...]) -> str:
    cells = ("".join(f"<w:tc>{para(cell)}</w:tc>" for cell in row) for row in rows)
    return "<w:tbl>" + "".join(f"<w:tr>{row}</w:tr>" for row in cells) + "</w:tbl>"


def docx(
    *body: str,
    media: dict[str, bytes | None] | None = None,
    links: dict[str, str] | None = None,
    title: str | None = None,
    parts: dict[str, str] | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """A Word package: `media` file name -> bytes (relationship id = the name's stem; None: the
    relationship without its part), `links` relationship id -> an external target, `parts` extra
    package parts (footnotes, comments)."""
    rels = [(Path_stem(n), "image", f"media/{n}", "") for n in media or {}]
    rels += [(rid, "image", target, ' TargetMode="External"') for rid, target in (links or {}).items()]
    rels += [("sty", "styles", "styles.xml", ""), ("num", "numbering", "numbering.xml", "")]
    rels += [(p.split("/")[-1][:-4], p.split("/")[-1][:-4], p.split("/")[-1], "") for p in parts or {}]
    rel_xml = "".join(
        f'<Relationship Id="{rid}" Type="{RELATIONSHIP}{kind}" Target="{target}"{mode}/>'
        for rid, kind, target, mode in rels
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as package:
        package.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="{RELS_TYPE}"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="png" ContentType="image/png"/>'
            '<Default Extension="jpeg" ContentType="image/jpeg"/>'
            '<Default Extension="emf" ContentType="image/x-emf"/>'
            '<Default Extension="wmf" ContentType="image/x-wmf"/>'
            f'<Override PartName="/word/document.xml" ContentType="{WORD_MAIN}"/></Types>',
        )
        package.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="d" Type="{RELATIONSHIP}officeDocument" Target="word/document.xml"/>'
            "</Relationships>",
        )
        package.writestr(
            "word/document.xml", f"<w:document {XMLNS}><w:body>{''.join(body)}</w:body></w:document>"
        )
        package.writestr(
            "word/_rels/document.xml.rels",
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rel_xml}</Relationships>',
        )
        package.writestr("word/styles.xml", STYLES)
        package.writestr("word/numbering.xml", NUMBERING)
        for file_name, data in (media or {}).items():
            if data is not None:
                package.writestr(f"word/media/{file_name}", data)
        for part, xml in (parts or {}).items():
            package.writestr(part, xml)
        if title is not None:
            package.writestr(
                "docProps/core.xml",
                '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"'
                f' xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}</dc:title></cp:coreProperties>',
            )
    return out.getvalue()


def Path_stem(file_name: str) -> str:  # noqa: N802 (reads as the pathlib attribute it stands for)
    return file_name.rsplit(".", 1)[0]


def footnote(number: int) -> str:
    return f'<w:r><w:footnoteReference w:id="{number}"/></w:r>'


def notes_part(kind: str, *texts: str) -> str:
    notes = "".join(
        f'<w:{kind} w:id="{number}"><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:{kind}>'
        for number, text in enumerate(texts, start=1)
    )
    return f"<w:{kind}s {XMLNS}>{notes}</w:{kind}s>"


def comments_part(text: str) -> str:
    comment = f'<w:comment w:id="0" w:author="Rev"><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:comment>'
    return f"<w:comments {XMLNS}>{comment}</w:comments>"


def kinds(doc) -> list[str]:
    return ["I" if isinstance(s, ImageSegment) else "T" for s in doc.segments]


def image_bytes(doc) -> list[bytes]:
    return [open(s.path, "rb").read() for s in doc.segments if isinstance(s, ImageSegment)]


def protocol() -> bytes:
    comment = '<w:commentRangeStart w:id="0"/><w:r><w:commentReference w:id="0"/></w:r>'
    return docx(
        para("Growing salt crystals", "Title"),
        para("Dissolve the salt in warm water.", extra=footnote(1) + comment),
        para("Steps\t2", "TOC1"),  # a table of contents' line: the heading again, with its page
        drawing("beaker"),
        para("Steps", "Heading2"),
        para("Heat the water", "ListParagraph", numbered=True),
        para("Stir in the salt", "ListParagraph", numbered=True),
        table(("Salt", "Water"), ("36 g", "100 ml")),
        drawing("crystal"),
        para("The crystals grew overnight."),
        media={"beaker.png": RED, "crystal.jpeg": BLUE},
        parts={
            "word/footnotes.xml": notes_part("footnote", "Table salt works; sea salt clouds the water."),
            "word/comments.xml": comments_part("REVIEWER: check the amount"),
        },
    )


def test_a_word_document_reads_in_order_with_its_pictures_in_place(tmp_path):
    write(tmp_path / "salt.docx", protocol())

    (doc,), warned = read_warnings(tmp_path)

    assert warned == []
    assert doc.id == "salt.docx" and doc.title == "Growing salt crystals"  # Word's Title style
    assert kinds(doc) == ["T", "I", "T", "I", "T"]
    assert image_bytes(doc) == [RED, BLUE]
    texts = [s.text for s in doc.segments if isinstance(s, TextSegment)]
    assert texts[0] == "# Growing salt crystals\n\nDissolve the salt in warm water.[1]"
    assert texts[1] == "## Steps\n\n1. Heat the water\n\n2. Stir in the salt\n\nSalt | Water\n36 g | 100 ml"
    # the footnote at the end, without its back link; the reviewer's comment is not the document's
    assert texts[2] == "The crystals grew overnight.\n\n1. Table salt works; sea salt clouds the water."
    assert "REVIEWER" not in doc.text and "\u2191" not in doc.text and "footnote" not in doc.text
    names = [s.display_name for s in doc.segments if isinstance(s, ImageSegment)]
    assert names == ["salt.docx: picture 1", "salt.docx: picture 2"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["salt.docx"]  # nothing written beside it


def test_the_title_is_the_property_the_document_says_else_its_opening_heading_else_its_first_line(tmp_path):
    body = "Mix flour, water and salt; knead for ten minutes, then let it rise. " * 4
    write(
        tmp_path / "a.docx",
        docx(para("DRAFT"), para("Tap repair"), para("Fixing a tap", "Heading2"), title="Tap repair"),
    )
    write(tmp_path / "b.docx", docx(para("DRAFT"), para("Fixing a tap", "Heading2"), title=" "))
    # a title typed in a big font, then styled section headings: the first line, not "Ingredients"
    write(tmp_path / "c.docx", docx(para("Bread, day one"), para(body), para("Ingredients", "Heading2")))
    write(tmp_path / "d.docx", docx(para("Bread, day two"), para("Mix flour.")))
    # Word's guess from a first line's first words, and a template's title kept in a copy
    write(tmp_path / "e.docx", docx(para("Lab report 2", "Title"), para("一、Adders"), title="一、"))
    write(tmp_path / "f.docx", docx(para("Lab report 3", "Title"), title="Lab 1 Turbo C 2"))

    docs, warned = read_warnings(tmp_path)

    assert warned == []
    assert [(d.id, d.title) for d in docs] == [
        ("a.docx", "Tap repair"),
        ("b.docx", "Fixing a tap"),
        ("c.docx", "Bread, day one"),
        ("d.docx", "Bread, day two"),
        ("e.docx", "Lab report 2"),
        ("f.docx", "Lab report 3"),
    ]


def test_pictures_not_read_are_reported_by_name_and_reason(tmp_path):
    png(tmp_path / "pics" / "beside.png", "green")
    write(
        tmp_path / "repair.docx",
        docx(
            para("Open the case."),
            drawing("diagram"),  # an EMF drawing (Word's clip art and pasted diagrams)
            drawing("web", linked=True),
            drawing("beside", linked=True),  # linked to a file next to the document: read
            drawing("gone"),  # the document names a part its zip does not hold
            drawing("damaged"),
            para("Close it."),
            media={
                "diagram.emf": b"\x01\x00\x00\x00 an EMF header",
                "gone.png": None,
                "damaged.png": b"\x89PNG\r\n\x1a\n",
            },
            links={"web": "https://example.com/board.png", "beside": "pics/beside.png"},
        ),
    )

    (doc,), warned = read_warnings(tmp_path)

    assert doc.text.startswith("Open the case.") and doc.text.endswith("Close it.")
    assert kinds(doc) == ["T", "I", "T"] and image_bytes(doc) == [(tmp_path / "pics/beside.png").read_bytes()]
    assert sorted((w.file, w.reference, w.reason) for w in warned) == [
        ("repair.docx", "1 EMF picture", "unsupported type"),
        ("repair.docx", "picture 2, linked to https://example.com/board.png", "remote"),
        ("repair.docx", "picture 4: its file is not in the document", "missing"),
        ("repair.docx", "picture 5", "unreadable"),
    ]
    assert "repair.docx: not read: 1 EMF picture" in map(str, warned)


def test_equations_mammoth_does_not_convert_are_said_once(tmp_path):
    equation = "<m:oMath><m:r><m:t>E=mc2</m:t></m:r></m:oMath>"
    faces = [drawing(f"eq{i}") for i in range(3)]  # an exam paper's equations pasted as WMF pictures
    media = {f"eq{i}.wmf": b"\xd7\xcd\xc6\x9a a WMF header" for i in range(3)}
    write(
        tmp_path / "physics.docx",
        docx(para("Energy:", extra=equation + equation), *faces, para("Done."), media=media),
    )

    (doc,), warned = read_warnings(tmp_path)

    assert doc.text == "Energy:\n\nDone."
    assert [(w.file, w.reason, str(w)) for w in warned] == [
        ("physics.docx", "unsupported type", "physics.docx: not read: equations, 3 WMF pictures")
    ]  # one line for the document, not one per picture


def ole(*streams: str) -> bytes:
    """The head of an OLE compound file naming its streams (UTF-16), as Word's encrypted package and
    a Word 97-2003 document are."""
    names = b"".join(name.encode("utf-16-le") + b"\0\0" for name in streams)
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + names


def zipped(parts: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for part, content in parts.items():
            package.writestr(part, content)
    return out.getvalue()


def test_files_that_are_not_readable_word_documents_are_reported_and_nothing_else_is_lost(tmp_path):
    good = protocol()
    stored = docx(para("Stored uncompressed so one byte can be changed."), compression=zipfile.ZIP_STORED)
    write(tmp_path / "notes.md", "# Notes\n\nStill read.\n")
    write(tmp_path / "good.docx", good)
    write(tmp_path / "truncated.docx", good[: len(good) // 2])
    write(tmp_path / "crc.docx", stored.replace(b"uncompressed", b"UNcompressed"))
    write(tmp_path / "text.docx", "I am a text file named .docx")
    write(
        tmp_path / "sheet.docx",
        zipped({"[Content_Types].xml": "...spreadsheetml.sheet.main+xml...", "xl/a": "1"}),
    )
    write(tmp_path / "other.docx", zipped({"readme.txt": "a zip of something else"}))
    write(tmp_path / "locked.docx", ole("EncryptionInfo", "EncryptedPackage"))
    write(tmp_path / "old.docx", word_doc(Document([Paragraph("A Word 97-2003 document renamed.\r")])))
    write(tmp_path / "ole.docx", ole("Workbook"))
    write(tmp_path / "new.docx", b"")  # Explorer's "New > Microsoft Word Document" before it is opened
    write(tmp_path / "blank.docx", docx(para(" ")))

    docs, warned = read_warnings(tmp_path)

    assert [d.id for d in docs] == ["good.docx", "notes.md", "old.docx"]  # old.docx: read by doc.py
    said = {w.file: (w.reason, str(w)) for w in warned}
    assert said == {
        "blank.docx": ("empty", "blank.docx: no text and no readable image, document skipped"),
        "crc.docx": (
            "unreadable",
            "crc.docx: not a readable Word document (BadZipFile: Bad CRC-32 for file "
            "'word/document.xml'), skipped",
        ),
        "locked.docx": (
            "unreadable",
            "locked.docx: password-protected (Word encrypts it); save a copy without a password, skipped",
        ),
        "new.docx": ("empty", "new.docx: empty file (0 bytes), skipped"),
        "ole.docx": (
            "unreadable",
            "ole.docx: password-protected or not a Word file (an OLE compound file, not a zip), skipped",
        ),
        "other.docx": (
            "unreadable",
            "other.docx: a zip file, but not a Word document (no Word document part), skipped",
        ),
        "sheet.docx": (
            "unsupported type",
            "sheet.docx: an Excel workbook under a .docx name, not a Word document, skipped",
        ),
        "text.docx": (
            "unreadable",
            "text.docx: not a Word document (not a zip file, or a damaged one), skipped",
        ),
        "truncated.docx": (
            "unreadable",
            "truncated.docx: not a Word document (not a zip file, or a damaged one), skipped",
        ),
    }


def test_a_body_too_big_to_convert_is_refused_by_its_declared_size(tmp_path, monkeypatch):
    import indexer.sources.docx as reader

    monkeypatch.setattr(reader, "MAX_BODY_XML_BYTES", 1000)
    write(tmp_path / "huge.docx", docx(*[para(f"Step {n}: stir.") for n in range(100)]))
    write(tmp_path / "small.docx", docx(para("Stir.")))

    docs, warned = read_warnings(tmp_path)

    assert [d.id for d in docs] == ["small.docx"]
    assert [(w.file, w.reason) for w in warned] == [("huge.docx", "too large")]
    assert str(warned[0]).startswith("huge.docx: its text part is ")


def test_words_lock_file_is_passed_over_and_the_old_format_is_read(tmp_path):
    write(tmp_path / "salt.docx", protocol())
    write(tmp_path / "~$salt.docx", b"\x05alice" + b"\0" * 156)  # Word's owner file, while it is open
    write(tmp_path / "~$old.doc", b"\x05alice" + b"\0" * 156)
    write(tmp_path / "old.doc", word_doc(Document([Paragraph("Old but read.\r")])))
    write(tmp_path / "draft.odt", zipped({"mimetype": "application/vnd.oasis.opendocument.text"}))

    docs, warned = read_warnings(tmp_path)

    assert [d.id for d in docs] == ["old.doc", "salt.docx"]  # ~$old.doc is Word's lock file, passed over
    assert [(w.file, w.reason) for w in warned] == [
        ("draft.odt", "unreadable"),  # read by odt.py now: a package without its content.xml
    ]


def test_an_unchanged_word_document_is_not_read_again_and_keeps_its_rows(tiny_dsvl, tmp_path, monkeypatch):
    folder, uri = tmp_path / "lab", tmp_path / "index"
    write(folder / "salt.docx", protocol())
    write(folder / "plain.md", "# Plain\n\nNo pictures.\n")
    when = time.time() - 30  # a stat taken right after a write is not trusted (see file_stats)
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, (when, when))
    build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    rows = sorted((d.id, d.title, len(d.images)) for d in Index.open(uri).documents())
    assert rows == [("lab/plain.md", "Plain", 0), ("lab/salt.docx", "Growing salt crystals", 2)]

    read = []
    original = base.FolderReader._read_file
    monkeypatch.setattr(
        base.FolderReader,
        "_read_file",
        lambda self, path, *a: read.append(path.name) or original(self, path, *a),
    )
    report = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)

    assert read == [] and (report.unchanged, report.embedded) == (2, 0)
    assert sorted((d.id, d.title, len(d.images)) for d in Index.open(uri).documents()) == rows


@pytest.mark.parametrize("suffix", [".docx", ".DOCX"])
def test_the_suffix_is_read_whatever_its_case(tmp_path, suffix):
    write(tmp_path / f"Salt{suffix}", protocol())
    (doc,), warned = read_warnings(tmp_path)
    assert warned == [] and doc.title == "Growing salt crystals"
