"""Liquid (Jekyll; also Eleventy, GitBook): the template tags in a site's pages, read as it shows them.

Jekyll runs a page through Liquid before Markdown, and its posts link their own pictures through it:
- `{{ site.baseurl }}` and `{{ site.url }}` are the site root: `![Logo]({{ site.baseurl }}/images/
  logo.png)` reads `/images/logo.png`, found from the collection root. Left as written, the spaces in
  the tag kept CommonMark from seeing a link at all: the picture was lost without a word and its
  syntax became words (neoranger/jekyll-now: 38 pictures).
- `{{ "/images/a.png" | relative_url }}` (or `absolute_url`, `prepend: site.baseurl`) is that path
  from the site root.
- A picture include, `{% include image.html url="/assets/a.png" description="Step 2" %}` (or
  `figure.html image=... caption=...`, `img.html src=... alt=...`), is the picture in place followed
  by its caption (`caption`, `description`, `title` or `alt`) as words. The include's own file in the
  site's `_includes/` decides: one that shows an `<img>` is a picture, its `src` read from the
  template (`/assets/images/docs/{{ include.image }}`, `{{ include.img | prepend: '/images/' }}`:
  the parameter put in its place; of the branches of its `{% if %}`s and `{% capture %}`d
  variables, the first naming a file of the collection, else the last, said missing), else the
  parameter named `url`, `src`, `image`, `image_path`, `path`, `file` or `img`; one that shows
  none (`toc.html`), or only a picture of its own (a card's default cover), shows nothing. A
  theme's include, not in the collection, is a picture only when named so (`image`, `img`,
  `figure`, `picture`, `photo`, `screenshot`...). An include written over several lines is read
  whole.
- Statement tags (`{% if %}`, `{% for %}`, `{% assign %}`, other `{% include %}`s, `{% raw %}`...)
  show nothing and are dropped, a `{% comment %}` with what it holds; `{% highlight python %}` ...
  `{% endhighlight %}` is a code block, read as a fenced one. Inside `{% raw %}` and fenced code
  nothing is rewritten (a post about Liquid shows its tags there).
"""

from __future__ import annotations

import re
from html import escape

from indexer.sources.fences import code_fences, outside_code, tags_as_fences
from indexer.sources.site_includes import jekyll_include, page_shows

_SITE_ROOT = re.compile(r"(?:\{\{-?\s*site\.(?:baseurl|url)\s*-?\}\})+/?")
_PATH_FILTER = re.compile(
    r"""\{\{-?\s*(['"])(?P<path>[^'"]*)\1\s*\|\s*"""
    r"""(?:relative_url|absolute_url|prepend:\s*site\.(?:baseurl|url))\s*-?\}\}"""
)
_BLOCK = re.compile(r"\{%-?\s*(raw|endraw|comment|endcomment)\s*-?%\}")
_HIGHLIGHT = re.compile(r"^([ \t]*)\{%-?\s*(?:highlight\s+([\w+#.-]*)[^%]*?|(endhighlight))\s*-?%\}[ \t]*$")
_TAG = re.compile(  # a name first: not TeX's `\texttt{%}`; a value may hold `%` (`width="100%"`)
    r"\{%-?\s*[A-Za-z_]\w*(?:[^%]|%(?!\}))*?-?%\}"
)
_OUTPUT = re.compile(r"\{\{[^{}]*\}\}")
_INCLUDE = re.compile(r"\{%-?\s*include\s+(?P<file>[\w./-]+)(?P<args>(?:[^%]|%(?!\}))*?)-?%\}")
_PARAM = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))""")
_RAW_BLOCK = re.compile(r"(\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\})", re.DOTALL)
PICTURE_PARAMS = ("url", "src", "image", "image_path", "path", "file", "img")
CAPTION_PARAMS = ("caption", "description", "title", "alt")
_PICTURE_NAME = re.compile(
    r"(?:image|img|figure|fig|picture|photo|screenshot)s?(?:[-_][\w-]*)?(?:\.html?)?", re.I
)
_IMG_SRC = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*(?:"(?P<d>[^"]*)"|'(?P<s>[^']*)')""", re.DOTALL)
_CAPTURE = re.compile(r"\{%-?\s*capture\s+([\w-]+)\s*-?%\}(.*?)\{%-?\s*endcapture\s*-?%\}", re.DOTALL)
_ANY_TAG = re.compile(r"\{%.*?%\}", re.DOTALL)
_VALUE = re.compile(r"""\{\{-?\s*("[^"]*"|'[^']*'|[\w.-]+)\s*((?:\|[^}]*)?)-?\}\}""")
_AFFIX = re.compile(r"""\|\s*(prepend|append)\s*:\s*("[^"]*"|'[^']*'|[\w.-]+)""")


