"""PDF files: text blocks and pictures in reading order, page after page; decorations, running headers
and page numbers left out; every file or picture not read reported by the file's name and the reason."""

from __future__ import annotations

import io
import os
import time
import zlib
from pathlib import Path

from PIL import Image
from source_helpers import read_warnings, write

import indexer.sources.base as base
from indexer.build import build_index
from indexer.sources.embedded import EmbeddedImage
from indexer.sources.pdf_layout import join_lines
from indexer.store import Index
from mme_core.documents import ImageSegment, TextSegment


def jpeg(color: str, size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="JPEG")
    return out.getvalue()


class Pdf:
    """A hand-written PDF: pages of text lines (Helvetica) and pictures at given places, written with
    a correct cross-reference table, so that every test says exactly what is on each page."""

    def __init__(self, title: str = "", height: int = 800) -> None:
        self.title, self.height, self.pages = title, height, []
        self.images: list[bytes] = []  # image XObjects, each a complete `<< ... >> stream` body

    def page(self) -> list[bytes]:
        self.pages.append([])
        return self.pages[-1]

    def text(self, page: list[bytes], x: float, y: float, text: str, size: int = 12) -> None:
        escaped = text.encode("latin-1").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
        page.append(b"BT /F1 %d Tf %.1f %.1f Td (%s) Tj ET" % (size, x, self.height - y, escaped))

    def picture(self, page: list[bytes], x: float, y: float, w: float, h: float, image: bytes) -> None:
        """Shows image XObject `image` (from `jpeg_image`/`raw_image`) with top-left corner (x, y)."""
        if image not in self.images:
            self.images.append(image)
        number = self.images.index(image) + 1
        page.append(b"q %.1f 0 0 %.1f %.1f %.1f cm /Im%d Do Q" % (w, h, x, self.height - y - h, number))

    @staticmethod
    def jpeg_image(data: bytes, size=(64, 48)) -> bytes:
        head = b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB" % size
        return head + b" /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n%s\nendstream" % (
            len(data),
            data,
        )

    @staticmethod
    def raw_image(color: tuple[int, int, int], size=(40, 40), stream: bytes | None = None) -> bytes:
        data = stream if stream is not None else zlib.compress(bytes(color) * size[0] * size[1])
        head = b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB" % size
        return head + b" /BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream" % (
            len(data),
            data,
        )

    def bytes(self, encrypt: bool = False) -> bytes:
        objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]  # 2: the page tree, filled in below
        objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
        first_image = len(objects) + 1
        objects += self.images
        xobjects = b" ".join(b"/Im%d %d 0 R" % (i + 1, first_image + i) for i in range(len(self.images)))
        kids = []
        for content in self.pages:
            stream = b"\n".join(content)
            objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
            objects.append(
                b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 600 %d] /Contents %d 0 R"
                b" /Resources << /Font << /F1 3 0 R >> /XObject << %s >> >> >>"
                % (self.height, len(objects), xobjects)
            )
            kids.append(b"%d 0 R" % len(objects))
        objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
        objects.append(b"<< /Title (%s) >>" % self.title.encode("latin-1"))
        trailer = b"/Info %d 0 R" % len(objects)
        if encrypt:  # the Standard handler with a user password: nothing opens without it
            objects.append(
                b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -4 >>" % (b"ab" * 32, b"cd" * 32)
            )
            file_id = b"<%s>" % (b"0123456789abcdef" * 2)
            trailer += b" /Encrypt %d 0 R /ID [%s %s]" % (len(objects), file_id, file_id)
        out = bytearray(b"%PDF-1.4\n")
        offsets = []
        for number, body in enumerate(objects, start=1):
            offsets.append(len(out))
            out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        out += b"trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n" % (
            len(objects) + 1,
            trailer,
            xref,
        )
        return bytes(out)


def shape(doc) -> list[str]:
    return [
        s.text if isinstance(s, TextSegment) else "<" + s.name.partition(": ")[2] + ">" for s in doc.segments
    ]


def reasons(caught) -> list[tuple[str, str, str]]:
    return [(w.file, w.reference, w.reason) for w in caught]


