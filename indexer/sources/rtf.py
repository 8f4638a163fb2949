"""Rich Text Format notes (`.rtf`) and TextEdit's RTFD packages (`Note.rtfd/TXT.rtf` with its pictures
beside it): what TextEdit on a Mac and WordPad on Windows save by default.

RTF is a stream of groups `{...}`, control words (`\\par`, `\\u8364`) and text. The reading is ours:
the Python RTF libraries either drop pictures (striprtf) or fail on files without a code page
(rtfparse 0.9), and the grammar is small. What is read, in order:
- the text, paragraphs and line breaks as lines (Cocoa writes a paragraph end as a backslash before
  the newline), table cells joined by ` | ` and a row a line, special characters (`\\emdash`,
  `\\bullet`, quotes), Unicode (`\\uN` with its fallback skipped) and code-page bytes (`\\'e9`: the
  document's `\\ansicpg`, GBK, Shift-JIS or Big5 bytes decoded together), a field's shown text
  (a link's words, not its address);
- pictures where they stand: PNG and JPEG kept inside (`\\pict\\pngblip`, also Word's
  `\\*\\shppict`, whose `\\nonshppict` copy is not read twice), and an RTFD's attachments
  (`\\NeXTGraphic name`) from the package folder; a picture in another format (a Windows metafile,
  a Mac PICT) is said, "unsupported type", once per document.
Not read: font, colour and style tables, the document's info (its `\\title` is the title when the
text says it), page headers and footers, comments (`\\annotation`), and other destinations marked
`\\*` that a reader does not show. A file that is no RTF is said by name.
"""

from __future__ import annotations

import base64
import codecs
import re

from indexer.sources.base import EmbeddedImage, ImageLink, ParsedPage, add_text, warn
from indexer.sources.docx import says_title

_TOKEN = re.compile(
    r"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?"  # control word, its parameter, the space that ends it
    r"|\\'([0-9a-fA-F]{2})"  # a code-page byte
    r"|\\(.)"  # control symbol (\\, \{, \}, \~, \-, \<newline>)
    r"|([{}])"
    r"|([^\\{}\r\n]+)"  # text
    r"|[\r\n]+",  # line ends in the file are not text
    re.DOTALL,
)
_SKIPPED = {  # destinations whose text is not the document's
    "fonttbl", "colortbl", "expandedcolortbl", "stylesheet", "listtable", "listoverridetable",
    "info", "header", "headerl", "headerr", "headerf", "footer", "footerl", "footerr", "footerf",
    "annotation", "atnauthor", "atnid", "fldinst", "themedata", "colorschememapping", "datastore",
    "latentstyles", "xmlnstbl", "rsidtbl", "generator", "pgdsctbl", "revtbl", "nonshppict",
    "filetbl", "mmathPr", "object", "objdata", "bkmkstart", "bkmkend",
}  # fmt: skip
_READ_STARRED = {"shppict", "pict", "NeXTGraphic"}  # `\*` destinations that hold what a reader sees
_CHARACTERS = {
    "par": "\n", "line": "\n", "sect": "\n", "page": "\n", "row": "\n", "cell": " | ", "tab": "\t",
    "emdash": "\u2014", "endash": "\u2013", "bullet": "\u2022", "lquote": "\u2018", "rquote": "\u2019",
    "ldblquote": "\u201c", "rdblquote": "\u201d", "emspace": " ", "enspace": " ", "qmspace": " ",
}  # fmt: skip
_SYMBOLS = {"\n": "\n", "\r": "\n", "~": "\u00a0", "-": "", "_": "\u2011", "\\": "\\", "{": "{", "}": "}"}
_CODE_PAGES = {"mac": "mac_roman", "pc": "cp437", "pca": "cp850"}
_PICTURES = {"pngblip": "image/png", "jpegblip": "image/jpeg"}
_OTHER_PICTURES = {
    "emfblip": "EMF",
    "wmetafile": "WMF",
    "macpict": "PICT",
    "dibitmap": "BMP",
    "wbitmap": "BMP",
}


def parse_rtf(data: bytes, name: str) -> ParsedPage | None:
    """The document's page, or None (said why) when the bytes are no RTF."""
    if not data.lstrip().startswith(b"{\\rtf"):
        what = "empty file" if not data.strip() else "not an RTF document (it does not start with {\\rtf)"
        warn(f"{name}: {what}, skipped", file=name, reason="empty" if not data.strip() else "unreadable")
        return None
    walk = _Walk(data.decode("latin-1"))  # one character per byte: code-page bytes decoded later
    walk.run()
    if walk.left_out:
        kinds = ", ".join(sorted(walk.left_out))
        warn(f"{name}: not read: {kinds} pictures", file=name, reference=kinds, reason="unsupported type")
    page = ParsedPage(tuple(walk.items))
    title = " ".join(walk.title.split())
    return ParsedPage(page.items, title=title if says_title(page, title) else "")


