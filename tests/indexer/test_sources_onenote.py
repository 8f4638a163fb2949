"""OneNote sections (`.one`): a document per page, outline text in order (nested paragraphs indented),
tables, pictures with their alt text, note tags as tags, the notebook and section groups on each page;
attachments, the recycle bin and unreadable sections said by name.

No tool here writes OneNote's binary format, so the section a test reads is a document tree built
with aspose-note's own API (the tree its reader gives for a real file), put where the `.one` file's
bytes would be decoded (`onenote.load_section`); the bytes of bad files go through the real decoder.
"""

from __future__ import annotations

import io

import pytest
from aspose.note import (
    AttachedFile,
    Document,
    Image,
    NoteTag,
    Outline,
    OutlineElement,
    Page,
    RichText,
    Table,
    TableCell,
    TableRow,
    Title,
)
from PIL import Image as PILImage
from source_helpers import read_warnings, settle, write

import indexer.sources.onenote as onenote
from indexer import Searcher, build_index
from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment


def png(color: str) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (32, 24), color).save(out, format="PNG")
    return out.getvalue()


def tag_named(label: str) -> NoteTag:
    tag = NoteTag.CreateYellowStar()  # the tags' one public maker; a person's own tag is relabelled
    tag.Label = label
    return tag


def paragraph(text: str, *children, tags: tuple[str, ...] = ()) -> OutlineElement:
    element = OutlineElement()
    element.AppendChildLast(RichText(Text=text, Tags=[tag_named(tag) for tag in tags]))
    for child in children:
        element.AppendChildLast(child)
    return element


def holding(node) -> OutlineElement:
    element = OutlineElement()
    element.AppendChildLast(node)
    return element


def page(title: str, *elements: OutlineElement, author: str = "Mei") -> Page:
    result = Page(Title=Title(TitleText=RichText(Text=title)) if title else None, Author=author)
    outline = Outline()
    for element in elements:
        outline.AppendChildLast(element)
    result.AppendChildLast(outline)
    return result


def table(*rows: tuple[str, ...]) -> Table:
    result = Table()
    for cells in rows:
        row = TableRow()
        for text in cells:
            cell = TableCell()
            cell.AppendChildLast(paragraph(text))
            row.AppendChildLast(cell)
        result.AppendChildLast(row)
    return result


def lab_section() -> Document:
    section = Document()
    section.AppendChildLast(
        page(
            "Passage HeLa cells",
            paragraph("Warm the medium to 37 °C", paragraph("check the water bath", tags=("Question",))),
            holding(Image(FileName="flask.png", Bytes=png("red"), AlternativeTextTitle="a T75 flask")),
            paragraph('Split 1:5, see \ufddfHYPERLINK "https://example.org"the protocol', tags=("To Do",)),
            holding(table(("Day", "Confluence"), ("1", "40 %"))),
            holding(AttachedFile(FileName="protocol.pdf", Bytes=b"%PDF-1.7")),
        )
    )
    section.AppendChildLast(page("Passage HeLa cells", paragraph("second run, same title")))
    section.AppendChildLast(page("", paragraph("an untitled page")))
    return section


@pytest.fixture
def sections(monkeypatch):
    """`.one` files whose bytes name the section tree to read: b"lab" -> lab_section()."""
    built = {b"lab": lab_section}
    real = onenote.load_section
    monkeypatch.setattr(onenote, "load_section", lambda data: built[data]() if data in built else real(data))


def test_each_page_of_a_section_is_a_document_read_in_order(tmp_path, sections):
    write(tmp_path / "Lab" / "2024" / "Cell culture.one", b"lab")
    docs, warned = read_warnings(tmp_path)

    assert [d.id for d in docs] == [
        "Lab/2024/Cell culture.one/Passage HeLa cells",
        "Lab/2024/Cell culture.one/Passage HeLa cells (2)",  # two pages of one title stay two
        "Lab/2024/Cell culture.one/page 3",
    ]
    first = docs[0]
    assert first.title == "Passage HeLa cells"
    assert first.meta["tags"] == ["Question", "To Do"]
    assert first.meta["properties"]["notebook"] == "Lab / 2024 / Cell culture"
    assert first.meta["properties"]["author"] == "Mei"
    kinds = ["I" if isinstance(s, ImageSegment) else "T" for s in first.segments]
    assert kinds == ["T", "I", "T"]
    before, after = (s.text for s in first.segments if isinstance(s, TextSegment))
    assert "Warm the medium to 37 °C\n  check the water bath" in before
    assert after.startswith("a T75 flask")
    assert "Split 1:5, see the protocol" in after and "HYPERLINK" not in after
    assert "Day | Confluence\n1 | 40 %" in after
    assert docs[2].title == "an untitled page"
    assert [(w.file, w.reason, w.reference) for w in warned] == [
        ("Lab/2024/Cell culture.one", "unsupported type", "protocol.pdf")
    ]


@pytest.mark.parametrize(
    ("content", "reason", "says"),
    [
        (b"", "empty", "empty file (0 bytes)"),
        (b"not a OneNote file at all", "unreadable", "not a readable OneNote section"),
    ],
)
def test_a_file_that_is_no_readable_section_is_said_by_name(tmp_path, sections, content, reason, says):
    write(tmp_path / "Notebook" / "bad section.one", content)
    write(tmp_path / "Notebook" / "Lab.one", b"lab")
    docs, warned = read_warnings(tmp_path)

    assert {d.id.split(".one/")[0] for d in docs} == {"Notebook/Lab"}
    bad = [w for w in warned if w.file == "Notebook/bad section.one"]
    assert len(bad) == 1 and bad[0].reason == reason and says in str(bad[0])
    assert str(bad[0]).startswith("Notebook/bad section.one: ")


def test_the_recycle_bin_and_a_onenote_package_are_said_not_read(tmp_path, sections):
    write(tmp_path / "Notebook" / "Lab.one", b"lab")
    write(tmp_path / "Notebook" / "OneNote_RecycleBin" / "OneNote_DeletedPages.one", b"lab")
    write(tmp_path / "Notebook.onepkg", b"MSCF\0\0\0\0")
    docs, warned = read_warnings(tmp_path)

    assert all(not d.id.startswith("Notebook/OneNote_RecycleBin") for d in docs) and len(docs) == 3
    said = {w.file: (w.reason, str(w)) for w in warned if w.file != "Notebook/Lab.one"}
    assert said["Notebook/OneNote_RecycleBin/"] == (
        "excluded",
        "Notebook/OneNote_RecycleBin/: OneNote's deleted pages; not indexed",
    )
    assert said["Notebook.onepkg"][0] == "unsupported type" and "unpack it" in said["Notebook.onepkg"][1]


def test_a_section_is_indexed_and_a_page_found_by_its_words(tmp_path, tiny_dsvl, sections):
    folder, uri = tmp_path / "Lab", str(tmp_path / "index")
    write(folder / "Cell culture.one", b"lab")
    write(folder / "plain.md", "# Plain\n\nnothing here\n")
    settle(folder)
    report = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert report.embedded == 4

    query = InterleavedDoc((TextSegment("water bath"),))
    hits = Searcher.open(uri, None, warm=False).search(query, k=2, mode="keyword")
    assert hits[0].id == "Lab/Cell culture.one/Passage HeLa cells"
