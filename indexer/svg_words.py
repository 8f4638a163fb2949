"""The words an SVG diagram holds, in its note's keyword text: "wiring diagram relay" finds the note
whose drawing labels the relay, though the note's own words never name it.

A diagram's labels are text inside the file (`<text>`, `<title>`, `<desc>`, draw.io's HTML labels),
exact and free to read (a few milliseconds), unlike the words of a photo, which need OCR and the
index's `--read-pictures` choice (`indexer.picture_words`). So they are always read, into the same
place: the document's `picture_words` property, one string per picture in order (the row's keyword
text and the card's matched words read it). They never go to the model, which reads the drawing.
When the index reads the words in pictures, an SVG's are these too, not OCR of its drawing.
"""

from __future__ import annotations

from dataclasses import replace

from mme_core.documents import InterleavedDoc
from mme_core.svg import svg_words

PROPERTY = "picture_words"  # as indexer.picture_words.PROPERTY
SVG_SUFFIXES = (".svg", ".svgz")


def is_svg(path: str) -> bool:
    return path.lower().endswith(SVG_SUFFIXES)


def words_of_svg(path: str) -> str:
    """The SVG file's words ("" when it has none or cannot be read: its check says why)."""
    try:
        with open(path, "rb") as stream:
            return svg_words(stream.read())
    except (OSError, ValueError):
        return ""


def add_svg_words(docs: list[InterleavedDoc]) -> list[InterleavedDoc]:
    """`docs` with their SVG pictures' words in `meta["picture_words"]` (other pictures: "");
    a document showing no SVG, or SVGs without words, is returned as it is."""
    known: dict[str, str] = {}  # path -> words: a diagram shown on many pages is read once
    out = []
    for doc in docs:
        paths = [image.path for image in doc.images]
        if not any(map(is_svg, paths)):
            out.append(doc)
            continue
        for path in paths:
            if is_svg(path) and path not in known:
                known[path] = words_of_svg(path)
        words = [known.get(path, "") if is_svg(path) else "" for path in paths]
        out.append(replace(doc, meta={**doc.meta, PROPERTY: words}) if any(words) else doc)
    return out
