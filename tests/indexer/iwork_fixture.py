"""Apple iWork documents made byte by byte for the reader tests: the protobuf wire format, Snappy-
compressed `.iwa` chunks and the zip around them, with only the objects the reader reads (the field
numbers are those of Apple's archives, as dumped by keynote-parser). Numbers files are written with
numbers-parser, which writes real Numbers documents."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import cramjam
from PIL import Image

# --- the wire format -------------------------------------------------------------------------------


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def number(field: int, value: int) -> bytes:
    return varint(field << 3) + varint(value)


def blob(field: int, value: bytes | str) -> bytes:
    data = value.encode("utf-8") if isinstance(value, str) else value
    return varint(field << 3 | 2) + varint(len(data)) + data


def floating(field: int, value: float) -> bytes:
    return varint(field << 3 | 5) + struct.pack("<f", value)


def ref(field: int, identifier: int) -> bytes:
    """A `TSP.Reference` (or `TSP.DataReference`): the identifier as its field 1."""
    return blob(field, number(1, identifier))


def iwa(objects: dict[int, tuple[int, bytes]], raw: bytes = b"") -> bytes:
    """An `.iwa` archive of (identifier -> (type, message)), in one Snappy chunk (after `raw`, bytes
    as they are: a damaged archive)."""
    stream = raw
    for identifier, (kind, message) in objects.items():
        info = number(1, identifier) + blob(2, number(1, kind) + number(3, len(message)))
        stream += varint(len(info)) + info + message
    block = bytes(cramjam.snappy.compress_raw(stream))
    return b"\x00" + len(block).to_bytes(3, "little") + block


def png(color: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, format="PNG")
    return out.getvalue()


def jpeg(color: str = "gray") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, format="JPEG")
    return out.getvalue()


# --- objects ---------------------------------------------------------------------------------------


def storage(text: str, kind: int | None = 3, styles=(), attachments=(), lists=()) -> tuple[int, bytes]:
    """A `TSWP.StorageArchive` (2001): its text, paragraph style (5), list style (7) and attachment
    (9) tables of (character index, object)."""
    message = (number(1, kind) if kind is not None else b"") + blob(3, text)
    for field, table in ((5, styles), (7, lists), (9, attachments)):
        if table:
            message += blob(field, b"".join(blob(1, number(1, at) + ref(2, obj)) for at, obj in table))
    return 2001, message


def paragraph_style(name: str, identifier: str = "") -> tuple[int, bytes]:
    return 2022, blob(1, blob(1, name) + (blob(2, identifier) if identifier else b""))


def list_style(label_type: int) -> tuple[int, bytes]:
    """A `TSWP.ListStyleArchive` (2023): its first level's label type (2 a bullet, 3 a number)."""
    return 2023, blob(1, blob(1, "Numbered" if label_type == 3 else "Bullet")) + number(11, label_type)


def geometry(x: float, y: float) -> bytes:
    return blob(1, blob(1, floating(1, x) + floating(2, y)))  # DrawableArchive.geometry.position


def image(data_id: int, x: float = 0, y: float = 0) -> tuple[int, bytes]:
    return 3005, blob(1, geometry(x, y)) + ref(11, data_id)


def text_box(storage_id: int, x: float = 0, y: float = 0) -> tuple[int, bytes]:
    """A `TSWP.ShapeInfoArchive` (2011): ShapeArchive > DrawableArchive > geometry; owned storage 4."""
    return 2011, blob(1, blob(1, geometry(x, y))) + ref(4, storage_id)


def placeholder(storage_id: int, x: float = 0, y: float = 0) -> tuple[int, bytes]:
    """A Keynote placeholder (`KN.PlaceholderArchive` 7): a ShapeInfoArchive as its super."""
    return 7, blob(1, text_box(storage_id, x, y)[1])


def cell(kind: int, flags: int, value: bytes) -> bytes:
    """A table cell in Numbers 5's storage: version 5, its type, its flags, then its values."""
    return bytes([5, kind, 0, 0, 0, 0, 0, 0]) + struct.pack("<I", flags) + value


def table(first_id: int, rows: list[list[str | float]], name: str = "Table 1", bnc: bool = True) -> dict:
    """A table's objects from `first_id` on (its `TST.TableInfoArchive` is `first_id`): text cells by
    key into its string list, numbers as doubles."""
    info, model, tile, strings = first_id, first_id + 1, first_id + 2, first_id + 3
    keys = {
        text: i + 1 for i, text in enumerate(sorted({c for row in rows for c in row if isinstance(c, str)}))
    }
    row_infos = b""
    for index, row in enumerate(rows):
        buffer, offsets = b"", b""
        for value in row:
            offsets += struct.pack("<h", len(buffer))
            if isinstance(value, str):
                buffer += cell(3, 0x8, struct.pack("<I", keys[value]))
            else:
                buffer += cell(2, 0x2, struct.pack("<d", value))
        row_infos += blob(5, number(1, index) + blob(6, buffer) + blob(7, offsets))
    store = blob(3, blob(1, number(1, 0) + ref(2, tile))) + ref(4, strings)
    entries = b"".join(blob(3, number(1, key) + number(2, 1) + blob(3, text)) for text, key in keys.items())
    columns = max(len(row) for row in rows)
    return {
        info: (6000, ref(2, model)),
        model: (6001, blob(8, name) + number(6, len(rows)) + number(7, columns) + blob(4, store)),
        tile: (6002, (number(7, 1) if bnc else b"") + row_infos),
        strings: (6005, number(1, 1) + entries),
    }


