"""Note text as a person has it: any encoding, stray bad bytes, control characters, binary files.

Decoding never fails and never guesses silently. The order is: a byte-order mark; strict UTF-8; a
charset the page declares (HTML `<meta charset>`); UTF-8 with a few invalid bytes (each replaced by
U+FFFD, the rest of the note intact); `charset-normalizer`'s detection (GBK/GB18030, Shift-JIS/cp932,
cp1251, ...); cp1252; latin-1. Every step after strict UTF-8 is a `CollectionWarning` (reason
"encoding") naming the file and the encoding chosen.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Callable

from charset_normalizer import from_bytes

from indexer.sources.warning import CollectionWarning, emit

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # keeps \t and \n (\r normalised first)
# A terminal's colour and cursor codes (`ESC[0;34m`), as saved `diff --color` or log output holds
# them: the whole sequence goes, not only its ESC (which left "[0;34m" among the words).
_TERMINAL_CODES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16: the UTF-32 LE BOM starts with the UTF-16 LE one
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# UTF-8 with at most this share of its non-ASCII bytes invalid is UTF-8 with damage, not another
# encoding: GBK and Shift-JIS text read as UTF-8 has 60-80 % of its high bytes invalid (measured on
# Chinese and Japanese recipes), a UTF-8 note with one stray byte a fraction of a percent.
_MAX_INVALID_UTF8_SHARE = 0.2
# charset-normalizer's default "mess" limit (0.2) rejects every reading of some real CJK Markdown:
# inline code next to CJK (1. 将`青椒`洗净) and ★/emoji look like mess. So it first gets the note with
# Markdown punctuation blanked out, then the note as is, then both again with a limit of 0.5
# (measured: all 369 HowToCook notes re-encoded as GB18030 are then read back exactly).
_ATTEMPTS = (("without markup", 0.2), ("as is", 0.2), ("without markup", 0.5), ("as is", 0.5))
_MARKDOWN_PUNCTUATION = frozenset(b"`*_[]()#>|~")
_MIN_EVIDENCE_BYTES = 16  # non-ASCII bytes below which an unrecognised language is no evidence
_NO_BOM = ("utf_16", "utf_32")  # a note without a BOM is never UTF-16/32 (its NULs mark it binary)
# A few rows of GBK (an Excel CSV: 书名;作者) read as cp949 just as cleanly, as Hangul beside Han
# characters (蝎츰;鱗諒), which no Korean or Chinese text writes: on such a tie, the reading that mixes
# them least (Korean read as GBK is all Han, as cp949 all Hangul: still a tie, the detector's order).
_HANGUL_BESIDE_HAN = re.compile(r"[\uac00-\ud7a3][\u4e00-\u9fff]|[\u4e00-\u9fff][\uac00-\ud7a3]")


def decode_text(data: bytes, name: str, declared: str | None = None) -> str:
    """Decode without ever failing; anything but clean UTF-8 is warned about, naming the encoding."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                break
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for encoding in _known_codec(declared):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return _decoded(text, name, encoding)
    repaired = _damaged_utf8(data)
    if repaired is not None:
        text, invalid = repaired
        emit(
            CollectionWarning(
                f"{name}: {invalid} invalid byte(s) in UTF-8 text replaced with \ufffd",
                file=name,
                reason="encoding",
            )
        )
        return text
    detected = _detect(data)
    if detected is not None:
        return _decoded(data.decode(detected), name, detected)
    try:
        return _decoded(data.decode("cp1252"), name, "cp1252")
    except UnicodeDecodeError:
        return _decoded(data.decode("latin-1"), name, "latin-1")  # never fails: every byte is a code point


def _decoded(text: str, name: str, encoding: str) -> str:
    emit(CollectionWarning(f"{name}: not valid UTF-8, decoded as {encoding}", file=name, reason="encoding"))
    return text


def _damaged_utf8(data: bytes) -> tuple[str, int] | None:
    """(text, invalid byte count) when `data` is UTF-8 with a few bad bytes, else None."""
    text = data.decode("utf-8", errors="replace")
    high = len(data.translate(None, bytes(range(128))))  # bytes 0x80-0xFF
    inserted = text.count("\ufffd") - data.count("\ufffd".encode())
    valid_high = len(text.replace("\ufffd", "").encode()) + 3 * data.count("\ufffd".encode())
    valid_high -= len(data) - high  # ASCII bytes are never part of an invalid sequence
    invalid = high - valid_high
    if inserted <= 0 or invalid > _MAX_INVALID_UTF8_SHARE * high:
        return None
    return text, invalid


def _detect(data: bytes) -> str | None:
    """charset-normalizer's pick; on a tie with cp1252 (short Western text) cp1252, the common one;
    None when there is too little to go on. The pick must decode the whole note strictly."""
    for sample, threshold in _ATTEMPTS:
        sample = _without_markup(data) if sample == "without markup" else data
        found = [m for m in from_bytes(sample, threshold=threshold) if not m.encoding.startswith(_NO_BOM)]
        if found:
            encoding = _choose(found, data)
            if encoding is None:
                return None
            try:
                data.decode(encoding)
            except UnicodeDecodeError:
                continue
            return encoding
    return None


def _without_markup(data: bytes, limit: int = 200_000) -> bytes:
    """The note's start with ASCII Markdown punctuation blanked out. Bytes from 0x81 up start a
    two-byte character in GBK, Big5 and Shift-JIS, whose second byte may be a backtick: those pairs
    are skipped whole, so no character is cut (single-byte encodings lose nothing that matters)."""
    sample = bytearray(data[:limit])
    position = 0
    while position < len(sample):
        if sample[position] >= 0x81:
            position += 2
            continue
        if sample[position] in _MARKDOWN_PUNCTUATION:
            sample[position] = 0x20
        position += 1
    return bytes(sample)


def _choose(matches: list, data: bytes) -> str | None:
    best = matches[0]
    tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    if any("cp1252" in (match.encoding, *match.could_be_from_charset) for match in tied):
        return "cp1252"
    best = min(tied, key=lambda match: len(_HANGUL_BESIDE_HAN.findall(str(match))))  # stable: first wins
    if best.coherence == 0 and len(data.translate(None, bytes(range(128)))) < _MIN_EVIDENCE_BYTES:
        return None  # a few odd bytes and no language recognised: a guess, not a detection
    return best.encoding


def _known_codec(label: str | None) -> list[str]:
    """The declared charset as Python knows it; latin-1/ascii labels mean windows-1252 (WHATWG)."""
    try:
        name = codecs.lookup(label).name if label else None
    except LookupError:
        return []
    return [] if name is None else ["cp1252" if name in ("iso8859-1", "latin-1", "ascii") else name]


def looks_binary(data: bytes) -> bool:
    """Git's rule (a NUL byte early on), but only for data that is not Unicode text: UTF-8 with a
    stray NUL is a text file with a control character, UTF-16 is mostly NULs."""
    if b"\0" not in data[:8192] or data.startswith(tuple(bom for bom, _ in _BOMS)):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def clean_text(text: str, name: str, report: Callable[[CollectionWarning], None] = emit) -> str:
    """Normalise newlines and Unicode (NFC: a note typed on macOS with decomposed accents or Hangul
    jamo is searched like any other), strip control characters other than newline and tab, and
    terminal colour codes whole (each counted as the one control character it starts with)."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text, codes = _TERMINAL_CODES.subn("", text)
    cleaned, removed = _CONTROL_CHARS.subn("", text)
    removed += codes
    if removed:
        report(
            CollectionWarning(f"{name}: removed {removed} control character(s)", file=name, reason="encoding")
        )
    return cleaned