def test_text_and_pictures_are_read_in_place_page_after_page(tmp_path):
    photo, drawing = jpeg("red"), Pdf.raw_image((0, 200, 0))
    pdf = Pdf(title="Replacing a bicycle chain")
    first = pdf.page()
    pdf.text(first, 72, 80, "Step 1: open the link")
    pdf.text(first, 72, 95, "with the chain tool.")
    pdf.picture(first, 72, 120, 200, 150, Pdf.jpeg_image(photo))
    pdf.text(first, 72, 300, "Step 2: thread the new chain.")
    second = pdf.page()
    pdf.picture(second, 72, 60, 100, 100, drawing)
    pdf.text(second, 72, 200, "Done.")
    write(tmp_path / "chain.pdf", pdf.bytes())
    write(tmp_path / "note.md", "# A note\n\nbeside the manual\n")

    docs, caught = read_warnings(tmp_path)

    assert caught == [] and [d.id for d in docs] == ["chain.pdf", "note.md"]
    doc = docs[0]
    assert doc.title == "Replacing a bicycle chain"
    assert shape(doc) == [
        "Step 1: open the link\nwith the chain tool.",
        "<picture 1 on page 1>",
        "Step 2: thread the new chain.",
        "<picture 1 on page 2>",
        "Done.",
    ]
    pictures = [s for s in doc.segments if isinstance(s, ImageSegment)]
    assert Path(pictures[0].path).read_bytes() == photo  # a JPEG kept as the file holds it
    with Image.open(pictures[1].path) as png:  # anything else decoded and stored as PNG
        assert (
            png.format == "PNG"
            and png.size == (40, 40)
            and png.convert("RGB").getpixel((5, 5)) == (0, 200, 0)
        )


def test_two_columns_are_read_column_by_column_under_a_heading_across_both(tmp_path):
    pdf = Pdf()
    page = pdf.page()
    for row in range(4):  # the file draws the columns' lines row by row, interleaved
        pdf.text(page, 50, 100 + 15 * row, f"left line {row}")
        pdf.text(page, 320, 100 + 15 * row, f"right line {row}")
    pdf.picture(page, 50, 170, 200, 100, Pdf.raw_image((0, 0, 255)))
    for row in range(12):
        if row < 2:
            pdf.text(page, 50, 290 + 15 * row, f"left after {row}")
        pdf.text(page, 320, 160 + 15 * row, f"right more {row}")
    pdf.text(page, 200, 50, "A heading across both columns", size=16)  # drawn last, shown first
    write(tmp_path / "columns.pdf", pdf.bytes())

    (doc,), caught = read_warnings(tmp_path)

    text = " | ".join(shape(doc))
    assert caught == [] and doc.title == "A heading across both columns"
    assert (
        text.index("heading") < text.index("left line 0") < text.index("left line 3") < text.index("<picture")
    )
    assert text.index("<picture") < text.index("left after 1") < text.index("right line 0")
    assert text.index("right line 3") < text.index("right more 11")


def test_hyphenated_words_and_ligatures_read_as_words():
    assert join_lines(["the pro-", "tocol needs a ﬁlter", "and a well-", "Known step"]) == (
        "the protocol needs a filter\nand a well-\nKnown step"
    )
    assert join_lines(["recog\x02", "nised"]) == "recognised"  # PDFium's own mark of a line-end hyphen


def test_a_hyphen_at_a_line_end_in_a_pdf_is_joined(tmp_path):
    pdf = Pdf()
    page = pdf.page()
    pdf.text(page, 72, 100, "Incubate the cul-")
    pdf.text(page, 72, 115, "ture overnight.")
    pdf.text(page, 72, 300, "- * -")  # a rule drawn with characters: no word in it
    write(tmp_path / "p.pdf", pdf.bytes())
    (doc,), _ = read_warnings(tmp_path)
    assert shape(doc) == ["Incubate the culture overnight."]


