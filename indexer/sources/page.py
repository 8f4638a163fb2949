"""A page as its parser saw it, made an interleaved document.

A parser gives, in reading order, text, image links, pictures kept inside the file and Logseq block
references (`ParsedPage`); `build_doc` resolves the pictures (`images.ImageResolver`: said when not
usable, downloaded when asked), the block references, merges adjacent text and titles the document
(its own title, else the opening line that names it, else the file's name: see `titles.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from indexer.sources.embedded import EmbeddedImage
from indexer.sources.images import ImageLink, ImageResolver
from indexer.sources.logseq import BlockIndex, BlockRef
from indexer.sources.titles import TITLE_MAX_CHARS, file_title, opening_title
from indexer.sources.warning import warn
from mme_core.documents import ImageSegment, InterleavedDoc, Segment, TextSegment


def first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:TITLE_MAX_CHARS]
    return ""


@dataclass(frozen=True)
class ParsedPage:
    """A page as its parser saw it: an optional title, in reading order its text, image links and
    pictures kept inside it, and the reader metadata for `InterleavedDoc.meta` ("tags", "aliases",
    "properties")."""

    items: tuple[str | ImageLink | EmbeddedImage | BlockRef, ...]
    title: str = ""
    meta: dict = field(default_factory=dict, compare=False)
    vault_title: str = ""  # the title instead when the page sits in an Obsidian vault (its file name)
    key: str = ""  # in a file holding many notes (an Evernote export, a book's chapters): this one's


def add_text(items: list, text: str) -> None:
    """Append `text` to a page's items as a parser builds them: joined to the text before it, a new
    item after a picture."""
    if not text:
        return
    if items and isinstance(items[-1], str):
        items[-1] += text
    else:
        items.append(text)


def end_lines(items: list, count: int) -> None:
    """End the text so far with at least `count` line breaks (trailing spaces dropped; none at the
    very start, and after a picture exactly `count`)."""
    if items and isinstance(items[-1], str):
        text = items[-1].rstrip(" \t")
        items[-1] = text + "\n" * max(count - (len(text) - len(text.rstrip("\n"))), 0)
    elif items:
        items.append("\n" * count)


# What a parser gives for one file: a page, the pages of a file that holds many notes (each with its
# own stable `key`; the document ids are then `file/key`), or None when it read nothing (said why).
Parsed = ParsedPage | list[ParsedPage] | None


def build_doc(
    page: ParsedPage,
    images: ImageResolver,
    base_dir: Path,
    name: str,
    blocks: BlockIndex | None = None,
    **provenance,
) -> InterleavedDoc | None:
    """Resolve a parsed page's images and block references, merge adjacent text; None (warned) if
    nothing is left. `name` is the file, as problems are reported; a page that is one of a file's
    many notes is named in messages by its title or key too."""
    segments: list[Segment] = []
    images.videos.start_note()  # its own bound on pictures of videos (`note_videos.py`)
    if images.remote is not None:  # a note's web pictures download side by side
        images.remote.prefetch([item.target for item in page.items if isinstance(item, ImageLink)])
    for item in page.items:
        if isinstance(item, BlockRef):
            block = blocks.find(item.uuid) if blocks is not None else None
            if block is not None:
                images.depend_on(block[1])  # the note is read again when that file changes
            item = block[0] if block is not None else ""
        if isinstance(item, (ImageLink, EmbeddedImage)):
            if isinstance(item, ImageLink):
                image = images.resolve(item, base_dir, name)
            else:
                image = images.embedded(item, name)
            for part in image if isinstance(image, list) else [image]:  # a video: its words and frames
                if isinstance(part, str):
                    _add_text(segments, part)
                elif part is not None:
                    segments.append(part)
        else:
            _add_text(segments, item)
    segments = [_tidy(s) for s in segments]
    segments = [s for s in segments if isinstance(s, ImageSegment) or s.text]
    if not segments:
        which = f"{name} ({page.title or page.key})" if page.key else name
        warn(f"{which}: no text and no readable image, document skipped", file=name, reason="empty")
        return None
    # no title of its own: the opening line that names it, else the file's name (see `titles.py`)
    title = (
        page.title.strip()[:TITLE_MAX_CHARS]
        or opening_title(next((s.text for s in segments if isinstance(s, TextSegment)), ""))
        or file_title(name)
    )
    meta = {"tags": [], "aliases": [], "properties": {}, **page.meta}
    return InterleavedDoc(tuple(segments), title=title, meta=meta, **provenance)


def _add_text(segments: list[Segment], text: str) -> None:
    if segments and isinstance(segments[-1], TextSegment):
        previous = segments[-1].text  # joined where an image was skipped: no double space
        segments[-1] = TextSegment(previous + (text.lstrip(" \t") if previous[-1:].isspace() else text))
    else:
        segments.append(TextSegment(text))


def _tidy(segment: Segment) -> Segment:
    if isinstance(segment, ImageSegment):
        return segment
    text = re.sub(r"[ \t]+\n", "\n", segment.text)
    return TextSegment(re.sub(r"\n{3,}", "\n\n", text).strip())


# --- folders -------------------------------------------------------------------------------------