def clean_liquid(text: str, outputs: bool = False, html: bool = False) -> str:
    """The page with Liquid's tags read as the site shows them (see the module doc). `outputs`: drop
    every other `{{ ... }}` too, for a page known to go through Liquid (elsewhere `{{date}}` is an
    Obsidian template's, `{{embed}}` Logseq's), whose values (`{{ post.title }}`) we cannot know.
    `html`: the page is HTML (a picture include becomes an `<img>`, not Markdown's `![]()`)."""
    if "{%" not in text and "{{" not in text:
        return text
    if "include" in text:  # picture includes, read whole (over several lines too), not in raw blocks
        text = outside_code(text, lambda part: _include_pictures(part, html))
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


def _include_pictures(text: str, html: bool) -> str:
    parts = _RAW_BLOCK.split(text)
    return "".join(
        part if index % 2 else _INCLUDE.sub(lambda m: _include(m, html), part)
        for index, part in enumerate(parts)
    )


def _include(match: re.Match, html: bool = False) -> str:
    """A picture include as the picture and its caption (see the module doc); any other shows
    nothing (as a statement tag)."""
    params = {
        m[1].lower(): m[2] if m[2] is not None else m[3] if m[3] is not None else None
        for m in _PARAM.finditer(match["args"])
    }  # an unquoted value is a variable: unknown
    template = jekyll_include(match["file"])
    if template is None and not _PICTURE_NAME.fullmatch(match["file"].rsplit("/", 1)[-1]):
        return ""
    candidates = _template_sources(template, params) if template is not None else []
    if template is not None and not _IMG_SRC.search(template) and "![" not in template:
        return ""  # an include showing no picture (a table of contents): nothing
    candidates += [params[key] for key in PICTURE_PARAMS if params.get(key)]
    candidates = [c.strip() for c in candidates if c and c.strip()]
    if not candidates:
        return ""
    given = {params[key] for key in PICTURE_PARAMS if params.get(key)}  # what the template adds to
    fallback = next((c for c in reversed(candidates) if c not in given), candidates[0])  # said missing
    source = next((c for c in candidates if page_shows(c)), fallback)
    caption = next((params[key] for key in CAPTION_PARAMS if params.get(key)), "")
    words = " ".join(re.sub(r"<!--.*?-->|<[^>]+>", " ", caption, flags=re.DOTALL).split())
    if html:
        return f'<img src="{escape(source)}" alt="{escape(words)}">' + (f" {escape(words)}" if words else "")
    alt = words.replace("[", "\\[").replace("]", "\\]")
    return f"![{alt}](<{source}>)" + (f" {words}" if words else "")


def _template_sources(template: str, params: dict[str, str | None]) -> list[str]:
    """The picture paths an include's template can show with these parameters, in order: each
    branch of its `<img src="...">`, with `{{ include.x }}` the parameter, `{{ site.baseurl }}` the
    site root and a `{% capture %}`d variable its own branches (an unknown value: not a path). Only
    paths the parameters make: a template's fixed picture (a default cover) is its theme's art."""
    captures = {name: body for name, body in _CAPTURE.findall(template)}
    found = []
    for img in _IMG_SRC.finditer(template):
        found += _branches(img["d"] if img["d"] is not None else img["s"], params, captures, 0)
    given = [value for value in params.values() if value]
    return [path for path in found if any(value in path for value in given)]


