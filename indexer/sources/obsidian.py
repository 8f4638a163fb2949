"""Obsidian's Markdown additions as a markdown-it-py plugin: wiki links and embeds, callouts, #tags.

Rules run inside markdown-it, so code spans and fenced/indented code blocks are excluded for free:
an `![[x.png]]` or a `#tag` inside code is code, not a picture or a tag.
(mdit-py-plugins 0.7 has no wiki-link plugin, and markdown-it-py's built-in `alerts` know only
GitHub's five callout types without titles, so both are ours.)

- `[[Note]]`, `[[Note|alias]]`, `[[Note#Heading]]`, `![[name.png|300]]`, `![[sub/name.jpg#anchor]]`
  become one `wikilink` token (meta: embed, path, anchor, label; markup: as written); `link_text` the
  words a reader sees ("alias", or "Note > Heading").
- `> [!tip]- Title` callouts: the `[!type]` marker and its fold sign go, the title and body stay.
- Comments `%%hidden%%` and `%%` blocks (to the next `%%`, or the note's end) are dropped: Obsidian
  shows them only while editing (the Excalidraw plugin keeps a drawing's JSON in one).
- Footnotes (Obsidian, GitHub, Pandoc): a marker `[^1]` / `[^note]` in the text is dropped, as a
  page shows it as a small number; a definition `[^1]: text` keeps its text where it is written.
  (CommonMark alone reads a one-word definition, `[^1]: Wikipedia`, as a link reference and drops it,
  and left the markers as words: "initdoc" in a Chinese sentence.)
- `==highlighted words==` (Obsidian, Typora, Bear): the words stay, the `==` go (a `mark` token).
  A mark does not cross a link's bounds: `see [==important](a.md) note==` keeps its link whole.
- Block ids (`^abc123` ending a paragraph or list item, or alone on the line after a table or
  quote): dropped, as Obsidian shows nothing of them; they were words ("Pump ^Xk3jd9aa").
- Inline tags (`#tag`, `#a/b`, `#菜谱`) after whitespace or at a line start, with at least one
  non-digit, are collected into `env["tags"]`; not in code, links, URLs (`/page#part`) or escapes.
"""

from __future__ import annotations

import bisect
import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock, reference
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline

_CALLOUT = re.compile(r"\[![^\]\n]+\][+-]?[ \t]*")
_FOOTNOTE = re.compile(r"\[\^[^\s\[\]]+\](:[ \t]*)?")
_TAG = re.compile(r"(?<!\S)#([\w/-]+)")
_MARK_STOP = re.compile(r"[\\`\[\]]")  # what a mark's closing `==` may be inside of
_BACKTICKS = re.compile(r"`+")
# `==` after a non-space, before neither `=` nor a Latin letter, digit or `_` (see `_highlight`)
_CLOSER = re.compile(r"(?<=\S)==(?![=A-Za-z0-9_])")
_BLOCK_ID = re.compile(r"(?:^|[ \t]+)\^[A-Za-z0-9-]+[ \t]*$")  # Latin letters, digits and dashes only


def obsidian_plugin(md: MarkdownIt) -> None:
    md.block.ruler.before(
        "fence", "obsidian_comment", _comment_block, {"alt": ["paragraph", "reference", "blockquote", "list"]}
    )
    md.block.ruler.at("reference", _reference_not_footnote)
    md.inline.ruler.before("text", "obsidian_comment", _comment_inline)
    md.inline.ruler.before("link", "wikilink", _wikilink)
    md.inline.ruler.before("link", "footnote_mark", _footnote_mark)
    md.inline.ruler.before("emphasis", "highlight", _highlight)
    md.core.ruler.after("block", "callouts", _strip_callout_markers)
    md.core.ruler.before("text_join", "tags", _collect_tags)  # before escapes (`\#x`) join the text
    md.core.ruler.after("text_join", "block_ids", _drop_block_ids)


def link_text(path: str, anchor: str, label: str) -> str:
    """What Obsidian shows for a link: the alias, else `Note > Heading` (block ids `^abc` dropped)."""
    if label:
        return label
    headings = [h.strip() for h in anchor.split("#") if h.strip() and not h.strip().startswith("^")]
    shown = path[:-3] if path.lower().endswith(".md") else path
    if shown.lower().endswith(".excalidraw"):  # a drawing, titled without it (see excalidraw.py)
        shown = shown[: -len(".excalidraw")]
    return " > ".join(part for part in (shown, *headings) if part)


