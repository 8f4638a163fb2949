"""The parts of an Apple iWork '13+ document (Pages, Numbers, Keynote) and its objects, read without
Apple's schemas: what `iwork.py` reads the text and pictures of Pages documents and Keynote decks from.

A document is a zip (or a package folder holding the same files, or, as iWork '13 saved a package,
its `Index/` in an inner `Index.zip`): `Index/*.iwa` archives, `Data/` with the pictures, `Metadata/`,
`preview.jpg`. An `.iwa` is a run of chunks (a 0 byte, a 3-byte little-endian length, then Snappy's
raw block format without the framing format's CRCs: `cramjam.snappy.decompress_raw`); the stream they
unpack to is a run of objects, each a varint length, a `TSP.ArchiveInfo` (its identifier and the
type and length of its messages) and the messages' bytes. Every object is kept by identifier as
(type, message bytes), read field by field with the protobuf wire format (`fields`).

Why without schemas: the `.proto` files are dumped from each app release and their type numbers and
fields move between versions (keynote-parser ships one set per Keynote version; numbers-parser
refuses 2013-era files, "invalid IWA file", and `Pre-BNC storage is unsupported`). The few messages
read here (TSWP text storage, paragraph styles, images, Keynote slides) kept their field numbers from
iWork '13 (libetonyek's 2013 test files) to Keynote 14 (keynote-parser's), so a wire-format read of
them reads every version tried, with no generated code and no protobuf runtime pinned to one schema.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

MAX_UNPACKED_BYTES = 2_000_000_000  # as `docx.MAX_UNPACKED_BYTES`: a zip bomb is refused
# A shared document's edit history (Numbers saves it LZFSE-compressed, as no other archive): no content
_NOT_CONTENT = {"Index/OperationStorage.iwa"}
MAX_INDEX_BYTES = 200_000_000  # what the archives may unpack to in all: a note's text is far less
LOCKED = "password-protected; save a copy without a password in the app"
# The zip methods there are: iWork '09 marks a password-protected document's parts with its own
_ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}


class IworkError(ValueError):
    """This file is no readable iWork document: (reason, what to say)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass
class Package:
    """An iWork document's files by their path inside it (`Index/Document.iwa`, `Data/x-12.jpg`)."""

    files: dict[str, bytes]
    objects: dict[int, tuple[int, bytes]] = field(default_factory=dict)  # id -> (type, message)
    data_names: dict[int, str] = field(default_factory=dict)  # a data reference -> its `Data/` file
    damaged: list[str] = field(default_factory=list)  # archives that could not be unpacked (skipped)

    def data(self, identifier: int) -> tuple[str, bytes] | None:
        """(file name, bytes) of a picture or other data the document keeps, by its identifier."""
        name = self.data_names.get(identifier)
        if name is not None and not name.startswith("Data/"):
            name = "Data/" + name
        if name not in self.files:  # Data/ names end with "-<identifier>.<ext>" (a zip may spell the
            suffix = f"-{identifier}."  # rest in another Unicode form or code page)
            name = next((n for n in self.files if n.startswith("Data/") and suffix in n), None)
        return (name, self.files[name]) if name in self.files else None


def open_package(data: bytes) -> Package:
    """The document's files (a zip's, or a package folder's as `zip_folder` packs them) and its
    objects; IworkError when it is none, password-protected or damaged."""
    files = _unzip(data)
    if "Index.zip" in files:  # iWork '13 packages keep their archives in an inner zip
        files.update(_unzip(files.pop("Index.zip"), inner=True))
    if ".iwpv2" in files or any(n.endswith("/.iwpv2") for n in files) or ".iwph" in files:
        raise IworkError("unreadable", LOCKED)
    archives = sorted(n for n in files if n.startswith("Index/") and n.endswith(".iwa"))
    if not archives:
        if {"index.xml", "index.xml.gz", "index.apxl", "index.apxl.gz"} & set(files):
            raise IworkError(
                "unsupported type", "an iWork '09 document (not read); open it and save it in a newer app"
            )
        raise IworkError("unreadable", "not an iWork document (no Index/ archives)")
    package = Package(files)
    unpacked = 0
    for name in archives:
        try:
            stream = unsnappy(files[name])
            objects = list(_objects(stream, name))
        except (ValueError, IworkError) as err:
            if name == "Index/Document.iwa":
                raise IworkError("unreadable", f"damaged ({name}: {err})") from None
            if name not in _NOT_CONTENT:
                package.damaged.append(name)
            continue
        unpacked += len(stream)
        if unpacked > MAX_INDEX_BYTES:
            raise IworkError("too large", f"its archives unpack past {MAX_INDEX_BYTES:,} bytes")
        for identifier, kind, message in objects:
            package.objects[identifier] = (kind, message)
    for kind, message in package.objects.values():
        if kind == 11006:  # TSP.PackageMetadata: datas (4) = DataInfo{identifier 1, file_name 4 / 3}
            for info in repeated(message, 4):
                names = fields(info)
                file_name = first(names, 4) or first(names, 3)
                if isinstance(file_name, bytes) and (ident := first(names, 1)) is not None:
                    package.data_names[ident] = file_name.decode("utf-8", "replace")
    return package


