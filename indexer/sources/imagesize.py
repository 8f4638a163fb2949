"""Picture sizes written into Markdown image links, which CommonMark does not know.

- `![alt](a.png =250x)`, `![](a.png =500x300)`, `![](a.png "title" =x200)`: the size inside the link
  (markdown-it-imsize, as Zenn, HackMD/CodiMD, Azure DevOps wikis and VNote write it). The space
  before it ends CommonMark's link, so the picture was lost without a word and its syntax read as
  words.
- `![alt](a.png){width=50%}`, `{: width="300"}`, `{.small}`: an attribute block after the image
  (Pandoc, Quarto, kramdown). The picture was read, the block became words.
Both are dropped, the picture kept; fenced code is untouched.
"""

from __future__ import annotations

import re

from indexer.sources.fences import code_fences

_IMAGE = re.compile(r"(!\[[^\]\n]*\]\()([^()\n]*)\)(\{[^{}\n]*\})?")
_SIZE = re.compile(r"[ \t]+=(?:\d+(?:\.\d+)?(?:%|px)?)?x(?:\d+(?:\.\d+)?(?:%|px)?)?[ \t]*$")
_ATTRIBUTES = re.compile(r"\{(?:[:.#][^{}]*|[^{}]*=[^{}]*)\}")  # `{width=50%}`, `{: .x}`, `{#id}`


def strip_image_sizes(text: str) -> str:
    """The note with the size syntaxes above taken out of its image links (see the module doc)."""
    if "![" not in text:
        return text
    return "\n".join(
        line if code else _IMAGE.sub(_without_size, line) for line, code in code_fences(text.split("\n"))
    )


def _without_size(match: re.Match) -> str:
    destination = _SIZE.sub("", match[2])
    attributes = match[3] or ""
    return f"{match[1]}{destination})" + ("" if _ATTRIBUTES.fullmatch(attributes) else attributes)