def _branches(expression: str, params, captures: dict[str, str], depth: int) -> list[str]:
    """The paths a template's `expression` may give: each way through its `{% if %}` branches, with
    its values read (see `_value`); one with a value we cannot know, or naming a folder, is none."""
    if depth > 5:
        return []
    out: list[str] = []
    for text in _alternatives(_ANY_TAG.split(expression), _ANY_TAG.findall(expression)):
        combos, at = [""], 0
        for value in _VALUE.finditer(text):
            options = _value(value[1], params, captures, depth)
            options = [
                o for o in (_filtered(option, value[2], params) for option in options) if o is not None
            ]
            combos = [c + text[at : value.start()] + option for c in combos for option in options[:4]]
            at = value.end()
        combos = [(c + text[at:]).strip() for c in combos]
        out += [c for c in combos if c and not c.endswith("/") and "{{" not in c and "}}" not in c]
    return list(dict.fromkeys(out))


_BRANCH_TAG = re.compile(r"\{%-?\s*(if|unless|elsif|else|endif|endunless)\b", re.IGNORECASE)


def _alternatives(texts: list[str], tags: list[str]) -> list[str]:
    """The template text `texts` (split by its `tags`) as it reads through each branch of its `if`s."""
    found, _ = _sequence(texts, tags, 0)
    return found[:16]


def _sequence(texts: list[str], tags: list[str], at: int) -> tuple[list[str], int]:
    """The alternatives from `texts[at]` on, to the tag ending this branch (its index returned)."""
    combos = [texts[at]]
    while at < len(tags):
        kind = _BRANCH_TAG.match(tags[at])
        name = kind[1].lower() if kind else ""
        if name in ("elsif", "else", "endif", "endunless"):
            return combos, at
        if name in ("if", "unless"):
            branches, at = _block(texts, tags, at + 1)
            combos = [c + b for c in combos for b in branches][:16]
            combos = [c + texts[at + 1] for c in combos] if at < len(tags) else combos
        else:  # `assign`, `comment`...: shows nothing here
            combos = [c + texts[at + 1] for c in combos]
        at += 1
    return combos, at


def _block(texts: list[str], tags: list[str], at: int) -> tuple[list[str], int]:
    """The branches of an `if` whose first branch starts at `texts[at]`; the index of its `endif`."""
    branches, has_else = [], False
    while True:
        found, at = _sequence(texts, tags, at)
        branches += found
        if at >= len(tags):
            return branches, at
        name = _BRANCH_TAG.match(tags[at])[1].lower()
        if name in ("endif", "endunless"):
            return (branches if has_else else [*branches, ""]), at
        has_else |= name == "else"
        at += 1


def _value(name: str, params, captures: dict[str, str], depth: int) -> list[str]:
    """What `{{ name }}` may be in an include's template: a quoted string, the parameter, the site
    root (""), a captured variable's branches; nothing when unknown (that branch names no path)."""
    if name[:1] in "'\"":
        return [name[1:-1]]
    if name.startswith("include."):
        value = params.get(name[len("include.") :].lower())
        return [value] if value else []
    if name in ("site.baseurl", "site.url"):
        return [""]
    if name in captures:
        return _branches(captures[name], params, captures, depth + 1)
    return []


def _filtered(value: str, filters: str, params) -> str | None:
    """`value` through the `prepend:` / `append:` filters of `| prepend: '/assets/images/' |
    relative_url` (the others leave a path as it is); None when one adds what we cannot know."""
    for match in _AFFIX.finditer(filters):
        options = _value(match[2], params, {}, 0)
        if not options:
            return None
        value = options[0] + value if match[1] == "prepend" else value + options[0]
    return value
