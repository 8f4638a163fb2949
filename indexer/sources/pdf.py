"""PDF files (`.pdf`): repair manuals, lab protocols, printed recipes; their words and photos in order.

One PDF is one document (the indexer splits a long one to its token budget). Page by page, its text
blocks and pictures are read in the order a person reads them (see `pdf_layout.py`: a two-column
page column by column, a photo where it sits between paragraphs); pages follow each other.

- Text: as PDFium extracts it, lines grouped into blocks; a word hyphenated at a line end is joined
  again and ligatures (ﬁ) are spelled out, so both read as words. A running header or footer (a
  block in the top or bottom 8% of the page whose text, numbers aside, recurs on at least 3 pages and
  half of them) is kept once, where it first appears; a block there that is only a page number is
  dropped, as are a symbol font's bullets and blocks with no letter or digit (a lone dash or
  bullet). Text drawn as outlines or inside a scan is not text to PDFium and is not read (no OCR).
- Pictures: every image object, in place, named "picture 2 on page 5". A JPEG is kept as the file
  holds it; any other image is decoded and stored as PNG. Decorations are skipped without a word:
  pictures under 32 pixels on a side (bullets, rules, icons), and a picture of bytes already shown
  earlier in the file (a logo on every page, a reused icon): the first one is kept, in place, and
  the repeats would only add copies of one picture to the document. A scanned page is one big
  picture, read as such. A picture PDFium cannot decode is reported "unreadable", the rest kept.
  Vector drawings (diagrams made of lines) are not pictures and are not read.
- Title: the file's Title property when it is a real title (not empty, not a file name such as
  "Microsoft Word - notes.docx", not a web site's name such as "hongbaoshu.net" in every property of
  a downloaded exam, with a word in it: not "（11）A）", Word's guess from an answer sheet) that the
  document's opening says: more than half of its words
  (CJK: character pairs) are in the first pages' text. Tools fill the property with a template's
  title ("Elephant-S产品手册" on a myCobot manual) or a download site's banner ("DATASHEET SEARCH SITE
  | WWW.ALLDATASHEET.COM"); a printed web page's title ("Western Blot Protocol") is said. A PDF with
  almost no text (its words drawn as curves) keeps the property: nothing can contradict it, and it
  is the only text there is. Otherwise the first line of the text is the title, or the line after
  it when it is a running header (a company's name atop every page: "深圳市大象机器人科技有限公司"
  gives way to "Basic开发引导手册"); past a classification mark, a banner or a question (`titles.py`).
- A damaged or truncated file PDFium cannot repair, a password-protected one, an empty one and a
  file that is not a PDF are reported by name ("unreadable"/"empty") and skipped.

Why PDFium (pypdfium2, Apache-2.0/BSD): it gives each character's box and each image object's place,
decodes every image filter (JBIG2, CCITT, JPEG 2000 included), and reads a text page in 20-60 ms
where pypdf took 300-500 ms on the same manuals without positions; PyMuPDF is AGPL. A page's time
beyond that is re-encoding its non-JPEG pictures as PNG (about 0.1 s a megapixel).
Memory: the file stays open until its last picture is stored; each picture is decoded and encoded when
the resolver stores it (`EmbeddedImage.load`, see `embedded.py`), so one is in memory at a time.
"""

from __future__ import annotations

import io
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable
from functools import partial
from hashlib import sha256
from itertools import islice

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from indexer.sources.base import EmbeddedImage, ParsedPage, warn
from indexer.sources.pdf_layout import Box, blocks, page_number_like, reading_order

