"""A Word 97-2003 document's title, author and keywords, from its SummaryInformation property set
([MS-OLEPS]), read here rather than by olefile's `get_metadata`: that one walks a damaged vector's
count (16 million entries in one of 600 fuzzed tika files: 18 s) and keeps what WPS Office writes after a
string's end. Only the four properties a reader uses are looked at, each within the stream's bytes.
"""

from __future__ import annotations

import re
import struct

_CODE_PAGE, _TITLE, _AUTHOR, _KEYWORDS = 1, 2, 4, 5
_LPSTR, _LPWSTR, _I2 = 0x1E, 0x1F, 0x02
_MAX_PROPERTIES = 1000  # a section declaring more is damaged
_CODE_PAGES = {10000: "mac_roman", 65001: "utf-8", 1200: "utf-16-le"}  # the rest are Python's cpNNN
_KEYWORD_SEPARATORS = re.compile(r"\s*[;,；，、]\s*")  # "protocol; PCR", "实验，报告"


def keyword_tags(keywords: str) -> list[str]:
    """An Office document's keywords property as its tags, each once: "protocol; PCR", "实验，报告"."""
    words = (" ".join(w.split()) for w in _KEYWORD_SEPARATORS.split(keywords))
    return list(dict.fromkeys(w for w in words if w))


def summary(stream: bytes) -> dict:
    """{"title": str, "tags": [...], "properties": {"author": ...}} from the stream; {} when it is
    damaged (the properties are optional: the text is read without them)."""
    try:
        values = _section(stream)
    except (struct.error, IndexError):
        return {}
    code_page = values.get(_CODE_PAGE, 1252)
    encoding = _CODE_PAGES.get(code_page, f"cp{code_page}")

    def text(pid: int) -> str:
        value = values.get(pid, b"")
        if isinstance(value, bytes):
            try:
                value = value.decode(encoding)
            except (LookupError, UnicodeDecodeError):
                value = value.decode("cp1252", "replace")
        return " ".join(str(value).partition("\x00")[0].split())  # WPS writes more after the end

    author = text(_AUTHOR)
    return {
        "title": text(_TITLE),
        "tags": keyword_tags(text(_KEYWORDS)),
        "properties": {"author": author} if author else {},
    }


def _section(stream: bytes) -> dict[int, int | bytes | str]:
    """The wanted properties of the set's first section: code page (int), strings (bytes in the code
    page, or str when stored as UTF-16)."""
    start = struct.unpack_from("<I", stream, 44)[0]  # after the header and the first FMTID
    count = min(struct.unpack_from("<I", stream, start + 4)[0], _MAX_PROPERTIES)
    found: dict[int, int | bytes | str] = {}
    for i in range(count):
        pid, offset = struct.unpack_from("<II", stream, start + 8 + i * 8)
        if pid not in (_CODE_PAGE, _TITLE, _AUTHOR, _KEYWORDS):
            continue
        at = start + offset
        kind = struct.unpack_from("<I", stream, at)[0] & 0xFFFF
        if kind == _I2:
            found[pid] = struct.unpack_from("<H", stream, at + 4)[0]
        elif kind == _LPSTR:
            size = struct.unpack_from("<I", stream, at + 4)[0]
            found[pid] = stream[at + 8 : at + 8 + size]
        elif kind == _LPWSTR:
            size = struct.unpack_from("<I", stream, at + 4)[0]
            found[pid] = stream[at + 8 : at + 8 + 2 * size].decode("utf-16-le", "replace")
    return found
