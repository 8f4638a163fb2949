"""What a note's properties show: an Obsidian book or movie card's cover, and a card's own words.

Obsidian users keep cards made only of properties (a Dataview or Bases library of books and films):
`cover: "[[心灵捕手.png]]"`, `rating: 8.3`, `Director: [Gus Van Sant]`, `Synopsis: ...`, no body. On
a real vault 509 of 738 notes were such cards (463 video courses: author, source, url; 29 books and
films with a cover) and were skipped as "no text and no readable image", their covers indexed as
loose pictures no note shows. Now:
- a property whose value is a wiki link to a picture (`[[poster.png]]`, `![[poster.png|200]]`, in
  a list too) is a picture the note shows, placed before its body, as Obsidian's card views show
  it; it is resolved and reported as any embed is (a missing one is "missing");
- a note with no body reads as its properties, one `key: value` line each (a list joined by ", ",
  true/false and empty values left out), as Obsidian shows them above an empty page. A note with a
  body is read as before: its properties stay `meta["properties"]`, not its text.
Plain Markdown links and URLs in properties (a Hugo post's `image: /img/a.jpg`) are not pictures
here: a site's theme decides where those show, if at all.
"""

from __future__ import annotations

import re

from indexer.sources.images import ImageLink
from mme_core.documents import IMAGE_EXTENSIONS

_WIKI_LINK = re.compile(r"^!?\[\[([^\]|#^]+)(?:[#^|][^\]]*)?\]\]$")


def property_pictures(properties: dict) -> list[ImageLink]:
    """The pictures `properties` link to, in order (see module doc)."""
    found = []
    for value in properties.values():
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, str) or not (link := _WIKI_LINK.match(item.strip())):
                continue
            target = link[1].strip()
            if target.lower().endswith(IMAGE_EXTENSIONS):
                found.append(ImageLink(target, written=item.strip(), wiki=True))
    return found


def property_lines(properties: dict) -> str:
    """The properties as the lines a note without a body reads as (see module doc); a wiki link to
    a note reads as that note's name, one to a picture is the picture, not words."""
    lines = []
    for key, value in properties.items():
        shown = []
        for item in value if isinstance(value, list) else [value]:
            if item is None or isinstance(item, (bool, dict)):
                continue
            text = str(item).strip()
            if link := _WIKI_LINK.match(text):
                text = "" if link[1].strip().lower().endswith(IMAGE_EXTENSIONS) else link[1].strip()
            if text:
                shown.append(text)
        if shown:
            lines.append(f"{key}: {', '.join(shown)}")
    return "\n".join(lines)
