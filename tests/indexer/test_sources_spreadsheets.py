"""Spreadsheets (`.xlsx`/`.xls`/`.ods` through python-calamine) and CSV/TSV tables: a workbook is one
document, its sheets' rows a line each, an Excel workbook's pictures after their row; data sets and
files that are no readable table are said by name.

Excel fixtures are written with openpyxl and xlwt (the field's writers of the formats); OpenDocument
ones part by part, in the XML LibreOffice writes."""

from __future__ import annotations

import datetime
import io
import struct
import zipfile

import openpyxl
import xlwt
from openpyxl.chart import BarChart, Reference
from openpyxl.drawing.image import Image as SheetImage
from PIL import Image
from source_helpers import read_warnings, settle, write

from indexer import Searcher, build_index
from indexer.sources import spreadsheet
from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment


def picture(color: str) -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(out, format="PNG")
    out.seek(0)
    return out


def workbook(chart: bool = False, title: str = "Buffers", cell_pictures: bool = False) -> bytes:
    """A lab's buffers: a title row above the table, a photo beside the NaCl row, a notes sheet."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "PBS"
    sheet["B2"] = "PBS buffer, 1 L"
    for row, values in enumerate(
        [("Reagent", "Grams", "Checked", "Made"), ("NaCl", 8.0, True, datetime.date(2024, 3, 1)),
         ("KCl", 0.2), ("Na2HPO4", 1.44, False, datetime.datetime(2024, 3, 1, 9, 30))],
        start=4,
    ):  # fmt: skip
        for column, value in enumerate(values, start=2):
            sheet.cell(row=row, column=column, value=value)
    sheet.add_image(SheetImage(picture("red")), "G5")  # beside the NaCl row (row 5)
    if chart:
        bars = BarChart()
        bars.add_data(Reference(sheet, min_col=3, min_row=4, max_row=7), titles_from_data=True)
        sheet.add_chart(bars, "G12")
    notes = book.create_sheet("Notes")
    notes["A1"] = "Autoclave for 20 minutes,\nthen store at room temperature."
    notes.sheet_state = "hidden"  # the author's still
    book.create_sheet("Empty")
    book.properties.title = title
    book.properties.keywords = "lab; buffers"
    out = io.BytesIO()
    book.save(out)
    if not cell_pictures:
        return out.getvalue()
    with zipfile.ZipFile(out, "a") as archive:  # WPS keeps pictures placed in cells here
        archive.writestr(
            "xl/cellimages.xml",
            "<etc:cellImages xmlns:etc='http://www.wps.cn/officeDocument/2017/etCustomData'/>",
        )
    return out.getvalue()


def old_workbook() -> bytes:
    """An Excel 97-2003 `.xls` holding Chinese text, as xlwt writes one."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("菜单")
    for row, values in enumerate([("菜名", "价格"), ("宫保鸡丁", 38), ("麻婆豆腐", 26.5)]):
        for column, value in enumerate(values):
            sheet.write(row, column, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


MANIFEST = (
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def locked_old_workbook() -> bytes:
    """`old_workbook` as Excel saves it with a password: a FILEPASS record right after the BOF
    record (written over the record there, same place in the stream)."""
    data = bytearray(old_workbook())
    bof = data.index(b"\x09\x08\x10\x00")  # BOF, BIFF8: type 0x0809, 16 bytes
    data[bof + 20 : bof + 22] = b"\x2f\x00"  # FILEPASS
    return bytes(data)


def ods(rows_by_sheet: dict[str, list[list[str]]], photo: bool = False) -> bytes:
    """An OpenDocument spreadsheet, part by part."""
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )
    tables = "".join(
        f'<table:table table:name="{name}">'
        + "".join(
            "<table:table-row>"
            + "".join(
                f'<table:table-cell office:value-type="string"><text:p>{cell}</text:p></table:table-cell>'
                for cell in row
            )
            + "</table:table-row>"
            for row in rows
        )
        + "</table:table>"
        for name, rows in rows_by_sheet.items()
    )
    body = f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
    content = f"<office:document-content {ns}>{body}</office:document-content>"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", MANIFEST)
        archive.writestr("content.xml", content)
        if photo:  # a picture on a sheet (the cells' reader does not place them)
            archive.writestr("Pictures/photo.png", picture("blue").getvalue())
    return out.getvalue()


def texts(doc) -> str:
    return "".join(s.text if isinstance(s, TextSegment) else "[picture]" for s in doc.segments)


def test_a_workbook_reads_sheet_by_sheet_with_its_picture_after_its_row(tmp_path):
    write(tmp_path / "buffers.xlsx", workbook())
    [doc], warned = read_warnings(tmp_path)
    assert warned == []
    assert texts(doc) == (
        "## PBS\n\nPBS buffer, 1 L\nReagent | Grams | Checked | Made\nNaCl | 8 | TRUE | 2024-03-01"
        "[picture]KCl | 0.2\nNa2HPO4 | 1.44 | FALSE | 2024-03-01 09:30\n\n"
        "## Notes\n\nAutoclave for 20 minutes, then store at room temperature."
    )  # the empty sheet has no heading; the hidden one is read
    assert sum(isinstance(s, ImageSegment) for s in doc.segments) == 1
    assert doc.title == "PBS buffer, 1 L"  # the title property "Buffers" is no line of the sheets
    assert doc.meta["tags"] == ["lab", "buffers"]


def test_a_title_property_the_sheets_say_is_the_title_and_one_sheet_has_no_heading(tmp_path):
    write(tmp_path / "b.xlsx", workbook(title="PBS buffer, 1 L"))
    write(tmp_path / "menu.xls", old_workbook())
    write(tmp_path / "plan.ods", ods({"Week 1": [["Day", "Dish"], ["Mon", "Soup"]], "Week 2": [[""]]}))
    by_id = {doc.id: doc for doc in read_warnings(tmp_path)[0]}
    assert by_id["b.xlsx"].title == "PBS buffer, 1 L"
    assert texts(by_id["menu.xls"]) == "菜名 | 价格\n宫保鸡丁 | 38\n麻婆豆腐 | 26.5"
    assert by_id["menu.xls"].title == "menu"  # a header row is no title
    assert texts(by_id["plan.ods"]) == "Day | Dish\nMon | Soup"
    assert by_id["plan.ods"].title == "plan"


def test_what_a_workbook_holds_that_is_not_read_is_said_once(tmp_path):
    write(tmp_path / "buffers.xlsx", workbook(chart=True, cell_pictures=True))
    write(tmp_path / "plan.ods", ods({"Week 1": [["Day", "Dish"], ["Mon", "Soup"]]}, photo=True))
    buffers, plan = read_warnings(tmp_path)[0]
    assert "NaCl | 8" in texts(buffers) and texts(plan) == "Day | Dish\nMon | Soup"
    warned = read_warnings(tmp_path)[1]
    assert [(w.file, w.reason, str(w)) for w in warned] == [
        (
            "buffers.xlsx",
            "unsupported type",
            "buffers.xlsx: not read: charts, pictures placed in cells",
        ),
        ("plan.ods", "unsupported type", "plan.ods: not read: pictures"),
    ]


def test_csv_and_tsv_tables_read_in_their_encoding_and_delimiter(tmp_path):
    write(tmp_path / "书单.csv", "书名;作者;年份\n三体;刘慈欣;2008\n活着;余华;1993\n".encode("gbk"))
    write(tmp_path / "glossary.tsv", "term\tmeaning\npipette\ta tube to move liquid, by volume\n")
    write(tmp_path / "pantry.csv", '"Item"\n"Flour, strong"\nYeast\n')  # one column, quoted
    by_id, warned = read_warnings(tmp_path)
    by_id = {doc.id: doc for doc in by_id}
    assert texts(by_id["书单.csv"]) == "书名 | 作者 | 年份\n三体 | 刘慈欣 | 2008\n活着 | 余华 | 1993"
    assert by_id["书单.csv"].title == "书单"
    assert texts(by_id["glossary.tsv"]) == "term | meaning\npipette | a tube to move liquid, by volume"
    assert (
        texts(by_id["pantry.csv"]) == "Item\nFlour, strong\nYeast" and by_id["pantry.csv"].title == "pantry"
    )
    assert [(w.file, w.reason) for w in warned] == [("书单.csv", "encoding")]  # GBK, said


def test_data_sets_and_files_that_are_no_table_are_said_by_name(tmp_path, monkeypatch):
    monkeypatch.setattr(spreadsheet, "MAX_CELLS", 20)
    write(tmp_path / "readings.csv", "time,ph\n" + "".join(f"{i},7.{i}\n" for i in range(5)))
    write(tmp_path / "census.csv", "name,town\n" + "".join(f"p{i},Lyon\n" for i in range(11)))
    write(tmp_path / "blank.csv", "\n\n")
    write(tmp_path / "empty.xlsx", b"")
    write(tmp_path / "broken.xlsx", workbook()[:300])
    write(tmp_path / "not.xlsx", b"%PDF-1.4 a PDF under another name")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le") + bytes(64)
    write(tmp_path / "locked.xlsx", ole)
    write(tmp_path / "locked.xls", locked_old_workbook())
    letter = io.BytesIO()
    with zipfile.ZipFile(letter, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    write(tmp_path / "letter.xlsx", letter.getvalue())
    write(tmp_path / "nothing.ods", ods({"Sheet1": [[""]]}))
    write(tmp_path / "fine.csv", "dish,time\nsoup,20 min\n")
    docs, warned = read_warnings(tmp_path)
    assert [doc.id for doc in docs] == ["fine.csv"]
    said = {w.file: (w.reason, str(w)) for w in warned}
    assert said == {
        "blank.csv": ("empty", "blank.csv: empty file, skipped"),
        "broken.xlsx": ("unreadable", said["broken.xlsx"][1]),
        "census.csv": (
            "too large",
            "census.csv: 24 filled cells, a data set rather than a note (limit 20), skipped",
        ),
        "empty.xlsx": ("empty", "empty.xlsx: empty file (0 bytes), skipped"),
        "letter.xlsx": (
            "unsupported type",
            "letter.xlsx: a Word document under a spreadsheet's name, skipped",
        ),
        "locked.xlsx": (
            "unreadable",
            "locked.xlsx: password-protected; save a copy without a password, skipped",
        ),
        "locked.xls": (
            "unreadable",
            "locked.xls: password-protected; save a copy without a password, skipped",
        ),
        "not.xlsx": (
            "unreadable",
            "not.xlsx: not a spreadsheet (no Excel or OpenDocument file, or a damaged one), skipped",
        ),
        "nothing.ods": ("empty", "nothing.ods: nothing in its cells, skipped"),
        "readings.csv": ("excluded", "readings.csv: a table of numbers (data, not a note); not indexed"),
    }
    assert said["broken.xlsx"][1].startswith("broken.xlsx: not a")  # named by the file, as given
    assert str(tmp_path) not in "".join(str(w) for w in warned)


def test_spreadsheets_and_tables_are_indexed_and_found_by_a_cell_s_words(tmp_path, tiny_dsvl):
    folder, uri = tmp_path / "lab", str(tmp_path / "index")
    write(folder / "buffers.xlsx", workbook())
    write(folder / "menu.xls", old_workbook())
    write(folder / "glossary.tsv", "term\tmeaning\npipette\ta tube to move liquid\n")
    settle(folder)
    report = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert report.embedded == 3
    searcher = Searcher.open(uri, None, warm=False)
    for words, expected in (
        ("Na2HPO4", "lab/buffers.xlsx"),
        ("麻婆豆腐", "lab/menu.xls"),
        ("pipette", "lab/glossary.tsv"),
    ):
        hits = searcher.search(InterleavedDoc((TextSegment(words),)), k=2, mode="keyword")
        assert hits[0].id == expected
    again = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    assert again.embedded == 0  # not read again


def test_an_old_workbook_s_picture_store_is_counted_not_its_comment_and_chart_drawings():
    """Excel 97-2003 keeps a drawing group for comments and charts too; only its picture store's
    entries (`.xls` pictures calamine does not read, said by the reader) count."""
    from indexer.sources.excel_binary import _stored_pictures

    def record(kind: int, body: bytes, instance: int = 0, version: int = 0xF) -> bytes:
        return struct.pack("<HHI", instance << 4 | version, kind, len(body)) + body

    dgg_block = record(0xF006, bytes(16), version=0)
    two_pictures = record(0xF001, record(0xF007, bytes(36), version=2) * 2, instance=2)
    assert _stored_pictures(record(0xF000, dgg_block + two_pictures)) == 2
    assert _stored_pictures(record(0xF000, dgg_block)) == 0  # comments or a chart: no picture store
    assert _stored_pictures(b"") == 0 and _stored_pictures(bytes(7)) == 0


def test_a_long_table_is_cut_into_sections_that_repeat_its_column_names(tmp_path):
    rows = "".join(f"salt {i},{i} g,shelf {i % 4}\n" for i in range(120))
    write(tmp_path / "stock.csv", "Reagents in the cold room\nname,amount,where\n" + rows)
    [doc] = read_warnings(tmp_path)[0]
    lines = texts(doc).splitlines()
    assert lines[:3] == ["Reagents in the cold room", "name | amount | where", "salt 0 | 0 g | shelf 0"]
    assert doc.title == "Reagents in the cold room"
    sections = [i for i, line in enumerate(lines) if line.startswith("###")]
    assert [lines[i] for i in sections] == ["### stock, rows 51-100", "### stock, rows 101-122"]
    assert all(lines[i + 2] == "name | amount | where" for i in sections)  # after the blank line
    assert lines[sections[0] + 3] == "salt 48 | 48 g | shelf 0"  # the file's line 51
    assert sum(line.startswith("salt ") for line in lines) == 120  # every row once


def test_a_csv_data_set_is_said_without_being_read_to_its_end(tmp_path):
    rows = "".join(f"sample {i},site {i % 7}\n" for i in range(10_001))  # 20,002 filled cells
    write(tmp_path / "samples.csv", "name,site\n" + rows)
    docs, warned = read_warnings(tmp_path)
    assert docs == []
    assert [(w.file, w.reason, str(w)) for w in warned] == [
        (
            "samples.csv",
            "too large",
            "samples.csv: more than 20,000 filled cells, a data set rather than a note, skipped",
        )
    ]