GUTTER = 3.0  # a gap of this many line heights between two glyphs of a line splits it (column gutter)
IMAGES = [pdfium_c.FPDF_PAGEOBJ_IMAGE]
FORM_DEPTH = 4  # pictures inside form XObjects (a page's reused parts) this deep are read too
MIN_PICTURE_PX = 32  # a smaller picture is a bullet, a rule or an icon
MARGIN = 0.08  # share of the page height at its top and bottom where running headers and footers sit
RUNNING_MIN_PAGES = 3  # a header or footer recurs on at least this many pages and half of them
INFLATE_PIECE = 1 << 22  # bytes of pixels checked at a time
HEADER_SCAN = 1024  # PDF readers accept a `%PDF-` header this far into the file
TITLE_CHECK_CHARS = 3000  # the opening text a Title property must mostly be found in
TITLE_CHECK_MIN_CHARS = 200  # below this much text there is nothing to check a Title property against
_NAMING = re.compile(r"[^\W\d_]{2,}|[\u3400-\u9fff]")  # a title has a word: not "（11）A）" (Word's guess)
_TITLE_WORD = re.compile(r"[^\W\d_]{2,}|\d\w*", re.UNICODE)
_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]+")
# glyphs of symbol fonts (bullets, ticks) with no meaning: the private use area, and its two planes
# beyond (a Chinese vocabulary list's cover is a row of U+100948, which was its title)
PRIVATE_USE = re.compile("[\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd]")
MEANINGLESS_TITLE = re.compile(
    r"(?i)^\s*$|^(microsoft\s+\w+\s*-|untitled|title\b|document\d*$|slide\s*\d*$)"
    r"|\.(docx?|pdf|pptx?|xlsx?|odt|rtf|tex|dvi|txt|md|html?|indd|qxd|pages|png|jpe?g|tiff?)\s*$"
    r"|^[\w.-]+\.(com|net|org|cn)\s*$"  # a download site's name in every property ("hongbaoshu.net")
)
_ERRORS = {
    pdfium_c.FPDF_ERR_FILE: "the file is truncated or missing parts",
    pdfium_c.FPDF_ERR_FORMAT: "it is damaged",
    pdfium_c.FPDF_ERR_SECURITY: "its security handler is not supported",
}


def parse_pdf(data: bytes, name: str) -> ParsedPage | None:
    if not data.strip():
        warn(f"{name}: empty file ({len(data)} bytes), skipped", file=name, reason="empty")
        return None
    if b"%PDF-" not in data[:HEADER_SCAN]:
        warn(f"{name}: not a PDF file (no %PDF header), skipped", file=name, reason="unreadable")
        return None
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as err:
        if err.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            message = f"{name}: password-protected PDF, cannot be read without its password; skipped"
        else:
            message = f"{name}: PDF cannot be opened, {_ERRORS.get(err.err_code, 'it is damaged')}; skipped"
        warn(message, file=name, reason="unreadable")
        return None
    opened = _Opened(pdf)
    try:
        pages = [_page_boxes(pdf, index, name, opened) for index in range(len(pdf))]
        heights = [pdf.get_page_size(index)[1] for index in range(len(pdf))]
        title = str(pdf.get_metadata_value("Title") or "").strip()
    except BaseException:
        opened.close()
        raise
    if not opened.left:  # no picture to store: nothing more to read
        opened.close()
    items: list = []
    kept, running = _without_running_lines(pages, heights)
    for boxes in kept:
        for box in boxes:
            items += [box.item if box.item is not None else box.text, "\n\n"]
    text = "".join(item for item in items[: 2 * TITLE_CHECK_CHARS] if isinstance(item, str))
    if not _says_title(title, text[:TITLE_CHECK_CHARS]):
        title = _first_line_after_running_header(kept, running)
    return ParsedPage(tuple(items), title=title)


def _says_title(title: str, opening: str) -> bool:
    """Whether the Title property is the document's title (see the module doc)."""
    if MEANINGLESS_TITLE.search(title) or not _NAMING.search(title):
        return False
    if len(opening.strip()) < TITLE_CHECK_MIN_CHARS:
        return True
    words = _title_words(title)
    return not words or len(words & _title_words(opening)) > len(words) / 2


def _title_words(text: str) -> set[str]:
    """Words of two letters or more and numbers, casefolded; a CJK run as its character pairs."""
    text = text.casefold()
    words = {w for w in _TITLE_WORD.findall(_CJK_RUN.sub(" ", text))}
    for run in _CJK_RUN.findall(text):
        words |= {run[i : i + 2] for i in range(len(run) - 1)} or {run}
    return words


