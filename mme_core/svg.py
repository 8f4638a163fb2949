"""SVG pictures (diagrams, flow charts, wiring drawings, draw.io and Excalidraw exports) drawn to
pixels, so a note's diagram is read as its photos are.

A Pillow plugin: `Image.open` of an SVG gives an image whose size is the one the SVG declares (its
`width`/`height`, else its `viewBox`; units as browsers take them, 96 px per inch), bounded to
MAX_SIDE on its longer side whatever it declares, and nothing is drawn until `load`. `draft` sets
the size to draw at, as a JPEG's draft does, so the decoder (`images.decode_image`) draws it straight
at the size the model reads, never a larger canvas first. It is drawn by resvg (`resvg-py`: Rust,
no system library) on white: a transparent diagram on black is unreadable. Text is drawn with the
machine's own fonts (fontdb finds them once per process); where it finds none, or none with a
label's script, shapes are drawn and the words are not (they still reach the note's searchable
text: `svg_words`).

An SVG is drawn from its own content only. resvg would read a linked picture (`<image href>`) from
any absolute path, or relative to the working folder (`/etc/...`, `../../`); every link that is not
inside the SVG (`#id`, `data:`) is taken out before drawing and said (`linked_files`), an SVG kept
inside it (`data:image/svg+xml`, as draw.io embeds its icons) is cleaned the same way. SVGZ (gzip)
is read. A damaged, oversized or undrawable SVG is a `SvgProblem` (a ValueError) saying what is
wrong; callers add the file's name, as for any picture.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import xml.etree.ElementTree as ET
import zlib
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from urllib.parse import unquote_to_bytes
from xml.parsers import expat

from PIL import Image, ImageFile

from mme_core.svg_labels import RECIPE as LABELS_RECIPE
from mme_core.svg_labels import labels_as_text

MAX_SVG_BYTES = 20_000_000  # an SVG (unzipped) larger than this is refused: no diagram is
MAX_SIDE = 4096  # the longest side an SVG is ever drawn at, whatever size it declares
_NESTED = 4  # SVGs inside SVGs (data: URIs) cleaned this deep; deeper ones are taken out
_UNITS = {"": 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96.0}
_UNITS |= {"em": 16.0, "ex": 8.0}  # resvg's default font size
_LENGTH = re.compile(r"\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([a-zA-Z%]*)\s*$")
_WORDS = ("text", "title", "desc", "tspan", "textPath")
SVG_SUFFIXES = (".svg", ".svgz")
_WINDOWS_FONTS = (("WINDIR", ("Fonts",)), ("LOCALAPPDATA", ("Microsoft", "Windows", "Fonts")))
# Where fontdb (resvg's font finder) looks for the machine's fonts, per system.
_FONT_FOLDERS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.fonts",
    "~/.local/share/fonts",
    "/Library/Fonts",
    "/System/Library/Fonts",
    "~/Library/Fonts",
    *(os.path.join(os.environ[name], *under) for name, under in _WINDOWS_FONTS if name in os.environ),
)
_FONT_SUFFIXES = {".ttf", ".otf", ".ttc", ".otc", ".pfb", ".pfa"}
_DRAWIO_NOTES = {"Text is not SVG - cannot display", "Viewer does not support full SVG 1.1"}


class SvgProblem(ValueError):
    """What is wrong with an SVG, without its name (the caller adds the name it knows it by)."""


class _Root(Exception):
    """Raised by the start-tag handler: the root element is all `Image.open` needs."""


def svg_bytes(data: bytes) -> bytes:
    """The SVG's own bytes: unzipped when SVGZ; ValueError when over MAX_SVG_BYTES."""
    if data[:2] == b"\x1f\x8b":
        unzip = zlib.decompressobj(wbits=31)
        try:
            data = unzip.decompress(data, MAX_SVG_BYTES + 1)
        except zlib.error as err:
            raise SvgProblem(f"damaged SVGZ (gzip) data ({err})") from None
        if not unzip.eof and len(data) <= MAX_SVG_BYTES:
            raise SvgProblem("damaged SVGZ (gzip) data (cut short)")
    if len(data) > MAX_SVG_BYTES:
        raise SvgProblem(f"SVG too large (over {MAX_SVG_BYTES:,} bytes of drawing)")
    return data


