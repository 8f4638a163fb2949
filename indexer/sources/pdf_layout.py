"""Reading order on a PDF page: a page's lines grouped into text blocks, blocks and pictures ordered.

A PDF holds positioned glyphs, not paragraphs. PDFium gives the characters in the order the file
draws them, and breaks them into lines; here consecutive lines that stack down a column become one
block, and blocks and pictures are put in reading order by recursive XY-cut: the page is cut along
the widest empty horizontal bands first (top to bottom), each band along empty vertical gutters
(left to right), and so on. A two-column page is cut into its columns before its lines, so the
columns' lines never interleave; a heading across both columns, a picture between paragraphs, a
running header each come where they sit. Coordinates are points from the page's top-left corner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

LINE_SPACING = 1.2  # a gap up to this many line heights continues a block (line and paragraph spacing)
ROW_GAP = 3.0  # pieces of one row further apart than this many line heights are separate blocks
OPEN_BLOCKS = 4  # how many of the latest blocks a line may continue (columns side by side)
CUT_TOLERANCE = 1.0  # points two boxes may overlap and still be cut apart (glyph boxes touch)
# PDFium reports a hyphen it sees ending a line as U+0002 and joins the two lines itself
HYPHENS = ("-", "\u00ad", "\x02")
LIGATURES = str.maketrans({"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"})


@dataclass
class Box:
    """Something on a page: a text block (its lines) or a picture (`item`), and where it sits."""

    x0: float
    y0: float
    x1: float
    y1: float
    lines: list[str] = field(default_factory=list)
    item: object = None

    @property
    def text(self) -> str:
        return join_lines(self.lines)


def join_lines(lines: list[str]) -> str:
    """A block's lines as text: a word hyphenated across a line end joined again, ligatures spelled."""
    text = ""
    for line in lines:
        if not text:
            text = line
        elif text.endswith(HYPHENS) and text[-2:-1].isalpha() and line[:1].islower():
            text = text[:-1] + line
        else:
            text += "\n" + line
    text = re.sub(r"(?<=\w)\x02\s*(?=[^\W\d_A-Z])", "", text)  # PDFium's hyphen ending a line, joined
    return text.replace("\x02", "-").replace("\u00ad", "").translate(LIGATURES)


def blocks(lines: list[Box]) -> list[Box]:
    """Lines in the file's order (each a Box of one line) grouped into blocks: a line joins a recent
    block when it is on its last line's row close by, or just below it overlapping it across."""
    found: list[Box] = []
    for line in lines:  # a file may draw two columns' lines row by row: a line continues an open block
        block = next((b for b in reversed(found[-OPEN_BLOCKS:]) if _continues(b, line)), None)
        if block is not None:
            block.lines += line.lines
            block.x0, block.y0 = min(block.x0, line.x0), min(block.y0, line.y0)
            block.x1, block.y1 = max(block.x1, line.x1), max(block.y1, line.y1)
            block.item = line  # the block's last line
        else:
            found.append(Box(line.x0, line.y0, line.x1, line.y1, list(line.lines), line))
    return found


def _continues(block: Box, line: Box) -> bool:
    last = block.item
    height = max(last.y1 - last.y0, line.y1 - line.y0, 1.0)
    same_row = line.y0 < last.y1 and line.y1 > last.y0
    if same_row:
        return line.x0 - last.x1 < ROW_GAP * height and last.x0 - line.x1 < ROW_GAP * height
    below = -0.5 * height <= line.y0 - last.y1 <= LINE_SPACING * height
    return below and line.x0 < block.x1 and line.x1 > block.x0


def reading_order(boxes: list[Box]) -> list[Box]:
    """Recursive XY-cut: bands top to bottom, then columns left to right; what cannot be cut apart
    (overlapping boxes) by its top, then its left edge."""
    if len(boxes) <= 1:
        return list(boxes)
    for vertical in (False, True):
        groups = _cut(boxes, vertical)
        if len(groups) > 1:
            return [box for group in groups for box in reading_order(group)]
    return sorted(boxes, key=lambda b: (b.y0, b.x0))


def _cut(boxes: list[Box], vertical: bool) -> list[list[Box]]:
    """The boxes in groups separated by empty bands (rows) or gutters (`vertical`)."""

    def span(box: Box) -> tuple[float, float]:
        return (box.x0, box.x1) if vertical else (box.y0, box.y1)

    groups: list[list[Box]] = []
    end = float("-inf")
    for box in sorted(boxes, key=span):
        start, stop = span(box)
        if groups and start < end - CUT_TOLERANCE:
            groups[-1].append(box)
        else:
            groups.append([box])
        end = max(end, stop) if len(groups[-1]) > 1 else stop
    return groups


def page_number_like(text: str) -> bool:
    """A running footer that is only a page number: '12', '- 12 -', 'Page 3 of 9', 'iv'."""
    return bool(re.fullmatch(r"(?i)\W*(page|p\.|第)?\s*(\d+|[ivxlc]+)\s*(of|/|页|共)?\s*\d*\s*页?\W*", text))
