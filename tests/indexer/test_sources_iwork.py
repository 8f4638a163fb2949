"""Apple iWork documents (Pages, Keynote, Numbers), as files and as package folders: what a person
gets back (text in order, headings, pictures in place, slides, tables) and what is said by name when
a file cannot be read. Fixtures are made byte by byte (`iwork_fixture.py`) or, for Numbers, written
with numbers-parser."""

from __future__ import annotations

import pytest
from iwork_fixture import (
    blob,
    folder,
    iwa,
    keynote_files,
    list_style,
    locked_09,
    number,
    numbers_file,
    package,
    pages_files,
    paragraph_style,
    placeholder,
    ref,
    storage,
    table,
    varint,
)
from source_helpers import read_warnings, write

from indexer.archive_members import collection_file
from mme_core.documents import ImageSegment


def kinds(doc) -> list[str]:
    return ["I" if isinstance(s, ImageSegment) else "T" for s in doc.segments]


def said(warned) -> list[tuple[str, str, str]]:
    return [(w.file, w.reason, str(w)) for w in warned]


def test_pages_document_reads_headings_text_and_pictures_in_place(tmp_path):
    write(tmp_path / "Recipe.pages", package(pages_files()))

    docs, warned = read_warnings(tmp_path)

    assert warned == []
    (doc,) = docs
    assert doc.id == "Recipe.pages" and doc.title == "Tomato omelette"
    # the picture in the text sits between its paragraphs; the floating one comes after the text
    assert kinds(doc) == ["T", "I", "T", "I"]
    assert doc.segments[0].text == "# Tomato omelette\n\n## Steps\n\nWhisk the eggs, then fry them."
    assert doc.segments[2].text == "Serve warm."


def test_pages_footnotes_come_after_the_text_as_a_numbered_list(tmp_path):
    objects = {
        1: (10000, b""),
        2: storage("Bake the loaf.", kind=0),
        3: storage("\ufffc At 220 °C, 35 min.", kind=2),
    }
    objects |= {4: storage("", kind=2), 5: storage("\ufffc 烤箱预热。", kind=2), 6: storage("Page 2", kind=1)}
    write(tmp_path / "Loaf.pages", package({"Index/Document.iwa": iwa(objects)}))

    (doc,), _ = read_warnings(tmp_path)

    assert doc.text == "Bake the loaf.\n\n1. At 220 °C, 35 min.\n2. 烤箱预热。"  # no header, no empty note


def test_pages_chinese_text_and_localised_heading_names(tmp_path):
    write(tmp_path / "菜谱.pages", package(pages_files(chinese=True)))

    (doc,), warned = read_warnings(tmp_path)

    assert warned == []
    assert doc.title == "番茄炒蛋"
    assert doc.segments[0].text == "# 番茄炒蛋\n\n## 做法\n\n先把鸡蛋打散，再下锅翻炒。"


def test_pages_package_folder_is_one_document_not_walked(tmp_path):
    folder(tmp_path / "Recipe.pages", pages_files())
    write(tmp_path / "notes.md", "# Shopping\n\neggs\n")

    docs, warned = read_warnings(tmp_path)

    assert warned == []  # its Data/ pictures and preview are not loose pictures, its files no notes
    assert [d.id for d in docs] == ["Recipe.pages", "notes.md"]
    assert kinds(docs[0]) == ["T", "I", "T", "I"]


def test_pages_lists_are_marked_and_a_numbered_first_line_is_no_title(tmp_path):
    text = "Preheat the oven\nBake\nYou need\nflour\nsalt"
    lists = [(0, 4), (text.index("You"), 6), (text.index("flour"), 5)]
    body = {1: (10000, b""), 2: storage(text, kind=0, styles=[(0, 3)], lists=lists)}
    body |= {3: paragraph_style("Body"), 4: list_style(3), 5: list_style(2), 6: (2023, b"")}
    write(tmp_path / "Bread notes.pages", package({"Index/Document.iwa": iwa(body)}))

    (doc,), _ = read_warnings(tmp_path)

    assert doc.title == "Bread notes"  # a numbered step names nothing: the file's name does
    assert doc.text == "1. Preheat the oven\n2. Bake\n\nYou need\n\n- flour\n- salt"


