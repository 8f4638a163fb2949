"""Fenced code blocks in a note's lines, for the line-level readers of note syntax (logseq.py, mdx.py,
liquid.py, shortcodes.py): what sits in a fence is code, never rewritten."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

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


def outside_code(text: str, rewrite: Callable[[str], str]) -> str:
    """`text` with `rewrite` applied to each run of lines outside fenced code, whole (so what it
    rewrites may span lines: a `{/* comment */}`, a shortcode's arguments)."""
    runs: list[tuple[bool, list[str]]] = []
    for line, code in code_fences(text.split("\n")):
        if runs and runs[-1][0] == code:
            runs[-1][1].append(line)
        else:
            runs.append((code, [line]))
    return "\n".join("\n".join(lines) if code else rewrite("\n".join(lines)) for code, lines in runs)


def tags_as_fences(text: str, tag: re.Pattern) -> list[str]:
    """The lines of `text`, each outside fenced code that `tag` matches whole (a template's
    `{% highlight go %}` / `{% endhighlight %}`, groups: indent, language, closing) made a code fence."""
    out = []
    for line, code in code_fences(text.split("\n")):
        match = None if code else tag.match(line)
        out.append(line if match is None else match[1] + "```" + ("" if match[3] else match[2] or ""))
    return out