def _page_boxes(pdf: pdfium.PdfDocument, index: int, name: str, opened: _Opened) -> list[Box]:
    """The page's text blocks and pictures in reading order ([] for a page PDFium cannot load)."""
    try:
        page = pdf[index]
    except pdfium.PdfiumError:
        message = f"{name}: page {index + 1} cannot be read, the rest of the document kept"
        warn(message, file=name, reference=f"page {index + 1}", reason="unreadable")
        return []
    try:
        height = page.get_height()
        textpage = page.get_textpage()
        try:
            boxes = blocks(_lines(textpage, height))
        finally:
            textpage.close()
        boxes = [box for box in boxes if any(c.isalnum() for c in box.text)]  # not a lone bullet or rule
        for box in boxes:
            box.item = None
        boxes += _pictures(page, index + 1, height, name, opened)
        return reading_order(boxes)
    finally:
        page.close()


def _lines(textpage: pdfium.PdfTextPage, height: float) -> list[Box]:
    """The page's lines in the file's order, as PDFium breaks them, each with its box; a line with a
    wide gap in it (a gutter between two columns drawn row by row) is two lines."""
    lines: list[Box] = []
    units: list[int] = []  # UTF-16 code units: a character beyond the BMP comes as a surrogate pair
    edges: list[float] = []  # left, bottom, right, top of the line's glyphs (PDF coordinates)

    def close() -> None:
        text = b"".join(u.to_bytes(2, "little") for u in units).decode("utf-16-le", "replace")
        text = " ".join(PRIVATE_USE.sub("", text).split())  # a symbol font's bullets are private-use
        if text and edges:
            lines.append(Box(edges[0], height - edges[3], edges[2], height - edges[1], [text]))
        units.clear()
        edges.clear()

    for index in range(textpage.count_chars()):
        unit = pdfium_c.FPDFText_GetUnicode(textpage, index)
        if unit in (0x0D, 0x0A):
            close()
            continue
        if chr(unit).isspace() or pdfium_c.FPDFText_IsGenerated(textpage, index) == 1:
            units.append(unit)
            continue
        left, bottom, right, top = textpage.get_charbox(index)
        if edges and left - edges[2] > GUTTER * max(top - bottom, edges[3] - edges[1], 1.0):
            close()
        units.append(unit)
        if not edges:
            edges[:] = left, bottom, right, top
        else:
            edges[:] = min(edges[0], left), min(edges[1], bottom), max(edges[2], right), max(edges[3], top)
    close()
    return lines


def _pictures(page: pdfium.PdfPage, number: int, height: float, name: str, opened: _Opened) -> list[Box]:
    """The page's pictures worth reading, each a Box holding its EmbeddedImage (decoded when stored)."""
    found: list[Box] = []
    shown = 0  # pictures numbered as a person counts them on the page, repeats and failures included
    for index, picture in enumerate(page.get_objects(filter=IMAGES, max_depth=FORM_DEPTH)):
        written = f"picture {shown + 1} on page {number}"
        try:
            if min(picture.get_px_size()) < MIN_PICTURE_PX:
                continue
            shown += 1
            stream = bytes(picture.get_data(decode_simple=False))  # as the file holds it, not decoded
            digest = sha256(stream).digest()
            if digest in opened.seen:
                continue
            opened.seen.add(digest)
            jpeg = picture.get_filters() == ["DCTDecode"] and stream.startswith(b"\xff\xd8")
            left, bottom, right, top = picture.get_bounds()
        except (pdfium.PdfiumError, OSError, ValueError) as err:
            message = f"{name}: picture skipped, it cannot be decoded ({err}): {written}"
            warn(message, file=name, reference=written, reason="unreadable")
            continue
        mime = "image/jpeg" if jpeg else "image/png"
        embedded = EmbeddedImage(mime, "", written, load=opened.loader(number - 1, index, jpeg))
        found.append(Box(left, height - top, right, height - bottom, item=embedded))
    return found


