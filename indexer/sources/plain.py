"""Plain-text notes (`.txt`): their words as written, titled by their first line.

Simplenote, Notepad and many phone apps keep notes as `.txt` with the title on the first line; no
markup is interpreted (a `*` stays a `*`) and no picture can be linked. Which `.txt` files are a
tool's rather than a note (`requirements.txt`, `robots.txt`) is `site.not_a_note`'s call.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from indexer.sources.base import ParsedPage
from indexer.sources.text import clean_text, decode_text

MAX_TITLE_CHARS = 100


def parse_plain_text(data: bytes, name: str) -> ParsedPage:
    text = clean_text(decode_text(data, name), name)
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    title = first if len(first) <= MAX_TITLE_CHARS else PurePosixPath(name).stem
    return ParsedPage((text,), title=title)
