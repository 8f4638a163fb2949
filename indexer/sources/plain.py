"""Plain-text notes (`.txt`): their words as written, titled by their first line (else their file name).

Simplenote, Notepad and many phone apps keep notes as `.txt` with the title on the first line; no
markup is interpreted (a `*` stays a `*`) and no picture can be linked. Which `.txt` files are a
tool's rather than a note (`requirements.txt`, `robots.txt`) is `site.not_a_note`'s call; a `.txt`
that is a table of numbers (an instrument's readings, an exercise's data set: `6.1101,17.592`) is
data kept beside notes, reported as "excluded" rather than indexed under a title like `2104,3,399900`.
"""

from __future__ import annotations

import re

from indexer.sources.base import ParsedPage, warn
from indexer.sources.text import clean_text, decode_text
from indexer.sources.titles import file_title, opening_title

MAX_TITLE_CHARS = 100
_NUMBERS_ROW = re.compile(r"[-+\d.,;:eE%/|\s]*\d[-+\d.,;:eE%/|\s]*")  # `6.1101,17.592`, `1e-3\t0.5`


def parse_plain_text(data: bytes, name: str) -> ParsedPage | None:
    text = clean_text(decode_text(data, name), name)
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) >= 2 and all(_NUMBERS_ROW.fullmatch(line) for line in lines):
        warn(f"{name}: a table of numbers (data, not a note); not indexed", file=name, reason="excluded")
        return None
    first = opening_title(text)  # past a banner; none when it is a question or an answer (`titles.py`)
    title = first if first and len(first) <= MAX_TITLE_CHARS else file_title(name)
    return ParsedPage((text,), title=title)