def svg_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels the SVG declares, from its root element alone, bounded to MAX_SIDE
    (aspect kept); ValueError when the root is not `<svg>` or its size is zero."""
    width, height, _ = _declared(data)
    scale = min(1.0, MAX_SIDE / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _declared(data: bytes) -> tuple[float, float, list[float]]:
    """(width, height) the root declares in px, and its viewBox's size ([] when it has none)."""
    found: dict[str, str] = {}

    def start(tag: str, attrs: dict[str, str]) -> None:
        found.update(attrs, _tag=tag)
        raise _Root

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    try:
        parser.Parse(data, True)
    except _Root:
        pass
    except expat.ExpatError as err:
        raise SvgProblem(f"damaged SVG ({err})") from None
    if found.get("_tag", "").rpartition(":")[2] != "svg":
        raise SvgProblem(f"not an SVG drawing (its first element is <{found.get('_tag', 'nothing')}>)")
    box = [float(v) for v in re.split(r"[\s,]+", found.get("viewBox", "").strip()) if _number(v)]
    box = box[2:] if len(box) == 4 and box[2] > 0 and box[3] > 0 else []
    width, height = _length(found.get("width")), _length(found.get("height"))
    if width is None and height is None:
        width, height = box or (100.0, 100.0)  # resvg's own default for an SVG saying neither
    elif width is None or height is None:  # one side given: the other from the viewBox's shape
        ratio = box[0] / box[1] if box else 1.0
        width, height = (width, width / ratio) if height is None else (height * ratio, height)
    if width <= 0 or height <= 0:
        raise SvgProblem(f"SVG of zero size ({found.get('width')} × {found.get('height')})")
    return width, height, box


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _length(text: str | None) -> float | None:
    """A root `width`/`height` in px; None when absent or relative (`100%`: the viewBox decides)."""
    match = _LENGTH.match(text or "")
    if match is None or match[2].lower() not in _UNITS:
        return None
    return float(match[1]) * _UNITS[match[2].lower()]


def parse_svg(data: bytes) -> ET.Element:
    """The SVG's element tree (unzipped); ValueError when it is not well-formed XML."""
    try:
        return ET.fromstring(svg_bytes(data))
    except ET.ParseError as err:
        raise SvgProblem(f"damaged SVG ({err})") from None


def self_contained(root: ET.Element, depth: int = 0) -> list[str]:
    """Take out of `root`, in place, every link resvg would follow to a file or URL (see the module
    doc), cleaning SVGs kept inside it too; the links taken out, as written."""
    dropped = []
    for element in root.iter():
        if element.tag.rpartition("}")[2] == "a":
            continue  # a hyperlink is not followed when drawing
        for attribute in [a for a in element.attrib if a.rpartition("}")[2] == "href"]:
            link = element.attrib[attribute].strip()
            if link.startswith("#"):
                continue
            if link[:5].lower() != "data:":
                dropped.append(link)
                del element.attrib[attribute]
            elif link[5:18].lower() == "image/svg+xml":  # an SVG inside: cleaned as this one is
                inner = _clean_inner(link, depth)
                if inner is None:
                    dropped.append(link[:40] + "…")
                    del element.attrib[attribute]
                else:
                    element.attrib[attribute], more = inner
                    dropped += more
    return dropped


