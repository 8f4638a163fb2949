"""Pictures no note shows: documents of their own, so a folder's photos are found, not passed over.

A person's folder holds photos beside their notes: a repair's snapshots never pasted into a note,
a phone's camera folder, leftovers of a deleted note. Each picture that no note of the collection
shows becomes a document: the picture, with the words of its folder path and file name as its text
(`bathroom_sink/hinge-broken.jpg` -> "bathroom sink / hinge broken"), titled by its file name. A
picture a note shows is read in that note only; when a note starts showing it, its own document
goes (and comes back when no note shows it any more).

Not in a website's sources (Hugo, Jekyll, MkDocs, Docusaurus, VuePress, VitePress, Hexo, Docsify,
GitBook, Sphinx `_static/`): their unshown
pictures are mostly the theme's logos and icons, served by templates, and screenshots no page uses
any more, not a person's photos. They are said, not passed over: one "excluded" line per folder with
their count (`static/: 12 picture(s) of the website that no page shows`), the folders the site
serves as they are (`static/`, `.vuepress/public/`) included. Icon-sized pictures (under 64 pixels
on a side) are reported as "excluded", not made documents.

A phone's photo is found by when, with what and where it was taken: its EXIF header gives the
document `taken`, `camera` and `place` properties and date words ("June 2024", "2024年6月12日"):
see `photo_facts.py`. The videos beside them are documents by the same rules: see `videos.py`.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path, PurePosixPath

from PIL import Image, UnidentifiedImageError

from indexer.sources.images import ImageLink
from indexer.sources.photo_facts import PhotoFacts, photo_facts
from indexer.sources.site import SiteLayout

MIN_SIDE = 64  # pixels: below this a picture is an icon or a bullet, not something to search for
_SITE_ASSET_FOLDERS = {"_static"}  # Sphinx's served files (a Sphinx source is a folder, not a kind)
_SEPARATORS = re.compile(r"[_\-.+~\s]+")


def keeps_loose_pictures(layout: SiteLayout) -> bool:
    """Whether pictures no note shows become documents in a collection of this kind."""
    return layout.kind in ("", "Logseq", "SiYuan")  # note apps: a picture is the person's


def loose_picture(name: str) -> bool:
    """Whether the file `name` (collection-relative) is a picture that may stand as a document."""
    return not _SITE_ASSET_FOLDERS.intersection(PurePosixPath(name).parts[:-1])


def read_header(path: Path) -> tuple[tuple[int, int] | None, PhotoFacts | None]:
    """The picture's size when it is icon-sized (None when big enough, or unreadable: the resolver
    then says why), else what its EXIF says of when, with what and where it was taken
    (`photo_facts`); both from the header, nothing decoded, the file opened once. An icon's facts
    are not read: it is not indexed, and is read again each run (it gave no document)."""
    with warnings.catch_warnings():  # Pillow's "Corrupt EXIF data": said by the facts missing
        warnings.filterwarnings("ignore", "Corrupt EXIF data", UserWarning)  # only it: ours still heard
        try:
            with Image.open(path) as image:
                width, height = image.size
                if min(width, height) < MIN_SIDE:  # not indexed: no facts (nor place data) wanted
                    return (width, height), None
                facts = photo_facts(image)
        except (OSError, UnidentifiedImageError, ValueError):
            return None, None
    return None, facts


def picture_items(name: str, facts: PhotoFacts | None = None) -> tuple[str, ImageLink]:
    """A loose picture's document: its path as words (then a line of when and with what it was
    taken, see `photo_facts`), then the picture (root-relative link)."""
    path = PurePosixPath(name)
    words = (_SEPARATORS.sub(" ", part).strip() for part in (*path.parts[:-1], path.stem))
    text = " / ".join(w for w in words if w)
    if facts is not None and (taken := facts.words()):
        text = f"{text}\n{taken}" if text else taken
    return text, ImageLink("/" + name, written=name)