def _comment_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A line opening with `%%` and not closing it: hidden up to the line with the next `%%`."""
    if state.sCount[start_line] - state.blkIndent >= 4:  # indented code
        return False
    first = state.src[state.bMarks[start_line] + state.tShift[start_line] : state.eMarks[start_line]]
    if not first.startswith("%%") or "%%" in first[2:]:  # `%%one line%% text`: the inline rule's
        return False
    if silent:
        return True
    line = start_line + 1
    while line < end_line and "%%" not in state.src[state.bMarks[line] : state.eMarks[line]]:
        line += 1
    state.line = min(line + 1, end_line)  # unclosed: hidden to the end, as Obsidian hides it
    token = state.push("obsidian_comment", "", 0)
    token.map = [start_line, state.line]
    return True


def _reference_not_footnote(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if state.src.startswith("[^", state.bMarks[start_line] + state.tShift[start_line]):
        return False  # a footnote: a paragraph, read as written
    return reference(state, start_line, end_line, silent)


def _comment_inline(state: StateInline, silent: bool) -> bool:
    if not state.src.startswith("%%", state.pos):
        return False
    end = state.src.find("%%", state.pos + 2)
    state.pos = len(state.src) if end < 0 else end + 2  # nothing pushed: the comment is not text
    return True


def _footnote_mark(state: StateInline, silent: bool) -> bool:
    """`[^1]` in the text: dropped; `[^1]: ` opening a line (a definition): dropped, its text kept."""
    if not state.src.startswith("[^", state.pos):
        return False
    found = _FOOTNOTE.match(state.src, state.pos)
    if found is None:
        return False
    at_line_start = state.pos == 0 or state.src[state.pos - 1] == "\n"
    if found.group(1) is not None and not at_line_start:
        state.pos = found.start() + found.group(0).index("]") + 1  # `[^1]:` mid-line: the marker only
    else:
        state.pos = found.end()  # nothing pushed: a marker is not words
    return True


def _highlight(state: StateInline, silent: bool) -> bool:
    """`==words==`: a `mark` around the words, parsed as inline Markdown. As for `**`, the opening
    `==` is followed and the closing one preceded by a non-space (`a == b == c` stays as written);
    and neither touches a Latin letter or digit outside: `head==tail, waitStatus==0` is code-like
    prose (the tools without this mark, VuePress, GitHub, show it as written), `这是==重点==` a mark.
    A mark does not cross a link's bounds (its words hold as many `[` as `]`): a link read first is
    read whole, and `see [==important](a.md) note==`, a mark opened in a link's label and closed
    after the link, reads as `see [important](a.md) note` (both `==` dropped, the link kept)."""
    start, src = state.pos, state.src
    cut: set[int] = state.__dict__.setdefault("cut_marks", set())
    if start in cut and src.startswith("==", start):  # closes a mark a link's label cut (below)
        state.pos = start + 2
        return True
    if not src.startswith("==", start) or src[start + 2 : start + 3] in ("", "=", " ", "\t", "\n"):
        return False
    if start and _identifier_char(src[start - 1]):
        return False
    closers = state.__dict__.get("mark_closers")
    if closers is None:  # where a mark may close, once per paragraph: most `==` open no mark
        closers = state.__dict__["mark_closers"] = [m.start() for m in _CLOSER.finditer(src)]
    if bisect.bisect_left(closers, start + 3) == len(closers):
        return False
    # silent: a link's label being measured, whose `]` the mark must not pass
    end, bracket = _closing_mark(src, closers, start + 3, state.posMax, stop_at_bracket=silent)
    if end < 0 and not silent and src[state.posMax : state.posMax + 1] == "]":  # in a link's label
        bracket = state.posMax
    after = _closing_mark(src, closers, bracket + 1, len(src), True)[0] if bracket >= 0 else -1
    if after >= 0:  # closed after the link: neither `==` is words, the label's are as written
        cut.add(after)  # (an image's label is parsed apart, from its words alone: said when measured)
        if not silent:
            state.pos = start + 2
            return True
    if end < 0:
        return False
    if not silent:
        state.push("mark_open", "mark", 1).markup = "=="
        outer_max, state.pos, state.posMax = state.posMax, start + 2, end
        state.md.inline.tokenize(state)
        state.posMax = outer_max
        state.push("mark_close", "mark", -1).markup = "=="
    state.pos = end + 2
    return True


def _closing_mark(
    src: str, closers: list[int], pos: int, limit: int, stop_at_bracket: bool
) -> tuple[int, int]:
    """(where the `==` closing a mark is, from `pos` up to `limit`, or -1; where the `]` that stopped
    the search is, or -1). Of `closers` (where one may be), the first not inside a code span, an
    escape, or brackets opened after `pos`; past a `]` closing one opened before it only when not
    `stop_at_bracket` (a stray `]` in prose)."""
    depth = 0
    while pos < limit:
        found = _MARK_STOP.search(src, pos, limit)
        index = bisect.bisect_left(closers, pos)
        closer = closers[index] if index < len(closers) and closers[index] + 2 <= limit else -1
        if closer >= 0 and (found is None or closer < found.start()):
            if depth == 0:
                return closer, -1
            pos = closer + 1  # inside brackets opened after the mark's start: not its end
            continue
        if found is None:
            return -1, -1
        pos, char = found.start(), found.group()
        if char == "\\":
            pos += 2
        elif char == "`":  # a code span: to the next run of as many backticks, if any
            run = _BACKTICKS.match(src, pos, limit).end() - pos
            close = re.compile(f"(?<!`){'`' * run}(?!`)").search(src, pos + run, limit)
            pos = close.end() if close else pos + run
        elif char == "[":
            depth, pos = depth + 1, pos + 1
        else:  # `]`
            if depth == 0 and stop_at_bracket:
                return -1, pos
            depth, pos = max(depth - 1, 0), pos + 1
    return -1, -1


def _identifier_char(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char == "_")


def _wikilink(state: StateInline, silent: bool) -> bool:
    start = state.pos
    embed = state.src.startswith("!", start)
    opening = start + 1 if embed else start
    if not state.src.startswith("[[", opening):
        return False
    end = state.src.find("]]", opening + 2)
    if end < 0:
        return False
    inner = state.src[opening + 2 : end]
    if not inner.strip() or "\n" in inner or "[[" in inner:
        return False
    if not silent:
        target, _, label = inner.partition("|")
        path, _, anchor = target.rstrip("\\").partition("#")  # `\|` escapes the pipe inside tables
        token = state.push("wikilink", "", 0)
        token.markup = state.src[start : end + 2]
        token.meta = {
            "embed": embed,
            "path": path.strip(),
            "anchor": anchor.strip(),
            "label": label.strip(),
        }
    state.pos = end + 2
    return True


def _strip_callout_markers(state: StateCore) -> None:
    tokens = state.tokens
    for position, token in enumerate(tokens[:-2]):
        if token.type != "blockquote_open" or tokens[position + 1].type != "paragraph_open":
            continue
        inline = tokens[position + 2]
        marker = _CALLOUT.match(inline.content)
        if inline.type == "inline" and marker:
            rest = inline.content[marker.end() :]
            inline.content = rest[1:] if rest.startswith("\n") else rest  # no title: body starts the text


def _collect_tags(state: StateCore) -> None:
    tags: list[str] = state.env.setdefault("tags", [])
    for token in state.tokens:
        if token.type != "inline":
            continue
        in_link = 0
        for child in token.children or []:
            if child.type == "link_open":
                in_link += 1
            elif child.type == "link_close":
                in_link -= 1
            elif child.type == "text" and not in_link:
                for match in _TAG.finditer(child.content):
                    tag = match.group(1).strip("/")
                    if re.search(r"[^\d/-]", tag):  # `#2024` is a number, not a tag
                        tags.append(tag)


def _drop_block_ids(state: StateCore) -> None:
    for token in state.tokens:
        if token.type == "inline" and token.children and token.children[-1].type == "text":
            last = token.children[-1]
            last.content = _BLOCK_ID.sub("", last.content)
