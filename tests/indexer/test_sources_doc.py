"""Word 97-2003 documents (`.doc`): text, headings, tables, fields and pictures in reading order,
footnotes at the end; every file not read said by the name the person gave it.

Fixtures are compound files built byte by byte in `doc_fixture.py` (no tool here writes `.doc`), each
holding only what its test needs."""

from __future__ import annotations

import io
import struct
import zipfile

from doc_fixture import Document, Paragraph, compound_file, word_doc
from PIL import Image
from source_helpers import read_warnings, write

from mme_core.documents import ImageSegment, TextSegment


def picture(color: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (24, 16), color).save(out, format="PNG")
    return out.getvalue()


def segments(doc) -> list[str]:
    """Text segments as they read; a picture by its color (the fixtures' pictures are one color)."""
    out = []
    for s in doc.segments:
        if isinstance(s, ImageSegment):
            with Image.open(s.path) as image:
                out.append(f"picture {image.convert('RGB').getpixel((0, 0))}")
        else:
            out.append(s.text)
    return out


def lab_manual() -> Document:
    """A Chinese lab manual as Word 2003 keeps it: UTF-16 text, styled headings, a table, a link
    field, a table of contents, a footnote, an inline and a floating picture."""
    return Document(
        [
            Paragraph("实验一 缓冲液配制\r", istd=1),
            Paragraph('\x13 TOC \\o "1-3" \x14实验一 缓冲液配制\t1\r步骤\t2\x15\r'),
            Paragraph('本实验参考\x13 HYPERLINK "http://lab.example/buffer" \x14实验室手册\x15\x02。\r'),
            Paragraph("试剂\x07", in_table=True),
            Paragraph("用量\x07", in_table=True),
            Paragraph("\x07", row_end=True),
            Paragraph("NaCl\x07", in_table=True),
            Paragraph("5 g\x07", in_table=True),
            Paragraph("\x07", row_end=True),
            Paragraph("步骤\r", istd=2),
            Paragraph("称量后溶解：\x01\r"),
            Paragraph("第 \x13 PAGE \x143\x15 页\x0b结果如图\x08\r"),
            Paragraph("注意事项\r", istd=3),  # the user style "标题 3"
            Paragraph("过滤\r", outline=1),  # Normal, with 大纲级别 2 set on the paragraph
            Paragraph("用\x13EQ \\* jc2 \\* hps21 \\o\\ad(\\s\\up 10(lǜ),滤)\x15纸过滤。\r"),  # 拼音指南
        ],
        footnotes=["使用蒸馏水。"],
        textboxes=["加热至沸腾"],
        title="实验一 缓冲液配制",
        author="王老师",
        keywords="缓冲液；实验, lab",
        picture=picture("red"),
        floating=picture("blue"),
    )


def test_a_chinese_lab_manual_reads_in_order_with_its_headings_table_notes_and_pictures(tmp_path):
    write(tmp_path / "实验/缓冲液.doc", word_doc(lab_manual()))

    docs, warned = read_warnings(tmp_path)

    assert warned == []
    [doc] = docs
    assert doc.id == "实验/缓冲液.doc"
    assert segments(doc) == [
        "# 实验一 缓冲液配制\n\n"  # the table of contents is not read; the link's words are, not its code
        "本实验参考实验室手册[1]。\n\n"
        "试剂 | 用量\nNaCl | 5 g\n\n"
        "## 步骤\n\n"
        "称量后溶解：",
        "picture (255, 0, 0)",
        "第 3 页\n结果如图",
        "picture (0, 0, 255)",
        "### 注意事项\n\n## 过滤\n\n用滤纸过滤。\n\n"  # the phonetic guide's text, not its code
        "加热至沸腾\n\n"  # a text box's text, after the body
        "1. 使用蒸馏水。",
    ]
    assert doc.title == "实验一 缓冲液配制"  # the title property, which the text says
    assert doc.meta["tags"] == ["缓冲液", "实验", "lab"]
    assert doc.meta["properties"]["author"] == "王老师"


def test_one_byte_pieces_special_characters_and_lists(tmp_path):
    recipe = Document(
        [
            Paragraph("Café crème\r"),
            Paragraph("Whisk\tgently\x0bthen rest\r"),
            Paragraph("non\x1ebreaking and opt\x1fional\x0c"),
            Paragraph("You need:\r"),
            Paragraph("eggs\r", listed=1),
            Paragraph("milk\r", listed=1),
            Paragraph("Beat the eggs\r", listed=2),
            Paragraph("Serve\r", listed=2),
        ],
        compressed=True,
        title="Microsoft Word - recipe.doc",  # Word's guess, not a line of the text: not the title
    )
    write(tmp_path / "recipe.doc", word_doc(recipe))

    docs, warned = read_warnings(tmp_path)

    assert warned == []
    [doc] = docs
    assert [s.text for s in doc.segments if isinstance(s, TextSegment)] == [
        "Café crème\n\nWhisk gently\nthen rest\n\nnon-breaking and optional\n\nYou need:\n\n"
        "- eggs\n\n- milk\n\n1. Beat the eggs\n\n2. Serve"  # Word draws bullets and numbers: written here
    ]
    assert doc.title == "Café crème"  # the first line


def docx_package() -> bytes:
    out = io.BytesIO()
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    with zipfile.ZipFile(out, "w") as package:
        package.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{main}"/></Types>',
        )
        package.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="d" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        package.writestr(
            "word/document.xml",
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
            "<w:p><w:r><w:t>Saved as docx, named doc.</w:t></w:r></w:p></w:body></w:document>",
        )
    return out.getvalue()