def _clean_inner(uri: str, depth: int) -> tuple[str, list[str]] | None:
    header, _, payload = uri.partition(",")
    try:
        data = base64.b64decode(payload) if ";base64" in header.lower() else unquote_to_bytes(payload)
        root = parse_svg(data)
    except ValueError:  # damaged base64 or SVG: drawn without it, as a browser would
        return None
    if depth >= _NESTED:
        return None
    dropped = self_contained(root, depth + 1)
    text = ET.tostring(root, encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(text.encode()).decode("ascii"), dropped


def linked_files(data: bytes) -> list[str]:
    """The links in an SVG that are not drawn (files, URLs; see the module doc), as written."""
    return self_contained(parse_svg(data))


def svg_words(data: bytes) -> str:
    """The words an SVG shows or names: its `<title>`, `<desc>` and text labels, one line each
    (draw.io's labels inside `<foreignObject>` HTML too), repeated labels said once; draw.io's
    shortened copies of its labels ("Resource...") and its note to old viewers left out."""
    lines: dict[str, None] = {}
    for element in parse_svg(data).iter():
        local = element.tag.rpartition("}")[2] if isinstance(element.tag, str) else ""
        if local in _WORDS or local == "foreignObject":
            words = " ".join(" ".join(element.itertext()).split())  # draw.io's lines are <div>s
            cut = words.removesuffix("...").removesuffix("…")
            if words and words not in _DRAWIO_NOTES and not any(cut in line for line in lines):
                lines[words] = None
    return "\n".join(lines)


@lru_cache(maxsize=1)
def renderer_id() -> str:
    """What an SVG's pixels depend on besides its bytes: resvg-py's release and the font files it
    can find (path, size, time), as a short hash, once per process (a walk of the font folders: ~1 ms
    here)."""
    try:
        release = version("resvg-py")
    except PackageNotFoundError:
        release = "absent"
    digest = hashlib.sha256(release.encode())
    for folder in _FONT_FOLDERS:
        root = Path(folder).expanduser()
        found = root.rglob("*") if root.is_dir() else ()
        for font in sorted(p for p in found if p.suffix.lower() in _FONT_SUFFIXES):
            try:
                stat = font.stat()
            except OSError:  # a dangling link
                continue
            digest.update(f"{font}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return f"resvg-{release}-{LABELS_RECIPE}-{digest.hexdigest()[:12]}"


def render_svg(data: bytes, size: tuple[int, int], stretch: bool = False) -> Image.Image:
    """The SVG drawn on white, self-contained, fitted inside `size` (aspect kept), or filling it
    when `stretch` (as a processor squashes a picture to its square); ValueError when resvg cannot
    draw it or it draws nothing."""
    import resvg_py  # noqa: PLC0415 - only when an SVG is drawn

    root = parse_svg(data)
    labelled = labels_as_text(root)  # Mermaid's HTML labels, which resvg does not draw
    if stretch:  # the drawing's own box laid over exactly `size`
        width, height, box = _declared(svg_bytes(data))
        if not box:
            root.set("viewBox", f"0 0 {width:g} {height:g}")  # its user units are px
        root.attrib.update(width=str(size[0]), height=str(size[1]), preserveAspectRatio="none")
    if self_contained(root) or stretch or labelled:
        text = ET.tostring(root, encoding="unicode")
    else:  # nothing to change: drawn from its own text
        text = svg_bytes(data).decode(_encoding(data), "replace")
    try:
        png = resvg_py.svg_to_bytes(  # dpi: resvg-py's default 0 makes `width="210mm"` a zero size
            svg_string=text, width=size[0], height=size[1], dpi=96.0, background=None
        )
    except (ValueError, RuntimeError) as err:
        raise SvgProblem(f"SVG not drawable ({err})") from None
    image = Image.open(io.BytesIO(bytes(png)))
    image.load()
    if image.mode == "RGBA" and image.getchannel("A").getextrema()[1] == 0:
        raise SvgProblem("SVG draws nothing (every pixel transparent)")
    page = Image.new("RGBA", image.size, (255, 255, 255, 255))
    return Image.alpha_composite(page, image.convert("RGBA")).convert("RGB")


def _encoding(data: bytes) -> str:
    match = re.match(rb"\s*<\?xml[^>]*encoding=[\"']([\w.-]+)", svg_bytes(data)[:200])
    return match[1].decode("ascii") if match else "utf-8"


class SvgImageFile(ImageFile.ImageFile):
    """Pillow's view of an SVG: sized from its root element, drawn at `load` (see the module doc)."""

    format = "SVG"
    format_description = "Scalable Vector Graphics"

    def _open(self) -> None:
        data = self.fp.read(MAX_SVG_BYTES + 1)
        if b"<svg" not in _head(data):
            raise SyntaxError("not an SVG")  # another plugin may read it
        self._svg = svg_bytes(data)  # a damaged or oversized SVG: ValueError, said by the caller
        self._size = svg_size(self._svg)
        self._mode, self._stretch = "RGB", False
        self.tile = [ImageFile._Tile("svg", (0, 0, *self._size), 0, None)]

    def draft(self, mode: str | None, size: tuple[int, int] | None):
        """Draw at `size` (at most MAX_SIDE a side): larger or smaller than declared, a drawing has
        no pixels to lose. Of another shape (a square processor's 384 x 384), drawn squashed to it
        as the processor would squash it, straight at that size: a 1080 x 150 logo is not drawn at
        2765 x 384 first (0.87 s against 0.05 s)."""
        if size and self.tile:
            width, height = self._size
            if abs(size[0] * height - size[1] * width) <= 0.01 * size[1] * width:  # the same shape
                scale = min(max(size[0] / width, size[1] / height), MAX_SIDE / max(width, height))
                self._size = (max(1, round(width * scale)), max(1, round(height * scale)))
            else:
                self._size, self._stretch = (min(size[0], MAX_SIDE), min(size[1], MAX_SIDE)), True
            self.tile = [ImageFile._Tile("svg", (0, 0, *self._size), 0, None)]
        return None

    def load(self):
        if self.tile:
            drawn = render_svg(self._svg, self._size, self._stretch)
            self.im, self._size, self.tile = drawn.im, drawn.size, []
        return Image.Image.load(self)

    def load_seek(self, pos: int) -> None:
        pass  # drawn whole by `load`


def _head(data: bytes) -> bytes:
    """The first 64 KB of the SVG's own bytes (unzipped when SVGZ), where its `<svg` tag is."""
    if data[:2] != b"\x1f\x8b":
        return data[:65536]
    try:
        head = zlib.decompressobj(wbits=31).decompress(data[:65536], 65536)
    except zlib.error:
        head = b""
    return head or b"<svg"  # damaged gzip data: said by `svg_bytes`


def _accept(prefix: bytes) -> bool:
    head = prefix.lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] == b"<" or prefix[:2] == b"\x1f\x8b"


Image.register_open(SvgImageFile.format, SvgImageFile, _accept)
Image.register_extensions(SvgImageFile.format, [".svg", ".svgz"])
Image.register_mime(SvgImageFile.format, "image/svg+xml")
