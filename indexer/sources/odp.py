"""LibreOffice Impress presentations (`.odp`, and the flat `.fodp`): a talk's or a course's slides,
a lab meeting's results, a training deck with its screenshots.

A presentation is one document: each slide a section headed by its title (`## Slide 3` when it has
none), its text boxes, lists, tables and pictures in reading order (top to bottom, then left to
right, as a person reads a slide; the file keeps them in drawing order, which is not), then the
speaker notes (`Notes: ...`), which often say what the slide only shows. The package is opened as a
Writer document is (`odf_package.py`), and its frames are read by the Writer reader's walk (`odt.py`),
so pictures, tables, lists, what is not read and how problems are said are the same. A hidden slide
is read: it is the author's, kept for a reason. The document's title is its title property when a
slide says it, else the first slide's title.
"""

from __future__ import annotations

import html
import re
from xml.etree import ElementTree

from indexer.sources.base import ParsedPage, warn
from indexer.sources.docx import says_title
from indexer.sources.odf_package import NotRead, keywords, meta_text, open_document, tag
from indexer.sources.odt import Walk, numbered_lists

_PAGE, _NOTES, _FRAME = tag("draw:page"), tag("presentation:notes"), tag("draw:frame")
_CLASS = tag("presentation:class")
_LENGTH = re.compile(r"(-?[\d.]+)\s*(cm|mm|in|pt|pc|px)?")
_CM = {"cm": 1.0, "mm": 0.1, "in": 2.54, "pt": 2.54 / 72, "pc": 2.54 / 6, "px": 2.54 / 96, None: 1.0}


def parse_odp(data: bytes, name: str) -> ParsedPage | None:
    """The presentation's page, or None (said why) when it is no readable OpenDocument presentation."""
    try:
        roots, meta, parts = open_document(data, "presentation")
    except NotRead as problem:
        warn(f"{name}: {problem.message}, skipped", file=name, reason=problem.reason)
        return None
    walk = Walk(parts, {}, numbered_lists(roots))
    body = roots[0].find(f"{tag('office:body')}/{tag('office:presentation')}")
    slides = [] if body is None else [_slide(walk, page, n) for n, page in enumerate(body.iter(_PAGE), 1)]
    page, items = walk.read("".join(html for html, _ in slides), name)
    title = meta_text(meta, "dc:title")
    first = next((heading for _, heading in slides if heading), "")
    return ParsedPage(
        tuple(items),
        title=title if says_title(page, title) else first,
        meta={"tags": tags} if (tags := keywords(meta)) else {},
    )


def _slide(walk: Walk, page: ElementTree.Element, number: int) -> tuple[str, str]:
    """(the slide as HTML, its title or "")."""
    shapes = [child for child in page if child.tag != _NOTES and not _is_title(child)]
    titles = [child for child in page if _is_title(child)]
    heading = " ".join(" ".join("".join(t.itertext()).split()) for t in titles)
    out = [f"<h2>{html.escape(heading or f'Slide {number}')}</h2>"]
    out += [walk.block(shape) for shape in sorted(shapes, key=_position)]
    for notes in page.iter(_NOTES):
        said = [walk.block(f) for f in notes.iter(_FRAME) if f.get(_CLASS) == "notes"]
        if text := "".join(said).strip():
            out.append(f"<p>Notes:</p>{text}")
    return "".join(out), heading


def _is_title(element: ElementTree.Element) -> bool:
    return element.tag == _FRAME and element.get(_CLASS) == "title"


def _position(element: ElementTree.Element) -> tuple[float, float]:
    """Where a shape sits (top, left, in cm): the order a person reads a slide in."""
    return _cm(element.get(tag("svg:y"))), _cm(element.get(tag("svg:x")))


def _cm(length: str | None) -> float:
    match = _LENGTH.match(length or "")
    return float(match.group(1)) * _CM[match.group(2)] if match else 0.0