class _Group:
    __slots__ = ("skip", "uc", "dest", "hex", "blip", "graphic")

    def __init__(self, parent: _Group | None = None) -> None:
        self.skip = parent.skip if parent else False
        self.uc = parent.uc if parent else 1
        self.dest = parent.dest if parent else ""
        self.hex, self.blip, self.graphic = [], "", []


class _Walk:
    def __init__(self, text: str) -> None:
        self.text = text
        self.items: list[str | EmbeddedImage | ImageLink] = []
        self.left_out: set[str] = set()
        self.title = ""
        self.encoding = "cp1252"
        self.pending = bytearray()  # code-page bytes not yet decoded (a GBK character is two)
        self.pending_target = "body"  # where they go: the text, or the info's title
        self.after_graphic = False
        self.to_skip = 0  # fallback characters after a \uN
        self.pictures = 0

    def run(self) -> None:
        stack, group, position = [], _Group(), 0
        new_group = False
        while (match := _TOKEN.match(self.text, position)) is not None and position < len(self.text):
            position = match.end()
            word, parameter, byte, symbol, brace, text = match.groups()
            if brace == "{":
                stack.append(group)
                group, new_group = _Group(group), True
                continue
            if brace == "}":
                self._close(group)
                group = stack.pop() if stack else _Group()
                continue
            first, new_group = new_group, False
            if word == "bin":  # raw bytes follow: never text
                position += int(parameter or 0)
            elif word is not None:
                self._word(group, word, parameter, first)
            elif symbol == "*":
                group.dest = "*"
            elif group.skip:
                continue
            elif byte is not None:
                self._byte(group, int(byte, 16))
            elif symbol is not None:
                self._emit(group, _SYMBOLS.get(symbol, ""))
            elif text is not None:
                self._plain(group, text)
        self._flush()

    def _word(self, group: _Group, word: str, parameter: str | None, first: bool) -> None:
        if first or group.dest == "*":  # a group's first word names its destination
            starred, inherited, group.dest = group.dest == "*", group.dest, word
            in_info = inherited == "info" and word != "title"  # of the info, only the title is read
            if word in _SKIPPED or in_info or (starred and word not in _READ_STARRED):
                group.skip = word != "info"
                return
        if group.skip:
            return
        if word in ("ansicpg", "mac", "pc", "pca"):
            self.encoding = _CODE_PAGES.get(word) or f"cp{parameter}"
        elif word == "uc":
            group.uc = int(parameter or 1)
        elif word == "u":
            self._emit(group, chr(int(parameter or 0) % 65536))
            self.to_skip = group.uc
        elif word in _PICTURES:
            group.blip = _PICTURES[word]
        elif word in _OTHER_PICTURES:
            group.blip = _OTHER_PICTURES[word]
        elif word in _CHARACTERS:
            self._emit(group, _CHARACTERS[word])

    def _plain(self, group: _Group, text: str) -> None:
        if self.to_skip:
            skipped, text = text[: self.to_skip], text[self.to_skip :]
            self.to_skip -= len(skipped)
        if group.dest == "pict":
            group.hex.append(text)
        elif group.dest == "NeXTGraphic":
            group.graphic.append(text)
        elif self.after_graphic and text.strip() in ("\xac", "\xc2\xac"):
            pass  # the character Cocoa writes where an attachment stands
        else:
            self._bytes(group, text.encode("latin-1"))  # raw bytes in the document's code page
        self.after_graphic = False

    def _byte(self, group: _Group, value: int) -> None:
        if self.to_skip:
            self.to_skip -= 1
        elif group.dest not in ("pict", "NeXTGraphic"):
            self._bytes(group, bytes([value]))

    def _bytes(self, group: _Group, data: bytes) -> None:
        target = "title" if group.dest == "title" else "body"
        if self.pending and self.pending_target != target:
            self._flush()
        self.pending += data
        self.pending_target = target

    def _emit(self, group: _Group, text: str) -> None:
        self._flush()
        self._add("title" if group.dest == "title" else "body", text)

    def _add(self, target: str, text: str) -> None:
        if not text:
            return
        if target == "title":
            self.title += text
        else:
            add_text(self.items, text)

    def _flush(self) -> None:
        if self.pending:
            data, self.pending = bytes(self.pending), bytearray()
            try:
                decoded = codecs.decode(data, self.encoding, errors="replace")
            except LookupError:  # a code page Python does not know
                decoded = data.decode("cp1252", errors="replace")
            self._add(self.pending_target, decoded)

    def _close(self, group: _Group) -> None:
        if group.dest == "pict" and not group.skip:
            self.pictures += 1
            written = f"picture {self.pictures}"
            self._flush()
            if group.blip in _PICTURES.values():
                data = bytes.fromhex("".join("".join(group.hex).split()) or "")
                self.items.append(EmbeddedImage(group.blip, base64.b64encode(data).decode("ascii"), written))
            else:
                self.left_out.add(group.blip or "unknown")
        elif group.dest == "NeXTGraphic" and not group.skip:
            self._flush()
            if target := "".join(group.graphic).strip():
                self.items.append(ImageLink(target, written=target))
            self.after_graphic = True