def metadata(datas: dict[int, str]) -> tuple[int, bytes]:
    """`TSP.PackageMetadata` (11006): which `Data/` file each data identifier is."""
    infos = b"".join(
        blob(4, number(1, i) + blob(2, b"\0") + blob(3, n) + blob(4, n)) for i, n in datas.items()
    )
    return 11006, number(1, 1) + infos


def package(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def locked_09() -> bytes:
    """A password-protected iWork '09 document: its zip's parts marked with Apple's own methods
    (25451, 25452) instead of stored or deflated, as Pages '09 saves one."""
    data = bytearray(package({"buildVersionHistory.plist": b"<plist/>", "index.xml": b"\x8a" * 64}))
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):  # local and central headers
        at = data.find(signature)
        while at >= 0:
            data[at + offset : at + offset + 2] = (25452).to_bytes(2, "little")
            at = data.find(signature, at + 4)
    return bytes(data)


# --- documents -------------------------------------------------------------------------------------


def pages_files(chinese: bool = False) -> dict[str, bytes]:
    """A Pages recipe: a Title paragraph, a Heading, body text with a picture in a paragraph of its
    own, and a floating picture placed on the page (not in the text)."""
    title, heading = ("番茄炒蛋", "做法") if chinese else ("Tomato omelette", "Steps")
    step = "先把鸡蛋打散，再下锅翻炒。" if chinese else "Whisk the eggs, then fry them."
    text = f"{title}\n{heading}\n{step}\n\ufffc\nServe warm."
    at_picture = text.index("\ufffc")
    objects = {
        1: (10000, b""),  # TP.DocumentArchive: says it is a Pages document
        10: storage(
            text,
            kind=0,
            styles=[(0, 20), (len(title) + 1, 21), (len(title) + len(heading) + 2, 22)],
            attachments=[(at_picture, 30)],
        ),
        20: paragraph_style("Title", "text-1-paragraphstyle-Title"),
        21: paragraph_style("标题" if chinese else "Heading", "text-2-paragraphstyle-Heading"),
        22: paragraph_style("Body", "text-3-paragraphstyle-Body"),
        30: (2003, ref(1, 31)),  # TSWP.DrawableAttachmentArchive -> the image
        31: image(7),
        40: image(8, x=100, y=500),  # floating on the page
    }
    return {
        "Index/Document.iwa": iwa(objects),
        "Index/Metadata.iwa": iwa({2: metadata({7: "eggs-7.png", 8: "plate-8.png"})}),
        "Data/eggs-7.png": png("yellow"),
        "Data/plate-8.png": png("white"),
        "Metadata/DocumentIdentifier": b"0000",
        "preview.jpg": jpeg(),
    }


def keynote_files() -> dict[str, bytes]:
    """A two-slide deck: a title slide, and a slide with a picture above its body text and notes."""
    objects = {
        1: (2, blob(3, ref(2, 2) + ref(2, 3))),  # KN.ShowArchive: slideTree.slides = two nodes
        2: (4, ref(2, 10)),  # KN.SlideNodeArchive -> slide
        3: (4, ref(2, 20)),
        10: (5, ref(5, 11)),  # KN.SlideArchive: title placeholder
        11: placeholder(12),
        12: storage("Sourdough basics"),
        20: (5, ref(5, 21) + ref(6, 23) + ref(7, 25) + ref(27, 26)),
        21: placeholder(22, y=10),
        22: storage("Feeding the starter"),
        23: placeholder(24, y=400),
        24: storage("Feed it 1:1:1 every morning\nKeep it at 24 °C", lists=[(0, 28)]),  # bullets
        25: image(5, y=150),
        26: (15, ref(1, 27)),  # KN.NoteArchive -> its storage
        27: storage("Mention the rye flour"),
        28: list_style(2),
    }
    return {
        "Index/Document.iwa": iwa({1: objects[1]}),
        "Index/Slide-10.iwa": iwa({k: v for k, v in objects.items() if k != 1}),
        "Index/Metadata.iwa": iwa({2: metadata({5: "jar-5.png"})}),
        "Data/jar-5.png": png("orange"),
        "preview.jpg": jpeg(),
    }


def numbers_file(path: Path, rows: list[list], sheet: str = "Sheet 1", table: str = "Table 1") -> Path:
    """A real Numbers document, written by numbers-parser."""
    from numbers_parser import Document

    document = Document(num_header_rows=1, num_header_cols=0, num_rows=len(rows), num_cols=len(rows[0]))
    document.sheets[0].name = sheet
    document.sheets[0].tables[0].name = table
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            document.sheets[0].tables[0].write(r, c, value)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(path)
    return path


def folder(root: Path, files: dict[str, bytes]) -> Path:
    """The files as a package folder (`Recipe.pages/`)."""
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root