def zip_folder(root: Path) -> bytes:
    """A package folder (`Recipe.pages/`) as the zip the app saves when asked for a single file, so
    both are read by one path (its hidden files too: `.iwpv2` says it is password-protected)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                archive.writestr(path.relative_to(root).as_posix(), path.read_bytes())
    return out.getvalue()


def is_package_folder(path: Path) -> bool:
    """Whether a folder named like a document (`Recipe.pages/`, `v2.key/`) holds one, by the files an
    iWork package keeps; a folder of notes that happens to be so named is walked as a folder."""
    marks = ("Index", "Index.zip", "Metadata", ".iwpv2", "index.xml", "index.xml.gz", "index.apxl")
    return path.is_dir() and any((path / mark).exists() for mark in (*marks, "index.apxl.gz"))


def folder_size(root: Path) -> int:
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


def _unzip(data: bytes, inner: bool = False) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()]
            if sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
                raise IworkError("too large", f"its parts unpack past {MAX_UNPACKED_BYTES:,} bytes")
            if any(i.flag_bits & 0x1 for i in infos):
                raise IworkError("unreadable", "password-protected (its zip is encrypted)")
            if any(i.compress_type not in _ZIP_METHODS for i in infos):  # iWork '09 encrypts its parts
                raise IworkError(
                    "unreadable", "password-protected; save a copy without a password in the app"
                )
            # a zip of a package folder made by hand holds it as `X.pages/Index/...`
            names = [i.filename for i in infos]
            top = {n.split("/", 1)[0] for n in names}
            strip = len(top) == 1 and not any(n.startswith(("Index/", "Index.zip")) for n in names)
            cut = (next(iter(top)) + "/") if strip else ""
            return {i.filename[len(cut) :]: archive.read(i) for i in infos if i.filename.startswith(cut)}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError) as err:
        what = "its Index.zip" if inner else "the zip"
        raise IworkError("unreadable", f"damaged ({what} cannot be read: {err})") from None


def unsnappy(data: bytes) -> bytes:
    """An `.iwa` archive's stream: its chunks' Snappy blocks unpacked and joined."""
    import cramjam  # here, not at every start of the indexer

    out, at = [], 0
    while at < len(data):
        if data[at] != 0 or at + 4 > len(data):
            raise ValueError(f"not an iWork archive chunk at byte {at}")
        length = int.from_bytes(data[at + 1 : at + 4], "little")
        block = data[at + 4 : at + 4 + length]
        if len(block) < length:
            raise ValueError("truncated")
        try:
            out.append(bytes(cramjam.snappy.decompress_raw(block)))
        except Exception as err:  # cramjam's DecompressionError: a damaged block
            raise ValueError(f"a damaged block ({err})") from None
        at += 4 + length
    return b"".join(out)


def _objects(stream: bytes, name: str):
    """(identifier, type, message bytes) of each object in an unpacked archive (its first message:
    the later ones of an object are diffs Numbers keeps for its tables, not read here)."""
    at = 0
    while at < len(stream):
        length, at = varint(stream, at)
        info = fields(stream[at : at + length])
        at += length
        identifier = first(info, 1)
        infos = [fields(m) for m in info.get(2, [])]
        for message_info in infos:
            size = first(message_info, 3) or 0
            if identifier is not None and message_info is infos[0]:
                yield identifier, first(message_info, 1) or 0, stream[at : at + size]
            at += size
        if at > len(stream):
            raise IworkError("unreadable", "an object runs past the end")


def varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data) or shift > 63:
            raise IworkError("unreadable", "a number runs past the end of its archive")
        byte = data[at]
        value |= (byte & 0x7F) << shift
        at += 1
        if not byte & 0x80:
            return value, at
        shift += 7


def fields(message: bytes) -> dict[int, list]:
    """A protobuf message's fields by number, each a list of values in order: an int for varints
    and fixed ones (a float's bits: `as_float`), bytes for length-delimited ones."""
    if not isinstance(message, bytes):  # a number where a damaged file should hold a message
        raise IworkError("unreadable", "a number where a message should be")
    out: dict[int, list] = {}
    at = 0
    while at < len(message):
        key, at = varint(message, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = varint(message, at)
        elif wire == 2:
            length, at = varint(message, at)
            value, at = message[at : at + length], at + length
        elif wire == 5:
            value, at = int.from_bytes(message[at : at + 4], "little"), at + 4
        elif wire == 1:
            value, at = int.from_bytes(message[at : at + 8], "little"), at + 8
        else:
            raise IworkError("unreadable", f"a message field of wire type {wire}")
        out.setdefault(number, []).append(value)
    return out


def first(found: dict[int, list], number: int):
    values = found.get(number)
    return values[0] if values else None


def repeated(message: bytes, number: int) -> list:
    return fields(message).get(number, [])


def reference(message: bytes | None, number: int) -> int | None:
    """The object a `TSP.Reference` field points at (its identifier is field 1)."""
    try:
        value = first(fields(message), number) if message is not None else None
        return first(fields(value), 1) if isinstance(value, bytes) else None
    except IworkError:  # not a message where one was looked for
        return None


def references(message: bytes, number: int) -> list[int]:
    return [i for v in repeated(message, number) if isinstance(v, bytes) and (i := first(fields(v), 1))]


def suffix_of(name: str) -> str:
    return posixpath.splitext(name)[1].lower()
