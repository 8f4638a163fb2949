"""Liquid (Jekyll; also Eleventy, GitBook): the template tags in a site's pages, read as it shows them.

Jekyll runs a page through Liquid before Markdown, and its posts link their own pictures through it:
- `{{ site.baseurl }}` and `{{ site.url }}` are the site root: `![Logo]({{ site.baseurl }}/images/
  logo.png)` reads `/images/logo.png`, found from the collection root. Left as written, the spaces in
  the tag kept CommonMark from seeing a link at all: the picture was lost without a word and its
  syntax became words (neoranger/jekyll-now: 38 pictures).
- `{{ "/images/a.png" | relative_url }}` (or `absolute_url`, `prepend: site.baseurl`) is that path
  from the site root.
- Statement tags (`{% if %}`, `{% for %}`, `{% assign %}`, `{% include %}`, `{% raw %}`...) show
  nothing and are dropped, a `{% comment %}` with what it holds; `{% highlight python %}` ...
  `{% endhighlight %}` is a code block, read as a fenced one. Inside `{% raw %}` and fenced code
  nothing is rewritten (a post about Liquid shows its tags there).
"""

from __future__ import annotations

import re

from indexer.sources.fences import code_fences, tags_as_fences

_SITE_ROOT = re.compile(r"(?:\{\{-?\s*site\.(?:baseurl|url)\s*-?\}\})+/?")
_PATH_FILTER = re.compile(
    r"""\{\{-?\s*(['"])(?P<path>[^'"]*)\1\s*\|\s*"""
    r"""(?:relative_url|absolute_url|prepend:\s*site\.(?:baseurl|url))\s*-?\}\}"""
)
_BLOCK = re.compile(r"\{%-?\s*(raw|endraw|comment|endcomment)\s*-?%\}")
_HIGHLIGHT = re.compile(r"^([ \t]*)\{%-?\s*(?:highlight\s+([\w+#.-]*)[^%]*?|(endhighlight))\s*-?%\}[ \t]*$")
_TAG = re.compile(r"\{%-?\s*[A-Za-z_]\w*[^%]*?-?%\}")  # a name first: not TeX's `\texttt{%}`
_OUTPUT = re.compile(r"\{\{[^{}]*\}\}")


def clean_liquid(text: str, outputs: bool = False) -> str:
    """The page with Liquid's tags read as the site shows them (see the module doc). `outputs`: drop
    every other `{{ ... }}` too, for a page known to go through Liquid (elsewhere `{{date}}` is an
    Obsidian template's, `{{embed}}` Logseq's), whose values (`{{ post.title }}`) we cannot know."""
    if "{%" not in text and "{{" not in text:
        return text
    lines = tags_as_fences(text, _HIGHLIGHT)  # a highlight block is a fenced one
    out: list[str] = []
    block = ""  # inside `{% raw %}` or `{% comment %}`: "raw" / "comment"
    for line, code in code_fences(lines):
        if code and not block:
            out.append(line)
            continue
        kept = []
        for index, part in enumerate(_BLOCK.split(line)):
            if index % 2:  # the tag's name, captured by the split
                block = "" if part.startswith("end") else part
            elif block == "raw":
                kept.append(part)
            elif not block:
                part = _PATH_FILTER.sub(lambda m: "/" + m["path"].lstrip("/"), part)
                part = _TAG.sub("", _SITE_ROOT.sub("/", part))
                kept.append(_OUTPUT.sub("", part) if outputs else part)
        out.append("".join(kept))
    return "\n".join(out)
