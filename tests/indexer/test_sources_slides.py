"""Presentations (`.pptx` through python-pptx, `.odp` LibreOffice Impress): a deck is one document,
each slide a section under its title, shapes in reading order with their pictures, speaker notes
after; what is not read is said by the deck's name.

PowerPoint fixtures are written with python-pptx (the field's writer of the format); Impress ones
part by part, in the XML Impress writes."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Cm
from source_helpers import read_warnings, settle, write

from indexer import Searcher, build_index
from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment


def picture(color: str) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(out, format="PNG")
    out.seek(0)
    return out


def deck(chart: bool = False) -> bytes:
    """A lab deck: a title slide, a slide whose picture sits above its text, a table with notes."""
    prs = Presentation()
    first = prs.slides.add_slide(prs.slide_layouts[0])  # Title Slide
    first.shapes.title.text = "Advanced Programming"
    first.placeholders[1].text = "Lab 4, CMake\nProf. Yu"
    second = prs.slides.add_slide(prs.slide_layouts[5])  # Title Only
    second.shapes.title.text = "Build with CMake"
    box = second.shapes.add_textbox(Cm(2), Cm(12), Cm(20), Cm(4)).text_frame  # low on the slide
    box.text = "Run cmake then make"
    sub = box.add_paragraph()
    sub.text = "out of source"
    sub.level = 1
    second.shapes.add_picture(picture("red"), Cm(2), Cm(5))  # above the text: read first
    group = second.shapes.add_group_shape()
    group.shapes.add_picture(picture("blue"), Cm(2), Cm(17))
    third = prs.slides.add_slide(prs.slide_layouts[6])  # Blank: no title
    table = third.shapes.add_table(2, 2, Cm(2), Cm(2), Cm(10), Cm(3)).table
    for (row, col), text in {(0, 0): "Flag", (0, 1): "Meaning", (1, 0): "-O3", (1, 1): "optimise"}.items():
        table.cell(row, col).text = text
    third.notes_slide.notes_text_frame.text = "Ask who has used -O3 before."
    if chart:
        data = CategoryChartData()
        data.categories = ["a", "b"]
        data.add_series("speed", (1.0, 2.0))
        third.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, Cm(2), Cm(8), Cm(8), Cm(6), data)
    prs.core_properties.title = "C/C++ Program Design"  # said by no slide: not the title
    prs.core_properties.keywords = "cmake; lab"
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def test_a_deck_reads_slide_by_slide_in_reading_order_with_notes(tmp_path):
    write(tmp_path / "week04" / "Lab04.pptx", deck())
    (doc,), warned = read_warnings(tmp_path)

    assert warned == []
    assert doc.title == "Advanced Programming: Lab 4, CMake" and doc.meta["tags"] == ["cmake", "lab"]
    kinds = ["I" if isinstance(s, ImageSegment) else "T" for s in doc.segments]
    assert kinds == ["T", "I", "T", "I", "T"]
    opening, under_picture, last = (s.text for s in doc.segments if isinstance(s, TextSegment))
    assert "## Advanced Programming" in opening and "Lab 4, CMake" in opening
    assert opening.rstrip().endswith("## Build with CMake")  # its picture comes next
    assert "Run cmake then make\n  out of source" in under_picture
    assert "## Slide 3" in last and "Flag | Meaning\n-O3 | optimise" in last
    assert "Notes: Ask who has used -O3 before." in last
    red, blue = (Image.open(s.path).convert("RGB").getpixel((0, 0)) for s in doc.images)
    assert red[0] > 200 > red[2] and blue[2] > 200 > blue[0]


def test_a_chart_is_said_by_the_deck_and_the_rest_is_read(tmp_path):
    write(tmp_path / "Lab04.pptx", deck(chart=True))
    (doc,), warned = read_warnings(tmp_path)
    assert [(w.file, w.reason, w.reference) for w in warned] == [("Lab04.pptx", "unsupported type", "charts")]
    assert "Flag | Meaning" in doc.text and len(doc.images) == 2


def _zip(parts: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@pytest.mark.parametrize(
    ("content", "reason", "says"),
    [
        (b"", "empty", "empty file"),
        (b"slides, honestly", "unreadable", "not a PowerPoint presentation"),
        (OLE + b"\0" * 64, "unreadable", "a damaged Office 97-2003 file"),  # read as the .ppt it says
        (OLE + "EncryptedPackage".encode("utf-16-le"), "unreadable", "password-protected"),
        (_zip({"word/document.xml": "<w/>"}), "unsupported type", "a Word document under a .pptx name"),
        (_zip({"ppt/presentation.xml": "<p:presentation"}), "unreadable", "not a readable PowerPoint"),
    ],
)
def test_a_file_that_is_no_readable_presentation_is_said_by_name(tmp_path, content, reason, says):
    write(tmp_path / "talks" / "bad deck.pptx", content)
    write(tmp_path / "talks" / "good.pptx", deck())
    docs, warned = read_warnings(tmp_path)

    assert [d.id for d in docs] == ["talks/good.pptx"]
    (warning,) = warned
    assert (warning.file, warning.reason) == ("talks/bad deck.pptx", reason)
    assert str(warning).startswith("talks/bad deck.pptx: ") and says in str(warning)


ODF = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
    "presentation": "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
}
XMLNS = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in ODF.items())


def frame(y: str, inner: str, kind: str = "") -> str:
    role = f' presentation:class="{kind}"' if kind else ""
    return f'<draw:frame svg:x="1cm" svg:y="{y}"{role}>{inner}</draw:frame>'


def impress(mimetype: str = "application/vnd.oasis.opendocument.presentation") -> bytes:
    box = "<draw:text-box>{}</draw:text-box>".format
    slides = (
        '<draw:page draw:name="page1">'
        + frame("0.5cm", box("<text:p>Field mapping</text:p>"), "title")
        + frame(
            "9cm",
            box("<text:list><text:list-item><text:p>Walk the street</text:p></text:list-item></text:list>"),
            "outline",
        )  # fmt: skip
        + frame("3cm", '<draw:image xlink:href="Pictures/map.png"/>')  # above the list: read first
        + '<presentation:notes><draw:frame presentation:class="notes">'
        + box("<text:p>Bring a printed map.</text:p>")
        + "</draw:frame></presentation:notes></draw:page>"
        + '<draw:page draw:name="page2">'
        + frame("2in", box("<text:p>Upload the traces</text:p>"))
        + "</draw:page>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("mimetype", mimetype)
        package.writestr(
            "content.xml",
            f"<office:document-content {XMLNS}><office:body><office:presentation>{slides}"
            "</office:presentation></office:body></office:document-content>",
        )
        package.writestr("meta.xml", f"<office:document-meta {XMLNS}><office:meta/></office:document-meta>")
        package.writestr("Pictures/map.png", picture("green").getvalue())
    return out.getvalue()


def test_an_impress_presentation_reads_like_a_powerpoint_one(tmp_path):
    write(tmp_path / "mapping.odp", impress())
    (doc,), warned = read_warnings(tmp_path)

    assert warned == [] and doc.title == "Field mapping"
    kinds = ["I" if isinstance(s, ImageSegment) else "T" for s in doc.segments]
    assert kinds == ["T", "I", "T"]
    after = doc.segments[2].text
    assert "- Walk the street" in after and "Notes:" in after and "Bring a printed map." in after
    assert "## Slide 2" in after and "Upload the traces" in after


def test_a_writer_document_under_an_odp_name_is_said(tmp_path):
    write(tmp_path / "mapping.odp", impress("application/vnd.oasis.opendocument.text"))
    docs, warned = read_warnings(tmp_path)
    assert docs == [] and [(w.file, w.reason) for w in warned] == [("mapping.odp", "unsupported type")]
    assert "an OpenDocument text under an .odp name" in str(warned[0])


def test_presentations_are_indexed_and_found_by_a_slide_s_words(tmp_path, tiny_dsvl):
    folder, uri = tmp_path / "course", str(tmp_path / "index")
    write(folder / "Lab04.pptx", deck())
    write(folder / "mapping.odp", impress())
    settle(folder)
    report = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert report.embedded == 2

    searcher = Searcher.open(uri, None, warm=False)
    for words, expected in (("who has used -O3", "course/Lab04.pptx"), ("printed map", "course/mapping.odp")):
        hits = searcher.search(InterleavedDoc((TextSegment(words),)), k=2, mode="keyword")
        assert hits[0].id == expected


def test_a_logo_on_every_slide_is_read_once_where_it_first_appears(tmp_path):
    prs = Presentation()
    for number, color in enumerate(("red", "green", "red"), 1):  # the logo, a photo, the logo again
        slide = prs.slides.add_slide(prs.slide_layouts[5])
        slide.shapes.title.text = f"Step {number}"
        slide.shapes.add_picture(picture("navy"), Cm(1), Cm(1))  # the school's logo, top left
        slide.shapes.add_picture(picture(color), Cm(2), Cm(6))
    out = io.BytesIO()
    prs.save(out)
    write(tmp_path / "steps.pptx", out.getvalue())
    [doc], warned = read_warnings(tmp_path)
    shown = [s for s in doc.segments if isinstance(s, ImageSegment)]
    assert warned == [] and len(shown) == 3  # logo, red, green: not the logo twice more nor red again
    assert "".join("[p]" if isinstance(s, ImageSegment) else s.text for s in doc.segments) == (
        "## Step 1[p][p]## Step 2[p]## Step 3"
    )
