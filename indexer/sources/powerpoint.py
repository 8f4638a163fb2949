"""PowerPoint presentations (`.pptx`): a course's or a talk's slides, a lab meeting's results, a
training deck with its screenshots, read with python-pptx (the field's reader of the format).

A presentation is one document, read as the Impress reader reads one (`odp.py`): each slide a
section headed by its title (`## Slide 3` when it has none), its text boxes (a bullet's level as its
indent), tables (a row per line, cells joined by ` | `) and pictures in reading order (top to
bottom, then left to right; grouped shapes where the group sits), then the speaker notes (`Notes:
...`). A hidden slide is read: it is the author's. Pictures PowerPoint keeps as EMF/WMF (pasted
drawings, an icon's fallback), charts, SmartArt diagrams, embedded objects, videos and audio are
reported once per presentation by kind ("unsupported type"); a picture linked to a file outside the
presentation is "missing"; a picture the deck shows again (a logo on every slide) is read where it
first appears. Slide numbers, dates and footers the master repeats on every slide are not read. The
title is the title property when a slide says it, else the first slide's title with the first line
of its subtitle ("Advanced Programming: Lab 4, CMake": a course's decks share the title), or the
file's name when that says more (`titles.deck_title`); the keywords property gives the tags.

An old PowerPoint 97-2003 file under a `.pptx` name is read by `ppt.py`. A file that is no readable
presentation is said by name: empty, not a zip, a password-protected one (an OLE compound file),
another Office or OpenDocument file under a `.pptx` name, a zip that would unpack past the Word
reader's limits, or one python-pptx cannot read. PowerPoint's `~$name.pptx` lock file is passed over
as hidden files are (`base.HIDDEN`). The slides are walked in `powerpoint_slides.py`, imported when
a deck is read: python-pptx takes ~0.4 s to import, which every start of the indexer and the app
would pay otherwise.
"""

from __future__ import annotations

import io
import zipfile

from indexer.sources.base import ParsedPage, warn
from indexer.sources.doc_properties import keyword_tags
from indexer.sources.docx import MAX_UNPACKED_BYTES, OLE_SIGNATURE, describe_error, says_title
from indexer.sources.titles import deck_title


def parse_pptx(data: bytes, name: str) -> ParsedPage | None:
    """The presentation's page, or None (said why) when it is no readable PowerPoint presentation."""
    if data.startswith(OLE_SIGNATURE) and "EncryptedPackage".encode("utf-16-le") not in data:
        from indexer.sources.ppt import parse_ppt

        return parse_ppt(data, name)  # an old .ppt under a new name: read as what it is
    if problem := _not_a_presentation(data):
        reason, message = problem
        warn(f"{name}: {message}, skipped", file=name, reason=reason)
        return None
    from pptx import Presentation  # here, not at start-up (see the module doc)

    from indexer.sources.powerpoint_slides import Slides

    try:
        deck = Presentation(io.BytesIO(data))
        slides = Slides(name)
        for number, slide in enumerate(deck.slides, 1):
            slides.read(slide, number)
        properties = deck.core_properties
        title, keywords = properties.title or "", properties.keywords or ""
    except Exception as err:  # a reader of untrusted files: whatever it raises is this file's problem
        said = describe_error(err)
        message = f"{name}: not a readable PowerPoint presentation ({said}), skipped"
        warn(message, file=name, reason="unreadable")
        return None
    if slides.left_out:
        kinds = ", ".join(sorted(slides.left_out))
        warn(f"{name}: not read: {kinds}", file=name, reference=kinds, reason="unsupported type")
    page = ParsedPage(tuple(slides.items))
    title = " ".join(title.split())
    tags = keyword_tags(keywords)
    return ParsedPage(
        page.items,
        title=deck_title(title if says_title(page, title) else slides.first_title, name),
        meta={"tags": tags} if tags else {},
    )


def _not_a_presentation(data: bytes) -> tuple[str, str] | None:
    """(reason, message) when the bytes cannot be a .pptx at all."""
    if not data:
        return "empty", "empty file (0 bytes)"
    if data.startswith(OLE_SIGNATURE):
        if "EncryptedPackage".encode("utf-16-le") in data:
            return "unreadable", "password-protected (PowerPoint encrypts it); save a copy without a password"
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return "unreadable", "not a PowerPoint presentation (not a zip file, or a damaged one)"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
        declared = sum(info.file_size for info in archive.infolist())
    if declared > MAX_UNPACKED_BYTES:
        return "too large", f"its parts unpack to {declared:,} bytes (limit {MAX_UNPACKED_BYTES:,})"
    if "ppt/presentation.xml" in names:
        return None
    if "word/document.xml" in names or "xl/workbook.xml" in names or "mimetype" in names:
        other = "a Word document" if "word/document.xml" in names else "another Office or OpenDocument file"
        return "unsupported type", f"{other} under a .pptx name, not a PowerPoint presentation"
    return "unreadable", "a zip file, but not a PowerPoint presentation (no presentation part)"