def test_files_word_saves_under_a_doc_name_are_read_by_their_own_readers(tmp_path):
    write(tmp_path / "wordpad.doc", b"{\\rtf1\\ansi Saved as RTF.\\par}")
    write(tmp_path / "web.doc", b"<html><body><h1>Saved as a web page</h1><p>In HTML.</p></body></html>")
    write(tmp_path / "new.doc", docx_package())
    write(tmp_path / "renamed.docx", word_doc(Document([Paragraph("A .doc named .docx\r")])))

    docs, warned = read_warnings(tmp_path)

    assert warned == []
    assert {d.id: d.text for d in docs} == {
        "new.doc": "Saved as docx, named doc.",
        "renamed.docx": "A .doc named .docx",
        "web.doc": "# Saved as a web page\n\nIn HTML.",
        "wordpad.doc": "Saved as RTF.",
    }


def test_documents_that_cannot_be_read_are_said_by_the_name_the_person_gave_them(tmp_path):
    good = word_doc(Document([Paragraph("Kept.\r")]))
    write(tmp_path / "Lab notes/empty.doc", b"")
    write(tmp_path / "Lab notes/locked.doc", word_doc(Document([Paragraph("x\r")], flags=0x0300)))
    write(tmp_path / "Lab notes/word95.doc", word_doc(Document([Paragraph("x\r")], nfib=0x68)))
    write(tmp_path / "Lab notes/sheet.doc", compound_file({"Workbook": b"\x09\x08"}))
    write(tmp_path / "Lab notes/cut.doc", good[:1536])  # a download cut short
    clx = b"\x02" + struct.pack("<Ii", 16, 0)  # the piece table's head, first in the table stream
    write(
        tmp_path / "Lab notes/broken.doc", good.replace(clx, b"\x02" + struct.pack("<Ii", 16 + 12 * 999, 0))
    )
    write(tmp_path / "Lab notes/text.doc", b"just some text named .doc")
    write(tmp_path / "Lab notes/page.doc", b"MIME-Version: 1.0\r\nContent-Type: multipart/related\r\n")
    xml = b'<?xml version="1.0"?>\n<?mso-application progid="Word.Document"?>\n<w:wordDocument/>'
    write(tmp_path / "Lab notes/2003.doc", xml)
    write(tmp_path / "Lab notes/good.doc", good)

    docs, warned = read_warnings(tmp_path)

    assert [d.id for d in docs] == ["Lab notes/good.doc"]
    said = {w.file: (w.reason, str(w)) for w in warned}
    folder = "Lab notes/"
    assert said == {
        f"{folder}2003.doc": (
            "unsupported type",
            f"{folder}2003.doc: a Word 2003 XML document, not read; save it again as .docx, skipped",
        ),
        f"{folder}broken.doc": (
            "unreadable",
            f"{folder}broken.doc: damaged Word document (one of its tables points past the end of its"
            " data), skipped",
        ),
        f"{folder}cut.doc": (
            "unreadable",
            f"{folder}cut.doc: damaged Word document, its compound file cannot be opened (incomplete OLE"
            " sector), skipped",
        ),
        f"{folder}empty.doc": ("empty", f"{folder}empty.doc: empty file (0 bytes), skipped"),
        f"{folder}locked.doc": (
            "unreadable",
            f"{folder}locked.doc: password-protected (Word encrypts it); save a copy without a"
            " password, skipped",
        ),
        f"{folder}page.doc": (
            "unsupported type",
            f"{folder}page.doc: a single-file web page (MHTML) under a .doc name, not read, skipped",
        ),
        f"{folder}sheet.doc": (
            "unsupported type",
            f"{folder}sheet.doc: an Excel workbook under a .doc name, not a Word document, skipped",
        ),
        f"{folder}text.doc": (
            "unreadable",
            f"{folder}text.doc: not a Word document (not an OLE compound file, RTF or HTML), skipped",
        ),
        f"{folder}word95.doc": (
            "unsupported type",
            f"{folder}word95.doc: a Word 6.0/95 document (older than Word 97); save it again in a newer"
            " Word, skipped",
        ),
    }


def test_a_picture_that_is_not_a_picture_is_said_by_its_number_and_the_text_is_kept(tmp_path):
    broken = Document([Paragraph("Before \x01 after.\r")], picture=b"\x89PNG not really")
    write(tmp_path / "notes.doc", word_doc(broken))

    docs, warned = read_warnings(tmp_path)

    [doc] = docs
    assert doc.text == "Before after."
    assert [(w.file, w.reference, w.reason, str(w)) for w in warned] == [
        (
            "notes.doc",
            "picture 1",
            "unreadable",
            "notes.doc: picture skipped, unreadable image: picture 1 (cannot identify image file)",
        )
    ]


def test_a_damaged_property_set_leaves_the_text_read(tmp_path):
    good = word_doc(
        Document([Paragraph("Titration\r"), Paragraph("Add base.\r")], title="Titration", author="Li")
    )
    # each string property's type field damaged into a vector's, the title's declaring 2**31 - 1 strings
    vectors = good.replace(struct.pack("<I", 0x1E), struct.pack("<I", 0x101E)).replace(
        struct.pack("<I", 0x101E) + struct.pack("<I", 10),
        struct.pack("<I", 0x101E) + struct.pack("<I", 0x7FFFFFFF),
    )
    assert vectors != good
    write(tmp_path / "titration.doc", vectors)

    docs, warned = read_warnings(tmp_path)

    assert warned == []
    [doc] = docs
    assert doc.text == "Titration\n\nAdd base."
    assert doc.title == "Titration" and doc.meta["tags"] == [] and doc.meta["properties"] == {}
