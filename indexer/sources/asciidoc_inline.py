"""AsciiDoc's inline markup read as the page shows it: words, and inline pictures in place.

In the order Asciidoctor substitutes: passthroughs (`+x+`, `++x++`, `+++x+++`, `pass:[x]`) are kept
as typed; `{attribute}` references take their value; macros read as their text: `image:a.png[alt]`
is a picture in place, `xref:page.adoc[Text]` and `<<id,Text>>` their text (without text, the title
of the page or section they name), `link:`/URL`[Text]` their text (a bare URL as written),
`kbd:[Ctrl+C]`, `btn:[Save]`, `menu:File[Save As]` ("File > Save As"), `footnote:[words]` and
`((index terms))` their words; anchors (`[[id]]`, `anchor:id[]`) and hidden index terms (`(((a)))`)
nothing; emphasis marks (`*bold*`, `_em_`, `` `code` ``, `#mark#`, `^sup^`, `~sub~`) go, a role's
`[.role]` too; a line ending in ` +` is a line break; character references read as characters.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from indexer.sources.asciidoc_include import substitute
from indexer.sources.images import ImageLink

_PASS = re.compile(
    r"\+\+\+(?P<a>.{1,2000}?)\+\+\+|pass:[a-z,]*\[(?P<b>.{0,2000}?)\]|\+\+(?P<c>.{1,2000}?)\+\+"
    r"|(?<![\w+])\+(?P<d>\S(?:.{0,100}?\S)?)\+(?![\w+])"
)
_MACRO = re.compile(
    r"(?P<name>image|xref|link|mailto|kbd|btn|menu|footnote|footnoteref|anchor|indexterm2?|icon|stem|latexmath|asciimath)"
    r":(?!:)(?P<target>[^\s\[]*)\[(?P<text>(?:\\\]|[^\]])*)\]"
)
_URL = re.compile(
    r"(?P<url>(?:https?|ftp|irc)://[^\s\[<>]+|mailto:[^\s\[]+)(?:\[(?P<text>(?:\\\]|[^\]])*)\])?"
)
_CROSS_REFERENCE = re.compile(r"<<(?P<target>[^,>]+?)(?:,\s*(?P<text>[^>]+))?>>")
_ANCHOR = re.compile(r"\[\[\[?[^\]]*\]\]\]?|\[#[\w.-]+(?:\.[\w-]+)*\](?=#)")
_INDEX = re.compile(r"\(\(\((?P<hidden>.{1,500}?)\)\)\)|\(\((?P<shown>.{1,500}?)\)\)")
_ROLE = re.compile(r"\[\.?[\w-]+(?:\.[\w-]+)*\](?=[#*_`])")
_CONSTRAINED = [
    re.compile(rf"(?<![\w{m}])({m}{m}?)(?=\S)(?P<x>.{{1,300}}?)(?<=\S)\1(?![\w{m}])")
    for m in (r"\*", "_", "`", "#")
]
_UNCONSTRAINED = [re.compile(rf"{m}{m}(?P<x>.{{1,300}}?){m}{m}") for m in (r"\*", "_", "`", "#")]
_SMALL = re.compile(r"(?<![\w^~])([\^~])(?P<x>\S+?)\1")
_BREAK = re.compile(r" \+$", re.MULTILINE)
_PLACEHOLDER = "\x00{}\x00"  # (spans are bounded: no quadratic scans of a long line)
_RESTORE = re.compile("\x00(\\d+)\x00")

ImageResolver = Callable[[str], ImageLink]
TitleFinder = Callable[[str], str]


def inline(
    text: str, attributes: dict[str, str], image: ImageResolver, title_of: TitleFinder
) -> list[str | ImageLink]:
    """The words of `text` and its inline pictures, in order. `image` makes the link of an image
    target; `title_of` gives the title an `xref:`/`<<id>>` without text shows."""
    kept: list[str] = []

    def keep(words: str) -> str:
        kept.append(words)
        return _PLACEHOLDER.format(len(kept) - 1)

    text = _PASS.sub(lambda m: keep(next(g for g in m.groups() if g is not None)), text)
    text = substitute(text, attributes)
    pictures: list[ImageLink] = []

    def macro(match: re.Match) -> str:
        name, target, words = match["name"], match["target"], match["text"].replace("\\]", "]")
        if name == "image":
            pictures.append(image(target))
            return f"\x01{len(pictures) - 1}\x01"
        if name == "xref":
            return keep(_first(words) or title_of(target))
        if name in ("link", "mailto"):
            return keep(_first(words) or target)
        if name == "menu":
            return keep(" > ".join([target, *(w.strip() for w in words.split(">") if w.strip())]))
        if name in ("kbd", "btn", "stem", "latexmath", "asciimath"):
            return keep(words)
        if name in ("footnote", "footnoteref", "indexterm2"):
            return words.split(",", 1)[-1] if name == "footnoteref" else words
        return ""  # anchor, indexterm, icon: nothing shown

    text = _MACRO.sub(macro, text)
    text = _URL.sub(lambda m: keep(_first(m["text"] or "") or m["url"].removeprefix("mailto:")), text)
    text = _CROSS_REFERENCE.sub(lambda m: keep(m["text"] or title_of("#" + m["target"].strip())), text)
    text = _ANCHOR.sub("", text)
    text = _INDEX.sub(lambda m: m["shown"] or "", text)
    text = _ROLE.sub("", text)
    for pattern in (*_UNCONSTRAINED, *_CONSTRAINED):
        text = pattern.sub(lambda m: m["x"], text)
    text = _SMALL.sub(lambda m: m["x"], text)
    text = _BREAK.sub("", text)
    text = _RESTORE.sub(lambda m: kept[int(m[1])], text)
    text = _RESTORE.sub(lambda m: kept[int(m[1])], text)  # a passthrough inside a macro's text
    items: list[str | ImageLink] = []
    for index, part in enumerate(text.split("\x01")):
        if index % 2:
            items.append(pictures[int(part)])
        elif part:
            items.append(html.unescape(part))
    return items


def plain(text: str, attributes: dict[str, str], title_of: TitleFinder) -> str:
    """The words alone (a title, a table cell's text in a caption): inline pictures left out."""
    items = inline(text, attributes, lambda target: ImageLink(target), title_of)
    return "".join(item for item in items if isinstance(item, str))


def _first(words: str) -> str:
    """A macro's text without its named attributes (`Text,role=x`, `"Text, with comma",window=_blank`)."""
    words = words.strip()
    if words.startswith('"') and '"' in words[1:]:
        return words[1 : words.index('"', 1)]
    if "=" in words and "," in words:
        return words.split(",", 1)[0].strip()
    return words