def test_running_headers_are_kept_once_and_page_numbers_dropped(tmp_path):
    pdf = Pdf(title="Microsoft Word - protocol.docx")  # not a title: the first line is
    logo = Pdf.raw_image((200, 0, 0), size=(80, 40))
    for number in range(1, 5):
        page = pdf.page()
        pdf.picture(page, 20, 10, 80, 40, logo)  # the same logo on every page: kept once
        pdf.picture(page, 500, 10, 16, 16, Pdf.raw_image((9, 9, 9), size=(16, 16)))  # a bullet-sized icon
        pdf.text(page, 200, 30, "ACME Lab - Protocols")
        if number == 1:
            pdf.text(page, 72, 100, "Staining cells", size=20)
        pdf.text(page, 72, 300, f"Body of page {number}.")
        pdf.text(page, 250, 780, f"Page {number} of 4")
    write(tmp_path / "lab.pdf", pdf.bytes())

    (doc,), caught = read_warnings(tmp_path)

    assert caught == []
    assert shape(doc) == [
        "<picture 1 on page 1>",
        "ACME Lab - Protocols\n\nStaining cells\n\nBody of page 1.\n\nBody of page 2.\n\nBody of page 3.\n\n"
        "Body of page 4.",
    ]
    assert doc.title == "Staining cells"  # the line after the header atop every page names the document


def test_a_title_property_the_document_does_not_say_is_not_its_title(tmp_path):
    body = "Loosen the four bolts of the pump housing, lift the cover and replace the worn seal. " * 3
    for name, title in (
        ("pump.pdf", "Elephant-S Product Manual"),  # a template's title: none of its words are said
        ("blot.pdf", "Western Blot Protocol - Dasgupta Lab"),  # a printed page's: most words are
        ("kit.pdf", "Thales Kit parts list"),  # words drawn as curves: nothing contradicts it
    ):
        pdf = Pdf(title=title)
        page = pdf.page()
        if name == "kit.pdf":
            pdf.picture(page, 72, 72, 300, 200, Pdf.raw_image((0, 90, 200), size=(300, 200)))
        else:
            pdf.text(page, 72, 60, "Western Blot" if name == "blot.pdf" else "Pump service")
            pdf.text(page, 72, 80, "Protocol for the lab" if name == "blot.pdf" else "Step by step")
            for line in range(6):
                pdf.text(page, 72, 120 + 15 * line, body[line * 40 : line * 40 + 40])
        write(tmp_path / name, pdf.bytes())

    docs, caught = read_warnings(tmp_path)

    assert caught == []
    assert {d.id: d.title for d in docs} == {
        "blot.pdf": "Western Blot Protocol - Dasgupta Lab",
        "kit.pdf": "Thales Kit parts list",
        "pump.pdf": "Pump service",  # the first line, not the template's title
    }


def test_a_scanned_page_is_read_as_its_picture(tmp_path):
    scan = Image.new("RGB", (300, 400), "white")
    scan.paste(Image.new("RGB", (200, 20), "black"), (50, 50))
    out = io.BytesIO()
    scan.save(out, format="PDF")  # Pillow's PDF: one page, one JPEG, no text
    write(tmp_path / "scan.pdf", out.getvalue())
    (doc,), caught = read_warnings(tmp_path)
    assert caught == [] and shape(doc) == ["<picture 1 on page 1>"]
    with Image.open(doc.segments[0].path) as stored:
        assert stored.size == (300, 400)