def test_keynote_deck_reads_a_section_per_slide_with_pictures_and_notes(tmp_path):
    write(tmp_path / "Sourdough.key", package(keynote_files()))

    (doc,), warned = read_warnings(tmp_path)

    assert warned == []
    assert doc.title == "Sourdough basics"
    assert kinds(doc) == ["T", "I", "T"]
    assert doc.segments[0].text == "## Sourdough basics\n\n## Feeding the starter"
    # the picture sits above the body text on its slide: read first; the notes after
    assert doc.segments[2].text == (
        "- Feed it 1:1:1 every morning\n- Keep it at 24 °C\n\nNotes: Mention the rye flour"
    )


def test_numbers_tables_are_written_as_the_spreadsheet_reader_writes_them(tmp_path):
    rows = [["Ingredient", "Grams", "Note"], ["Flour", 500, "高筋面粉"], ["Water", 350, "warm"]]
    numbers_file(tmp_path / "Bread.numbers", rows, sheet="Dough")

    (doc,), warned = read_warnings(tmp_path)

    assert warned == []
    assert doc.text == "Ingredient | Grams | Note\nFlour | 500 | 高筋面粉\nWater | 350 | warm"
    assert doc.title == "Bread"


@pytest.mark.parametrize(
    ("name", "data", "reason", "message"),
    [
        ("Empty.pages", b"", "empty", "Empty.pages: empty file (0 bytes), skipped"),
        (
            "Broken.key",
            package(keynote_files())[:300],
            "unreadable",
            "Broken.key: not a Keynote presentation (a damaged zip file), skipped",
        ),
        (
            "Locked.pages",
            package({**pages_files(), ".iwpv2": b"\x02" * 40, "Index/Document.iwa": b"\x93" * 64}),
            "unreadable",
            "Locked.pages: password-protected; save a copy without a password in the app, skipped",
        ),
        (
            "Locked09.pages",
            locked_09(),
            "unreadable",
            "Locked09.pages: password-protected; save a copy without a password in the app, skipped",
        ),
        (
            "Old.pages",
            package({"index.xml.gz": b"\x1f\x8b", "buildVersionHistory.plist": b"<plist/>"}),
            "unsupported type",
            "Old.pages: an iWork '09 document (not read); open it and save it in a newer app, skipped",
        ),
        (
            "Report.pages",
            package({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}),
            "unsupported type",
            "Report.pages: a Word document under an iWork name, not a Pages document, skipped",
        ),
        (
            "Scan.numbers",
            b"%PDF-1.4\n%%EOF",
            "unsupported type",
            "Scan.numbers: a PDF file under an iWork name, not a Numbers spreadsheet, skipped",
        ),
        (
            "Torn.pages",
            package({"Index/Document.iwa": b"\x00\x10\x00\x00garbage"}),
            "unreadable",
            "Torn.pages: damaged (Index/Document.iwa: truncated), skipped",
        ),
        (
            "Garbled.pages",  # an object's message list where a number stands
            package({"Index/Document.iwa": iwa({}, raw=varint(4) + number(1, 1) + number(2, 5))}),
            "unreadable",
            "Garbled.pages: damaged (Index/Document.iwa: a number where a message should be), skipped",
        ),
    ],
)
def test_files_that_are_no_readable_iwork_document_are_said_by_name(tmp_path, name, data, reason, message):
    write(tmp_path / name, data)
    write(tmp_path / "kept.md", "# Kept\n\nstill read\n")

    docs, warned = read_warnings(tmp_path)

    assert [d.id for d in docs] == ["kept.md"]  # nothing crashes the run
    assert said(warned) == [(name, reason, message)]


def test_a_password_protected_package_folder_is_said_too(tmp_path):
    folder(tmp_path / "Diary.pages", {**pages_files(), ".iwpv2": b"\x02" * 40})

    docs, warned = read_warnings(tmp_path)

    assert docs == []
    assert said(warned) == [
        (
            "Diary.pages",
            "unreadable",
            "Diary.pages: password-protected; save a copy without a password in the app, skipped",
        )
    ]


def test_a_text_key_file_is_a_tls_key_not_a_deck_and_is_passed_over(tmp_path):
    write(tmp_path / "server.key", "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n")
    write(tmp_path / "notes.md", "# Server\n\nrenew in May\n")

    docs, warned = read_warnings(tmp_path)

    assert [d.id for d in docs] == ["notes.md"] and warned == []


