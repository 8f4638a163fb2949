"""The Markdown additions of JavaScript site generators (see `site_kinds.py`), read as the site shows them.

A how-to site's page would otherwise lose its pictures without a word, or show its syntax as words:
- Hexo tags: `{% asset_img slug [title] %}` is the picture `slug` of the post's asset folder
  (`source/_posts/<post>/slug`, beside the post `<post>.md`) followed by its title (the caption the
  themes show), `{% asset_path slug %}` that file's path, `{% img [class] /path [w] [h] [title] %}` a
  picture from the site root (`source/`); `{% asset_link slug [title] %}` and `{% post_link slug
  [title] %}` read as their title; `{% codeblock [title] lang:py %}` ... `{% endcodeblock %}` is a
  fenced code block. Other tags (`{% note %}`, GitBook's `{% hint %}`) go as Liquid's do (`liquid.py`:
  the tags dropped, what they hold kept); a GitBook `{% tab title="Linux" %}` reads as its title.
  Inside `{% raw %}` nothing is rewritten.
- A Hexo post's front matter without its opening `---` line (Hexo reads `title: ...` lines up to a
  `---` line as the header): given its opening line, so `split_front_matter` reads it.
- VuePress and VitePress: a `[[toc]]` line (also Typora's `[TOC]`) is the page's table of contents,
  `@[code](./a.js)`, `<<< @/snippets/a.js` and `@include(./part.md)` import other files (code, not
  the page's words): dropped; in `::: tabs`, an `@tab Title` line reads as its title; a heading's
  `{#custom-id}` is dropped; `<img :src="$withBase('/a.png')">` is the picture `/a.png`.
  (`::: tip` containers are read in `mdx.py`, Vue components as HTML.)
- Docsify: the `?> ` and `!> ` that make a paragraph a tip or a warning are dropped, the words kept.
- Zenn: an embed on its own line (`@[card](url)`, `@[tweet](url)`, `@[youtube](id)`, `@[codepen](url)`,
  `@[blueprintue](url)`...) is a player or a card Zenn fetches from elsewhere, nothing of the page's
  own words: dropped, as Hugo's `youtube` and `tweet` shortcodes are (`@card` was read as a word).
Fenced code is left as written.
"""

from __future__ import annotations

import re
import shlex
from pathlib import PurePosixPath

import yaml

from indexer.sources.fences import code_fences, tags_as_fences
from mme_core.documents import IMAGE_EXTENSIONS

_CODEBLOCK = re.compile(
    r"^([ \t]*)\{%-?\s*(?:codeblock\b(?:[^%]*?\blang:([\w+#.-]+))?[^%]*?|(endcodeblock))\s*-?%\}[ \t]*$"
)
_HEXO_TAG = re.compile(
    r"\{%-?\s*(asset_img|asset_path|asset_link|post_link|img|tab)\s+(?P<args>[^%]*?)\s*-?%\}"
)
_RAW = re.compile(r"\{%-?\s*(raw|endraw)\s*-?%\}")
_DROPPED_LINE = re.compile(
    r"^[ \t]*(?:\[\[toc\]\]|\[toc\]|\$\{toc\}"  # a table of contents
    r"|@\[code[^\]]*\]\([^)]*\)|<<<[ \t]+[@.]\S*.*|@include\([^)]*\)"  # another file's code, or page
    r"|@\[(?:card|tweet|youtube|gist|github|codepen|codesandbox|stackblitz|jsfiddle|slideshare|speakerdeck"
    r"|docswell|figma|blueprintue|mermaid)\]\([^)\n]*\))[ \t]*$",  # Zenn's embeds
    re.IGNORECASE,
)
_TAB = re.compile(r"^([ \t]*)@tab(?::active)?(?:[ \t]+(.*))?$")
_HEADING_ID = re.compile(r"^(#{1,6}[ \t].*?)[ \t]+\{#[\w.:-]+\}[ \t]*$")
_DOCSIFY_NOTE = re.compile(r"^([ \t]*)[?!]>[ \t]+")
_VUE_SRC = re.compile(  # `:src="$withBase('/a.png')"`, `:src="withBase('/a.png')"`, `:src="'/a.png'"`
    r""":src=(["'])\s*(?:\$?withBase\(\s*)?(['"`])(?P<path>[^'"`]+)\2\s*\)?\s*\1"""
)
_MARKS = (
    "{%",
    "[[",
    "[toc]",
    "[TOC]",
    "${toc}",
    "@",
    "<<<",
    "{#",
    "?>",
    "!>",
    ":src=",
)  # none: nothing to do
_HEXO_HEADER_START = re.compile(
    r"(?:title|date|tags|categories|layout|updated|permalink)[ \t]*:", re.IGNORECASE
)