def test_bad_files_are_reported_by_name_and_the_rest_is_kept(tmp_path):
    good = Pdf()
    pdf_page = good.page()
    good.text(pdf_page, 72, 100, "Readable protocol")
    write(tmp_path / "good.pdf", good.bytes())
    write(tmp_path / "notes/Empty one.pdf", b"")
    write(tmp_path / "notes/really markdown.pdf", "# Not a PDF\n\njust text\n")
    write(tmp_path / "notes/garbled.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 8)
    write(tmp_path / "notes/truncated.pdf", good.bytes()[:40])
    write(tmp_path / "notes/secret.pdf", good.bytes(encrypt=True))
    write(tmp_path / "notes/no pages.pdf", Pdf().bytes())  # a PDF has a page at least: damaged
    blank = Pdf()
    blank.page()
    write(tmp_path / "notes/blank page.pdf", blank.bytes())
    write(tmp_path / "note.md", "# Kept\n\ntext\n")

    docs, caught = read_warnings(tmp_path)

    assert [d.id for d in docs] == ["good.pdf", "note.md"]
    assert sorted(reasons(caught)) == [
        ("notes/Empty one.pdf", "", "empty"),
        ("notes/blank page.pdf", "", "empty"),
        ("notes/garbled.pdf", "", "unreadable"),
        ("notes/no pages.pdf", "", "unreadable"),
        ("notes/really markdown.pdf", "", "unreadable"),
        ("notes/secret.pdf", "", "unreadable"),
        ("notes/truncated.pdf", "", "unreadable"),
    ]
    messages = {w.file: str(w) for w in caught}
    assert messages["notes/secret.pdf"].startswith("notes/secret.pdf: password-protected PDF")
    assert (
        messages["notes/really markdown.pdf"]
        == "notes/really markdown.pdf: not a PDF file (no %PDF header), skipped"
    )
    assert all(str(tmp_path) not in message for message in messages.values())


def test_a_picture_that_cannot_be_decoded_is_reported_and_the_page_kept(tmp_path):
    pdf = Pdf()
    page = pdf.page()
    pdf.text(page, 72, 60, "Before")
    pdf.picture(page, 72, 100, 100, 100, Pdf.raw_image((0, 0, 0), stream=b"not deflate data at all"))
    pdf.picture(page, 72, 220, 64, 48, Pdf.jpeg_image(jpeg("red")[:60]))  # a cut-off JPEG
    pdf.picture(page, 72, 300, 64, 48, Pdf.jpeg_image(jpeg("blue")))
    pdf.text(page, 72, 400, "After")
    write(tmp_path / "damaged.pdf", pdf.bytes())

    (doc,), caught = read_warnings(tmp_path)

    assert shape(doc) == ["Before", "<picture 3 on page 1>", "After"]
    assert sorted(reasons(caught)) == [
        ("damaged.pdf", "picture 1 on page 1", "unreadable"),
        ("damaged.pdf", "picture 2 on page 1", "unreadable"),
    ]
    assert all(str(w).startswith("damaged.pdf: picture skipped") for w in caught)


def settle(folder) -> None:
    when = time.time() - 30  # a stat taken right after a write is not trusted (see file_stats)
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, (when, when))


def test_a_second_run_reads_no_pdf_and_keeps_its_rows(tiny_dsvl, tmp_path, monkeypatch):
    folder, uri = tmp_path / "manuals", tmp_path / "index"
    pdf = Pdf(title="Pump service")
    page = pdf.page()
    pdf.text(page, 72, 80, "Remove the cover.")
    pdf.picture(page, 72, 100, 64, 48, Pdf.jpeg_image(jpeg("green")))
    write(folder / "pump.pdf", pdf.bytes())
    write(folder / "plain.md", "# Plain\n\nNo pictures.\n")
    settle(folder)
    build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)
    before = sorted((d.id, d.title, len(d.segments)) for d in Index.open(uri).documents())

    read = []
    original = base.FolderReader._read_file
    monkeypatch.setattr(
        base.FolderReader, "_read_file", lambda self, *a: read.append(a[1]) or original(self, *a)
    )
    report = build_index(folder, uri, tiny_dsvl, ns=(1,), progress=False)

    assert read == [] and (report.unchanged, report.embedded) == (2, 0)
    assert sorted((d.id, d.title, len(d.segments)) for d in Index.open(uri).documents()) == before
    assert ("manuals/pump.pdf", "Pump service", 2) in before


def test_pictures_are_decoded_when_stored_one_at_a_time(tmp_path, monkeypatch):
    import indexer.sources.pdf as pdf_reader

    decoded, stored = [], []
    encoded, store = pdf_reader._encoded, base.ImageResolver.embedded
    monkeypatch.setattr(pdf_reader, "_encoded", lambda *a: decoded.append(len(stored)) or encoded(*a))
    monkeypatch.setattr(base.ImageResolver, "embedded", lambda self, *a: stored.append(1) or store(self, *a))
    pdf = Pdf()
    for number in range(3):
        page = pdf.page()
        pdf.text(page, 72, 60, f"Photo {number}")
        pdf.picture(page, 72, 100, 64, 48, Pdf.jpeg_image(jpeg(("red", "green", "blue")[number])))
        pdf.picture(page, 72, 200, 40, 40, Pdf.raw_image((number, 0, 0)))
    data = pdf.bytes()

    parsed = pdf_reader.parse_pdf(data, "photos.pdf")
    assert decoded == [] and all(i.payload == "" for i in parsed.items if isinstance(i, EmbeddedImage))

    write(tmp_path / "photos.pdf", data)
    (doc,), caught = read_warnings(tmp_path)
    assert caught == [] and len(doc.images) == 6
    assert decoded == [1, 2, 3, 4, 5, 6]  # each picture decoded as it is stored, none before
