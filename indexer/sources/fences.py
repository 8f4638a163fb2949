"""Fenced code blocks in a note's lines, for the line-level readers of note syntax (logseq.py, mdx.py):
what sits in a fence is code, never rewritten."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

# "```" or "~~~" opening a line, also as a Logseq block's first line (`- ```python`)
FENCE = re.compile(r"^[ \t]*(?:[-*+][ \t]+)?(```+|~~~+)")


def code_fences(lines: Iterable[str]) -> Iterator[tuple[str, bool]]:
    """Each line with whether it belongs to a fenced code block (its fence lines included)."""
    fence = ""
    for line in lines:
        if fence:
            if line.strip().startswith(fence):
                fence = ""
            yield line, True
        elif opening := FENCE.match(line):
            fence = opening.group(1)
            yield line, True
        else:
            yield line, False
