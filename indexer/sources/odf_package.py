"""OpenDocument packages (LibreOffice's `.odt` texts and `.odp` presentations): opened, checked and
parsed once for the readers of both (`odt.py`, `odp.py`).

A package is a zip whose `mimetype` says its kind, with `content.xml` (the body), `styles.xml`,
`meta.xml` (title, keywords) and its pictures under `Pictures/`; the flat form (`.fodt`, `.fodp`) is
the same XML in one file, pictures inline. What is refused, and said by name: an empty file, one that
is neither, a package of another kind under this kind's name, a password-protected one (the manifest
says its parts are encrypted), damaged XML, and a zip that would unpack past the Word reader's limits.
"""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree

from indexer.sources.docx import MAX_BODY_XML_BYTES, MAX_UNPACKED_BYTES

NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
    "dc": "http://purl.org/dc/elements/1.1/",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "presentation": "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0",
}
_MIME = b"application/vnd.oasis.opendocument."
KINDS = {"text": ("an OpenDocument text", ".odt"), "presentation": ("an OpenDocument presentation", ".odp")}
_OTHER_KINDS = {
    b"text": "an OpenDocument text",
    b"spreadsheet": "an OpenDocument spreadsheet",
    b"presentation": "an OpenDocument presentation",
    b"graphics": "an OpenDocument drawing",
}
_MANIFEST = "META-INF/manifest.xml"


def tag(qualified: str) -> str:
    """`text:p` as ElementTree names it (`{urn:...:text:1.0}p`)."""
    prefix, _, local = qualified.partition(":")
    return f"{{{NS[prefix]}}}{local}"


class NotRead(Exception):
    """Why a file is not read: `reason` (a CollectionWarning reason) and the message that says it."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason, self.message = reason, message


def open_document(
    data: bytes, kind: str
) -> tuple[list[ElementTree.Element], ElementTree.Element, dict[str, bytes] | None]:
    """([content root, styles root], meta element, the zip's pictures or None for a flat file) of a
    package of `kind` ("text", "presentation"); NotRead says why the bytes are not read."""
    what, suffix = KINDS[kind]
    if not data.strip():
        raise NotRead("empty", "empty file (0 bytes)" if not data else "empty file")
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _open_package(archive, kind)
    if data.lstrip()[:1] != b"<":
        raise NotRead("unreadable", f"not {what} (not a zip file, or a damaged one)")
    root = _parse(data, "its XML")  # a flat OpenDocument
    mime = root.get(tag("office:mimetype"), "").encode()
    if mime and not mime.startswith(_MIME + kind.encode()):
        other = next((w for marker, w in _OTHER_KINDS.items() if marker in mime), "another document")
        raise NotRead("unsupported type", f"{other} under {what}'s name")
    meta = root.find(tag("office:meta"))
    return [root], meta if meta is not None else ElementTree.Element("meta"), None


def _open_package(archive: zipfile.ZipFile, kind: str):
    what, suffix = KINDS[kind]
    infos = {info.filename: info for info in archive.infolist()}
    if (declared := sum(info.file_size for info in infos.values())) > MAX_UNPACKED_BYTES:
        raise NotRead("too large", f"its parts unpack to {declared:,} bytes (limit {MAX_UNPACKED_BYTES:,})")
    mime = archive.read("mimetype").strip() if "mimetype" in infos else b""
    wanted = _MIME + kind.encode()
    if mime != wanted and not mime.startswith(wanted + b"-"):  # -template, -master
        other = next((w for marker, w in _OTHER_KINDS.items() if mime.startswith(_MIME + marker)), "")
        office = "a Word document" if "word/document.xml" in infos else ""
        office = office or ("a PowerPoint presentation" if "ppt/presentation.xml" in infos else "")
        if other or office:
            raise NotRead("unsupported type", f"{other or office} under an {suffix} name")
        raise NotRead("unreadable", f"a zip file, but not {what} (no {kind} mimetype)")
    if b"encryption-data" in (archive.read(_MANIFEST) if _MANIFEST in infos else b""):
        raise NotRead("unreadable", "password-protected (its parts are encrypted); save a copy without one")
    if "content.xml" not in infos:
        raise NotRead("unreadable", "an OpenDocument package without its content.xml")
    if (size := infos["content.xml"].file_size) > MAX_BODY_XML_BYTES:
        raise NotRead("too large", f"its text part is {size:,} bytes of XML (limit {MAX_BODY_XML_BYTES:,})")
    roots = [_parse(archive.read(part), part) for part in ("content.xml", "styles.xml") if part in infos]
    meta = _parse(archive.read("meta.xml"), "meta.xml") if "meta.xml" in infos else ElementTree.Element("m")
    pictures = [n for n in infos if n.startswith(("Pictures/", "media/")) and not n.endswith("/")]
    return roots, meta, {n: archive.read(n) for n in pictures}


def _parse(xml: bytes, part: str) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(xml)
    except ElementTree.ParseError as err:
        raise NotRead("unreadable", f"a damaged OpenDocument ({part}: {err})") from None


def meta_text(meta: ElementTree.Element, qualified: str) -> str:
    element = meta.find(f".//{tag(qualified)}")
    return " ".join((element.text or "").split()) if element is not None else ""


def keywords(meta: ElementTree.Element) -> list[str]:
    """The document's keywords (File > Properties), as its tags."""
    found = (" ".join(k.text.split()) for k in meta.iter(tag("meta:keyword")) if (k.text or "").strip())
    return list(dict.fromkeys(found))
