"""MDX components around Markdown (`<Frame>`, `<Steps>` / `<Step title=...>`, `<Tabs>`), opened up so
the Markdown inside them is read as Markdown.

MDX reads what a component holds on its own lines as Markdown, indented or not: Mintlify's
`<Frame>\\n  ![Panel](/images/panel.png)\\n</Frame>` is a screenshot in a frame. CommonMark sees one
HTML block from `<Frame>` to the next blank line, so the picture was kept as the words
"![Panel](/images/panel.png)", and content indented four spaces under `<Step>` would be code. On
the Dify docs (a Mintlify site in English, Japanese and Chinese) 330 screenshots a language were
read that way, the pictures left over as photos no note shows.

So a line holding only a component's tag (a capitalised name, as JSX tells components from HTML;
an opening tag counted only when its closing tag follows, or self-closing; its attributes may run
over several lines) becomes a blank line, and what the component holds is dedented by the indent of
its first line. A tag's `title`, `label` or `caption`, which the page shows as the step's, tab's or
picture's heading, is kept as a line of its own. Tags inside fenced code, and tags with text on the
same line (`<Info>Saved</Info>`), are left to the HTML reader.
"""

from __future__ import annotations

import re

from indexer.sources.fences import code_fences

_TAG_LINE = re.compile(
    r"^[ \t]*<(?P<close>/)?(?P<name>[A-Z][\w.]*)(?P<attrs>\s[^<>]*?)?(?P<alone>/)?>[ \t]*$"
)
_TAG_START = re.compile(r"^[ \t]*<(?P<name>[A-Z][\w.]*)(?:\s[^<>]*)?$")  # attributes go on below
_SHOWN = re.compile(r"""\b(?:title|label|caption)=(?:"([^"]*)"|'([^']*)'|\{\s*["'`]([^"'`]*)["'`]\s*\})""")


def open_components(text: str) -> str:
    """`text` with component tag lines made blank (their shown title kept) and their content
    dedented, so markdown-it reads it as Markdown (see the module doc)."""
    if "<" not in text or not re.search(r"^[ \t]*<[A-Z]", text, re.MULTILINE):
        return text
    closed = set(re.findall(r"</([A-Z][\w.]*)\s*>", text))
    out: list[str] = []
    indents: list[int | None] = []  # per open component: its content's indent (None: not seen yet)
    pending: list[str] = []  # an opening tag whose attributes run over several lines
    for line, code in code_fences(text.split("\n")):
        if pending:
            pending.append(line)
            if line.rstrip().endswith(">"):
                if not _tag(" ".join(p.strip() for p in pending), out, indents, closed):
                    out.extend(pending)  # not a tag after all: as written
                pending = []
            continue
        body = _dedent(line, indents)
        if not code and _TAG_START.match(body):
            pending = [body]
        elif code or not _tag(body, out, indents, closed):
            out.append(body)
    out.extend(pending)  # an opening tag never closed: as written
    return "\n".join(out)


def _tag(line: str, out: list[str], indents: list[int | None], closed: set[str]) -> bool:
    """Read `line` as a lone component tag into `out` (False when it is not one)."""
    tag = _TAG_LINE.match(line)
    if tag is None or not (tag["close"] or tag["alone"] or tag["name"] in closed):
        return False
    if tag["close"]:
        if indents:
            indents.pop()
        out.append("")
        return True
    shown = [next(v for v in m.groups() if v is not None) for m in _SHOWN.finditer(tag["attrs"] or "")]
    out.extend(["", *(f"{s.strip()}\n" for s in shown if s.strip())])
    if not tag["alone"]:
        indents.append(None)
    return True


def _dedent(line: str, indents: list[int | None]) -> str:
    """`line` without the indent of the innermost open component's content."""
    if not indents or not line.strip():
        return line.lstrip(" \t") if indents else line
    lead = len(line) - len(line.lstrip(" \t"))
    if indents[-1] is None:
        indents[-1] = lead
    return line[min(lead, indents[-1]) :]
