"""RTF notes (TextEdit, WordPad, Word) and TextEdit's RTFD packages: text in order with its pictures,
code pages and Unicode decoded, what a reader does not see (tables of fonts, the info, headers,
comments, a link's address) left out, and a file that is no RTF said by name."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from source_helpers import png, read_warnings, write

from mme_core.documents import ImageSegment, TextSegment


def png_hex(color: str) -> str:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), color).save(out, format="PNG")
    return out.getvalue().hex()


def kinds(doc) -> list[str]:
    return ["I" if isinstance(s, ImageSegment) else "T" for s in doc.segments]


def test_a_textedit_rtfd_package_reads_with_its_attachments_in_place(tmp_path):
    package = tmp_path / "Trip to Lisbon.rtfd"
    png(package / "tram 28.png", "red")
    write(
        package / "TXT.rtf",
        b"{\\rtf1\\ansi\\ansicpg1252\\cocoartf2821\n{\\fonttbl\\f0\\fswiss Helvetica;}\n"
        b"{\\colortbl;\\red255\\green255\\blue255;}\n{\\info{\\title Trip to Lisbon}{\\author Ana}}\n"
        b"{\\header Page header}\\pard\\f0\\fs24 Trip to Lisbon\\\nCaf\\'e9 and past\\uc0\\u233 is\\\n"
        b"{{\\NeXTGraphic tram 28.png \\width2560 \\height1600 \\appleattachmentpadding0\n}\xac}\\\n"
        b'Take the {\\field{\\*\\fldinst{HYPERLINK "https://example.org/tram"}}{\\fldrslt tram 28}}'
        b"{\\*\\annotation a comment}\\emdash it climbs.}",
    )
    (doc,), warned = read_warnings(tmp_path)

    assert warned == [] and doc.title == "Trip to Lisbon"
    assert kinds(doc) == ["T", "I", "T"]
    before, after = (s.text for s in doc.segments if isinstance(s, TextSegment))
    assert before == "Trip to Lisbon\nCaf\u00e9 and past\u00e9is"
    assert after == "Take the tram 28\u2014it climbs."
    assert doc.images[0].path == str((package / "tram 28.png").resolve())
    for hidden in ("Helvetica", "Ana", "Page header", "example.org", "comment"):
        assert hidden not in doc.text


def test_words_picture_kept_once_and_a_metafile_said(tmp_path):
    write(
        tmp_path / "protocol.rtf",
        "{\\rtf1\\ansi\\ansicpg1252 Step 1\\par"
        f"{{\\*\\shppict{{\\pict{{\\*\\picprop x}}\\pngblip\\picw8\\pich6 {png_hex('blue')}}}}}"
        "{\\nonshppict{\\pict\\wmetafile8 0102}}\\par Step 2\\par"
        "{\\pict\\wmetafile8 0102}\\par"
        "\\trowd\\cellx1000\\cellx2000 Salt\\cell 8 g\\cell\\row}",
    )
    (doc,), warned = read_warnings(tmp_path)

    assert kinds(doc) == ["T", "I", "T"]
    assert "Step 2" in doc.text and "Salt | 8 g |" in doc.text
    blue = Image.open(doc.images[0].path).convert("RGB").getpixel((0, 0))
    assert blue[2] > 200 > blue[0]
    assert [(w.file, w.reason, w.reference) for w in warned] == [("protocol.rtf", "unsupported type", "WMF")]


def test_code_page_bytes_of_a_chinese_document_are_decoded_together(tmp_path):
    hello = "你好，世界".encode("gbk")
    escaped = "".join(f"\\'{byte:02x}" for byte in hello)
    write(tmp_path / "笔记.rtf", f"{{\\rtf1\\ansi\\ansicpg936 {escaped}\\par 第二行}}".encode("gbk"))
    (doc,), warned = read_warnings(tmp_path)
    assert warned == [] and doc.text == "你好，世界\n第二行"


@pytest.mark.parametrize(
    ("content", "reason", "says"),
    [(b"", "empty", "empty file"), (b"PK\x03\x04 a zip", "unreadable", "not an RTF document")],
)
def test_a_file_that_is_no_rtf_is_said_by_name(tmp_path, content, reason, says):
    write(tmp_path / "notes" / "bad one.rtf", content)
    write(tmp_path / "notes" / "good.rtf", b"{\\rtf1\\ansi kept}")
    docs, warned = read_warnings(tmp_path)
    assert [d.id for d in docs] == ["notes/good.rtf"]
    (warning,) = warned
    assert (warning.file, warning.reason) == ("notes/bad one.rtf", reason) and says in str(warning)