def test_a_spreadsheet_whose_tables_cannot_be_read_is_read_by_its_preview_and_said(tmp_path):
    files = {"Index/Document.iwa": iwa({1: (1, b"")}), "preview.jpg": pages_files()["preview.jpg"]}
    write(tmp_path / "Budget.numbers", package(files))

    (doc,), warned = read_warnings(tmp_path)

    assert kinds(doc) == ["I"]
    assert [(w.file, w.reason) for w in warned] == [("Budget.numbers", "unreadable")] * 2
    assert str(warned[0]).startswith("Budget.numbers: its tables could not be read (")
    assert "/tmp" not in str(warned[0])  # the temporary copy numbers-parser opened is not named
    assert str(warned[1]) == (
        "Budget.numbers: its text could not be read; only its preview picture (preview.jpg) is"
    )


def test_tables_inside_a_pages_document_are_read_in_place(tmp_path):
    text = "Costs\n\ufffc\nPaid in May."
    objects = {1: (10000, b""), 2: storage(text, kind=0, attachments=[(6, 3)]), 3: (2003, ref(1, 10))}
    objects |= table(10, [["Item", "价格"], ["Flour", 3.5], ["Oven", 1200]])
    objects |= table(30, [["Floating", "on page 2"]])  # placed on a page, not in the text: after it
    write(tmp_path / "Costs.pages", package({"Index/Document.iwa": iwa(objects)}))

    (doc,), warned = read_warnings(tmp_path)

    assert (
        doc.text == "Costs\n\nItem | 价格\nFlour | 3.5\nOven | 1200\n\nPaid in May.\n\nFloating | on page 2"
    )
    assert warned == []


def test_a_table_in_the_storage_before_numbers_5_is_said_not_read(tmp_path):
    text = "Costs\n\ufffc"
    objects = {1: (10000, b""), 2: storage(text, kind=0, attachments=[(6, 3)]), 3: (2003, ref(1, 10))}
    objects |= table(10, [["Item", "Price"]], bnc=False)
    write(tmp_path / "Costs.pages", package({"Index/Document.iwa": iwa(objects)}))

    (doc,), warned = read_warnings(tmp_path)

    assert doc.text == "Costs"
    message = "Costs.pages: not read: tables saved before Numbers 5's storage"
    assert said(warned) == [("Costs.pages", "unsupported type", message)]


def test_an_uploaded_zip_keeps_the_files_of_package_folders():
    from pathlib import PurePosixPath

    assert collection_file(PurePosixPath("notes/Recipe.pages/Index/Document.iwa"))
    assert collection_file(PurePosixPath("notes/Recipe.pages/.iwpv2"))  # so that it is said locked
    assert not collection_file(PurePosixPath("notes/build/Index/Document.iwa"))


def test_a_package_folder_given_alone_is_one_document_and_is_found_again_by_its_source(tmp_path):
    from indexer.sources import read_collection
    from indexer.sources.collection import read_source

    root = folder(tmp_path / "Sourdough.key", keynote_files())

    (doc,) = read_collection(root, pictures=tmp_path / "pictures")
    again = read_source(root, "Sourdough.key", "Sourdough.key", pictures=tmp_path / "pictures")

    assert doc.id == "Sourdough.key" and doc.title == "Sourdough basics"
    assert again is not None and again.text == doc.text


def test_a_deck_whose_slides_have_no_title_is_named_by_its_file(tmp_path):
    files = keynote_files()
    show = {1: (2, blob(3, ref(2, 2))), 2: (4, ref(2, 10)), 10: (5, ref(6, 11))}
    show |= {11: placeholder(12), 12: storage("Only a body")}
    files["Index/Document.iwa"], files["Index/Slide-10.iwa"] = iwa({1: show.pop(1)}), iwa(show)
    write(tmp_path / "Untitled lab.key", package(files))

    (doc,), _ = read_warnings(tmp_path)

    assert doc.title == "Untitled lab"  # not "Slide 1"
    assert doc.text == "## Slide 1\n\nOnly a body"


def test_a_folder_of_notes_named_like_a_document_is_walked_as_a_folder(tmp_path):
    write(tmp_path / "release 2.key" / "notes.md", "# Release\n\nship on Friday\n")

    docs, warned = read_warnings(tmp_path)

    assert [d.id for d in docs] == ["release 2.key/notes.md"] and warned == []
