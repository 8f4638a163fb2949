"""Picture sizes written into Markdown image links, which CommonMark does not know.

- `![alt](a.png =250x)`, `![](a.png =500x300)`, `![](a.png "title" =x200)`: the size inside the link
  (markdown-it-imsize, as Zenn, HackMD/CodiMD, Azure DevOps wikis and VNote write it). The space
  before it ends CommonMark's link, so the picture was lost without a word and its syntax read as
  words.
- `![alt](a.png){width=50%}`, `{: width="300"}`, `{.small}`: an attribute block after the image
  (Pandoc, Quarto, kramdown). The picture was read, the block became words.
Both are dropped, the picture kept; fenced code is untouched.

Also a picture's path written with spaces, as Typora and Joplin write it (`![](assets/my photo.png)`):
CommonMark ends the link at the space, so the picture was lost and its syntax read as words. The path
is read as written (as `<assets/my photo.png>`), unless what follows the first space is a title
(`![](a.png "Step 2")`).
"""

from __future__ import annotations

import re

from indexer.sources.fences import code_fences

_IMAGE = re.compile(r"(!\[[^\]\n]*\]\()([^()\n]*)\)(\{[^{}\n]*\})?")
_SIZE = re.compile(r"[ \t]+=(?:\d+(?:\.\d+)?(?:%|px)?)?x(?:\d+(?:\.\d+)?(?:%|px)?)?[ \t]*$")
_TITLED = re.compile(r"""\S+\s+(?:"[^"]*"|'[^']*'|\([^()]*\))\s*""")  # `a.png "title"`
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
    spaced = destination.strip()
    if " " in spaced and not spaced.startswith("<") and not _TITLED.fullmatch(spaced):
        destination = f"<{spaced}>"  # a path with spaces, read as written (see the module doc)
    attributes = match[3] or ""
    return f"{match[1]}{destination})" + ("" if _ATTRIBUTES.fullmatch(attributes) else attributes)