class _Opened:
    """The PDF being read, kept open until its last picture is stored: the resolver asks for the
    pictures in order after the parser has returned, and each is decoded then, one at a time."""

    def __init__(self, pdf: pdfium.PdfDocument) -> None:
        self.pdf, self.left = pdf, 0
        self.seen: set[bytes] = set()  # the pictures' hashes: one shown again is not read again
        self.page: pdfium.PdfPage | None = None
        self.number = -1

    def loader(self, number: int, index: int, jpeg: bool) -> Callable[[], bytes]:
        self.left += 1
        return partial(self._load, number, index, jpeg)

    def _load(self, number: int, index: int, jpeg: bool) -> bytes:
        try:
            if number != self.number:
                if self.page is not None:
                    self.page.close()
                self.page, self.number = self.pdf[number], number
            objects = self.page.get_objects(filter=IMAGES, max_depth=FORM_DEPTH)
            return _encoded(next(islice(objects, index, None)), jpeg)
        except (pdfium.PdfiumError, OSError, ValueError, StopIteration) as err:
            raise ValueError(f"it cannot be decoded ({err})") from None
        finally:
            self.left -= 1
            if self.left <= 0:
                self.close()

    def close(self) -> None:
        if self.page is not None:
            self.page.close()
            self.page = None
        self.pdf.close()


def _encoded(picture: pdfium.PdfImage, jpeg: bool) -> bytes:
    """A JPEG as the file holds it; anything else decoded by PDFium and encoded as PNG."""
    stream = bytes(picture.get_data(decode_simple=False))
    if jpeg:
        return stream
    if picture.get_filters()[:1] == ["FlateDecode"]:
        _check_deflate(stream)  # PDFium shows damaged deflate data as a black picture, not an error
    out = io.BytesIO()
    picture.get_bitmap(render=False).to_pil().save(out, format="PNG", compress_level=3)
    return out.getvalue()


def _check_deflate(stream: bytes) -> None:
    """ValueError unless `stream` inflates to its end (read in pieces: one picture's pixels at most)."""
    inflate = zlib.decompressobj()
    try:
        inflate.decompress(stream, INFLATE_PIECE)
        while inflate.unconsumed_tail:
            inflate.decompress(inflate.unconsumed_tail, INFLATE_PIECE)
    except zlib.error as err:
        raise ValueError(f"its compressed data is damaged: {err}") from None


def _first_line_after_running_header(pages: list[list[Box]], running: set[str]) -> str:
    """When the text opens with a running header (a company's name atop every page), the line after
    it names the document; else "" and the first line is the title, as for any note."""
    texts = (box.text for boxes in pages for box in boxes if box.item is None and box.text.strip())
    first = next(texts, "")
    if _running_key(first) not in running:
        return ""
    return next((line.strip() for text in texts for line in text.splitlines() if line.strip()), "")


def _without_running_lines(pages: list[list[Box]], heights: list[float]) -> tuple[list[list[Box]], set[str]]:
    """The pages without their running headers and footers after the first, nor page numbers; and
    the running lines' keys."""
    where: dict[str, set[int]] = defaultdict(set)
    for number, boxes in enumerate(pages):
        for box in _margin_text(boxes, heights[number]):
            where[_running_key(box.text)].add(number)
    running = {key for key, found in where.items() if len(found) >= max(RUNNING_MIN_PAGES, len(pages) / 2)}
    shown: Counter[str] = Counter()
    kept = []
    for boxes, height in zip(pages, heights, strict=True):
        margin = {id(box) for box in _margin_text(boxes, height)}
        page = []
        for box in boxes:
            if id(box) in margin:
                key = _running_key(box.text)
                if page_number_like(box.text) or (key in running and shown[key]):
                    continue
                shown[key] += 1
            page.append(box)
        kept.append(page)
    return kept, running


def _margin_text(boxes: list[Box], height: float) -> list[Box]:
    """The text blocks in the page's top or bottom margin band."""
    band = MARGIN * height
    return [b for b in boxes if b.item is None and (b.y1 <= band or b.y0 >= height - band)]


def _running_key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.split())).casefold()
