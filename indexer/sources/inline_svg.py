"""An `<svg>` written inside a web page or a note's HTML, kept as a drawing of its own.

Saved pages and exported notes draw their diagrams inline: a Mermaid flow chart rendered by Typora,
Obsidian or a documentation site, a chart, a wiring sketch. The HTML walker (`html.py`) hands each
inline `<svg>` element's events here; they are written back as a standalone SVG file's markup, which
the picture store keeps and `mme_core/svg.py` draws as it draws an `<img src=x.svg>`.

HTML is not XML: `html.parser` lower-cases names (`viewBox` -> `viewbox`, which a renderer ignores)
and accepts unquoted and bare attributes. So names are taken, in their case, from the start tag as
written, values from the parser (character references already resolved), and every value is quoted
and escaped again. An HTML page's `<svg>` needs no namespace; a standalone file does: it is added.

Small drawings are not pictures of the page: icons, bullets, a formula typeset as SVG (MathJax) are
under MIN_SIDE pixels on a side; they, and empty `<svg>` placeholders a script fills, are counted,
not kept (the page says how many).
"""

from __future__ import annotations

import html
import re
from xml.sax.saxutils import escape, quoteattr

from mme_core.svg import svg_size

MIN_SIDE = 64  # pixels: as a loose photo's bound (`photos.py`): smaller is an icon or a symbol
_SVG_NS = "http://www.w3.org/2000/svg"
_XLINK_NS = "http://www.w3.org/1999/xlink"
_RAW_NAME = re.compile(r"<\s*([^\s/>]+)")
_RAW_ATTRIBUTE = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?""")


class InlineSvg:
    """The markup of one inline `<svg>` element, fed the walker's events until its end tag."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._open: list[tuple[str, str]] = []  # (lower-case name, name as written) of open elements
        self.links: list[str] = []  # pictures it shows by link (`<image xlink:href="cover.jpg">`)
        self._prefixes = {"xml", "xmlns", "xlink"}  # attribute prefixes bound in the file written

    @property
    def done(self) -> bool:
        return bool(self._parts) and not self._open

    def start(self, tag: str, attrs: list[tuple[str, str | None]], raw: str, closed: bool = False) -> None:
        name, attributes = _as_written(tag, attrs, raw)
        if not self._parts:  # the root: a standalone file needs the namespaces an HTML page implies
            attributes.setdefault("xmlns", _SVG_NS)
            attributes.setdefault("xmlns:xlink", _XLINK_NS)  # `<use xlink:href>` below needs it bound
            self._prefixes |= {key.partition(":")[2] for key in attributes if key.startswith("xmlns:")}
        # an editor's own attributes (`inkscape:label`) with no namespace declared would make it no XML
        attributes = {
            k: v for k, v in attributes.items() if k.partition(":")[0] in self._prefixes or ":" not in k
        }
        if tag == "image":
            href = attributes.get("href") or attributes.get("xlink:href") or ""
            if href and not href.startswith(("#", "data:")):  # a data: picture is part of the drawing
                self.links.append(href)
        written = "".join(f" {key}={quoteattr(value)}" for key, value in attributes.items())
        self._parts.append(f"<{name}{written}{'/' if closed else ''}>")
        if not closed:
            self._open.append((tag, name))

    def data(self, text: str) -> None:
        self._parts.append(escape(text))

    def end(self, tag: str) -> None:
        """Close `tag` and any element left open inside it (HTML lets a page omit end tags)."""
        if all(lower != tag for lower, _ in self._open):
            return  # a stray end tag
        while self._open:
            lower, name = self._open.pop()
            self._parts.append(f"</{name}>")
            if lower == tag:
                return

    def markup(self) -> bytes:
        return "".join(self._parts).encode("utf-8")

    def small(self) -> bool:
        """Icon-sized, or empty (a placeholder a page's script fills): not a picture of the page."""
        if len(self._parts) <= 2:  # the root alone, or with its end tag
            return True
        try:
            width, height = svg_size(self.markup())
        except ValueError:  # damaged or sizeless: the picture check says why, if it is kept
            return False
        return min(width, height) < MIN_SIDE


def _as_written(tag: str, attrs: list[tuple[str, str | None]], raw: str) -> tuple[str, dict[str, str]]:
    """The element's name and attributes in the case the page wrote them (see the module doc)."""
    found = _RAW_NAME.match(raw or "")
    name = found.group(1) if found and found.group(1).lower() == tag else tag
    rest = raw[found.end() :] if found else ""
    written = {m.group(1).lower(): m.group(1) for m in _RAW_ATTRIBUTE.finditer(rest)}
    return name, {written.get(key, key): value or "" for key, value in attrs}


def svg_source(children: list, start: int) -> tuple[str, int]:
    """Markdown's view of an `<svg>` written in a paragraph (a pasted Mermaid chart on one line):
    markdown-it cuts it into inline tokens (a tag each, text between, emphasis from a CSS `*`).
    The markup from `children[start]` (an opening `<svg` tag) to its matching `</svg>` put back
    together, and the index after it (the paragraph's end when it is never closed)."""
    parts, depth, position = [], 0, start
    while position < len(children):
        child = children[position]
        position += 1
        if child.type == "html_inline":
            tag = child.content.lstrip()[:5].lower()
            depth += tag[:4] == "<svg" and not child.content.rstrip().endswith("/>")
            depth -= tag == "</svg"
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "code_inline":
            parts.append(html.escape(child.markup + child.content + child.markup, quote=False))
        else:  # text (entities already decoded: escaped again), emphasis markers as written
            parts.append(html.escape(child.content or child.markup, quote=False))
        if depth <= 0:
            break
    return "".join(parts), position


def opens_svg(child) -> bool:
    return child.type == "html_inline" and child.content.lstrip()[:4].lower() == "<svg"