def hexo_front_matter(text: str) -> str:
    """The page with a Hexo header that lacks its opening `---` given one (see the module doc)."""
    if not _HEXO_HEADER_START.match(text):
        return text
    lines = text.split("\n", 80)
    end = next((i for i, line in enumerate(lines[:80]) if line.rstrip() == "---"), None)
    if end is None:
        return text
    try:
        header = yaml.safe_load("\n".join(lines[:end]))
    except yaml.YAMLError:
        return text
    keys = {str(key).lower() for key in header} if isinstance(header, dict) else set()
    if len(keys) > 1 and {"title", "date"} & keys:  # one line above `---` is a heading (setext)
        return "---\n" + text
    return text


def clean_site_markup(text: str, name: str) -> str:
    """The page `name` (collection-relative, for a post's asset folder) with the site generators'
    additions read as the site shows them (see the module doc)."""
    if not any(mark in text for mark in _MARKS):
        return text
    lines = tags_as_fences(text, _CODEBLOCK) if "codeblock" in text else text.split("\n")
    assets = PurePosixPath(name).stem  # Hexo's post asset folder, beside the post
    out: list[str] = []
    raw = False
    for line, code in code_fences(lines):
        if code:
            out.append(line)
            continue
        if _DROPPED_LINE.match(line):
            out.append("")
            continue
        if tab := _TAB.match(line):
            line = tab[1] + (tab[2] or "")
        line = _HEADING_ID.sub(r"\1", line)
        line = _DOCSIFY_NOTE.sub(r"\1", line)
        if ":src=" in line:  # a Vue binding whose value is a picture's path: that picture
            line = _VUE_SRC.sub(lambda m: f'src="{m["path"]}"', line)
        if "{%" in line:
            parts = _RAW.split(line)
            for index, part in enumerate(parts):
                if index % 2:
                    raw = part == "raw"
                    parts[index] = "{% " + part + " %}"  # left for `liquid.py`, which drops it
                elif not raw:
                    parts[index] = _HEXO_TAG.sub(lambda m: _hexo_tag(m[1], m["args"], assets), part)
            line = "".join(parts)
        out.append(line)
    return "\n".join(out)


def _hexo_tag(tag: str, text: str, assets: str) -> str:
    args = _arguments(text)
    if tag == "tab":  # GitBook's `{% tab title="Linux" %}`
        return next((arg.partition("=")[2] for arg in args if arg.startswith("title=")), "")
    if tag in ("asset_link", "post_link"):
        return " ".join(args[1:] if len(args) > 1 else args[:1]).removesuffix(" true").removesuffix(" false")
    if tag == "asset_path":
        return f"{assets}/{args[0]}" if args else ""
    # `{% img [class names] /path [width] [height] [title [alt]] %}`, `{% asset_img [class] slug ... %}`
    at = next((i for i, arg in enumerate(args) if arg.lower().endswith(IMAGE_EXTENSIONS)), None)
    if at is None:
        at = 0 if tag == "asset_img" and args else None
    if at is None:
        return ""
    source = args[at] if tag == "img" else f"{assets}/{args[at]}"
    words = [arg for arg in args[at + 1 :] if not re.fullmatch(r"\d+(?:px|%)?", arg)]
    title = " ".join(dict.fromkeys(" ".join(words).replace('"', " ").replace("'", " ").split()))
    alt = title.replace("[", "\\[").replace("]", "\\]")
    return f"![{alt}](<{source}>)" + (f" {title}" if title else "")


def _arguments(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:  # an unclosed quote (an apostrophe in a title): the words as they are
        return text.split()
