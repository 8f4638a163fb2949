"""A translated documentation site's pages that are not translations: copies of the original page.

A Docusaurus site keeps each language's pages in `i18n/<lang>/docusaurus-plugin-content-docs/
current/` (and `version-X/`, and `docusaurus-plugin-content-blog/` for the blog), beside the
original in `docs/` (`versioned_docs/version-X/`, `blog/`). Translation tools (Crowdin) write every
page there, the pages nobody has translated yet as a copy of the original. Indexed, each copy is
the original again under another language's folder: on AdGuard VPN's knowledge base an English
search for "DNS leaks" found the English page and three copies of it at the same score.

So a translation whose bytes are the original's is left out, reported with the page it copies
("excluded"); a page translated even in part is read as itself.
"""

from __future__ import annotations

import re
from pathlib import Path

_DOCUSAURUS_TRANSLATION = re.compile(
    r"^i18n/[^/]+/docusaurus-plugin-content-(?:(?P<docs>docs)/(?P<version>[^/]+)|(?P<blog>blog))/(?P<page>.+)$"
)


def untranslated_original(root: Path, name: str) -> str:
    """The original page (collection-relative) of the Docusaurus translation `name` when the two
    files hold the same bytes, else ""."""
    translation = _DOCUSAURUS_TRANSLATION.match(name)
    if translation is None:
        return ""
    if translation["blog"]:
        original = f"blog/{translation['page']}"
    elif translation["version"] == "current":
        original = f"docs/{translation['page']}"
    else:  # `version-2.0`: the released version's copy of the docs
        original = f"versioned_docs/{translation['version']}/{translation['page']}"
    try:
        same = (root / original).read_bytes() == (root / name).read_bytes()
    except OSError:  # no original (a page only this language has), or unreadable: read as itself
        return ""
    return original if same else ""
