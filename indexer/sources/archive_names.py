"""The names inside an archive as the person typed them, whatever the system that zipped them.

A zip marks UTF-8 names with flag bit 0x800; without it the format says CP437, and Python reads
them so. But Windows' built-in "compressed folder" writes names in the system code page (GBK on
Chinese Windows, Shift-JIS on Japanese, CP949 on Korean, Big5 on Taiwanese) and macOS writes UTF-8,
both without the flag: read as CP437, `图片/步骤1.jpg` becomes mojibake and every picture link in
the notes breaks. So the raw bytes of the unflagged names are decoded once per archive, all with
one encoding (one system zipped them): UTF-8 when every name is valid UTF-8, else the candidate
that decodes every name and whose names the notes link to most, else the most plausible one (its
characters are the common ones of its language, in the language the notes are written in). A name
a tool stored twice (Info-ZIP's Unicode Path field, 0x7075, written by 7-Zip and WinRAR) is taken
from that field. Names are NFC: macOS decomposes accents and kana marks, links are typed composed.
"""

from __future__ import annotations

import unicodedata
import zipfile
import zlib
from urllib.parse import unquote

from charset_normalizer.constant import FREQUENCIES

FALLBACK_ENCODINGS = ("gb18030", "shift_jis", "cp949", "big5", "cp437")
_COMMON_PUNCTUATION = "、。・ー「」『』（）【】～！？，：；"
_LANGUAGE = {"gb18030": "Chinese", "big5": "Chinese", "shift_jis": "Japanese", "cp949": "Korean"}


def nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name)


def raw_zip_name(info: zipfile.ZipInfo) -> bytes | None:
    """The bytes of a name Python decoded as CP437 (None: flagged UTF-8, or read from 0x7075)."""
    if info.flag_bits & 0x800 or unicode_path(info) is not None:
        return None
    return info.orig_filename.encode("cp437")


def unicode_path(info: zipfile.ZipInfo) -> str | None:
    """The UTF-8 name of Info-ZIP's Unicode Path extra field, when it still matches the name."""
    extra, at = info.extra, 0
    while at + 4 <= len(extra):
        kind, size = (
            int.from_bytes(extra[at : at + 2], "little"),
            int.from_bytes(extra[at + 2 : at + 4], "little"),
        )
        body = extra[at + 4 : at + 4 + size]
        at += 4 + size
        if kind == 0x7075 and len(body) > 5 and body[0] == 1:
            if int.from_bytes(body[1:5], "little") != zlib.crc32(info.orig_filename.encode("cp437")):
                return None  # the name was changed after the field was written: the field is stale
            try:
                return body[5:].decode("utf-8")
            except UnicodeDecodeError:
                return None
    return None


def zip_member_name(info: zipfile.ZipInfo, encoding: str = "utf-8") -> str:
    """A member's name decoded with the archive's `encoding` (see `choose_encoding`), NFC; a name
    that is not valid in it stays as Python read it (CP437)."""
    if info.flag_bits & 0x800:
        return nfc(info.filename)
    named = unicode_path(info)
    if named is not None:
        return nfc(named)
    try:
        return nfc(info.filename.encode("cp437").decode(encoding))
    except (UnicodeEncodeError, UnicodeDecodeError):
        return nfc(info.filename)


def choose_encoding(raw_names: list[bytes], notes_text: str = "") -> str:
    """The one encoding for an archive's unflagged names (see the module doc). `notes_text`: the
    archive's notes, where links name the pictures and pages as they should be decoded."""
    foreign = [raw for raw in raw_names if not raw.isascii()]
    if not foreign or _decodes_all(foreign, "utf-8"):
        return "utf-8"
    fitting = [enc for enc in FALLBACK_ENCODINGS if _decodes_all(foreign, enc)]
    if len(fitting) <= 1:
        return fitting[0] if fitting else "cp437"  # cp437 decodes any byte: not reached in practice
    linked = unquote(nfc(notes_text))
    decoded = {enc: [nfc(raw.decode(enc)) for raw in foreign] for enc in fitting}
    matches = {enc: sum(_linked(name, linked) for name in names) for enc, names in decoded.items()}
    if max(matches.values()) > 0:
        return max(fitting, key=lambda enc: matches[enc])  # first of the best, in FALLBACK order
    scripts = _scripts(notes_text)
    return min(fitting, key=lambda enc: _implausibility(decoded[enc], enc, scripts))


def _decodes_all(raws: list[bytes], encoding: str) -> bool:
    try:
        for raw in raws:
            raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _linked(name: str, text: str) -> bool:
    """Whether the notes name this file: its last path part (not plain ASCII: any decoding agrees
    on those) appears in them."""
    last = name.rstrip("/").rsplit("/", 1)[-1]
    return not last.isascii() and last in text


def _scripts(text: str) -> set[str]:
    return {script for char in text[:200_000] if (script := _script(char))}


def _script(char: str) -> str | None:
    code = ord(char)
    if 0x3041 <= code <= 0x30FF:
        return "kana"
    if 0xAC00 <= code <= 0xD7A3:
        return "hangul"
    if 0x4E00 <= code <= 0x9FFF:
        return "han"
    return None


def _implausibility(names: list[str], encoding: str, note_scripts: set[str]) -> float:
    """Uncommon characters per name, more when the names mix scripts no language mixes (Hangul
    with Chinese characters, kana without Japanese) or use a script the notes do not; less for
    each of the language's most frequent characters (GBK bytes read as CP949 are Hangul too, but
    drawn evenly from all of them, and Korean bytes read as GBK are common Chinese characters)."""
    frequent = set(FREQUENCIES.get(_LANGUAGE.get(encoding, ""), ()))
    uncommon, mixed = 0.0, 0
    for name in names:
        scripts = set()
        for char in name:
            uncommon += 0 if _common(char) else 1
            uncommon -= 0.5 * (char in frequent)
            scripts.add(_script(char))
        mixed += "hangul" in scripts and ("han" in scripts or "kana" in scripts)
        mixed += "kana" in scripts and encoding != "shift_jis"
        if note_scripts:
            mixed += bool(scripts - {None} - note_scripts)
            mixed += "hangul" in note_scripts and "hangul" not in scripts and encoding != "cp949"
            mixed += "kana" in note_scripts and encoding in ("gb18030", "big5")
    return (uncommon + 2 * mixed) / len(names)


def _common(char: str) -> bool:
    """ASCII, Latin letters, kana, CJK punctuation, Hangul of KS X 1001, or a level-1 character of
    GB2312, Big5 or JIS (the frequent ones; mojibake draws on the rare ones as much)."""
    code = ord(char)
    if code < 0x7F or char.isalpha() and code <= 0x24F or 0x3041 <= code <= 0x30FF:
        return True
    if char in _COMMON_PUNCTUATION or 0xFF10 <= code <= 0xFF5A:
        return True
    if 0xAC00 <= code <= 0xD7A3:
        return _encodes(char, "euc_kr") is not None
    if not 0x4E00 <= code <= 0x9FFF:
        return False
    gb, big5, jis = _encodes(char, "gb2312"), _encodes(char, "big5"), _encodes(char, "shift_jis")
    return bool(
        gb and 0xB0 <= gb[0] <= 0xD7 or big5 and 0xA4 <= big5[0] <= 0xC6 or jis and 0x88 <= jis[0] <= 0x98
    )


def _encodes(char: str, encoding: str) -> bytes | None:
    try:
        return char.encode(encoding)
    except UnicodeEncodeError:
        return None
