"""A translated documentation site's pages that are not translations: copies of the original page.

A Docusaurus site keeps each language's pages in `i18n/<lang>/docusaurus-plugin-content-docs/
current/` (and `version-X/`, and `docusaurus-plugin-content-blog/` for the blog), beside the
original in `docs/` (`versioned_docs/version-X/`, `blog/`). Translation tools (Crowdin) write every
page there, the pages nobody has translated yet as a copy of the original. Indexed, each copy is
the original again under another language's folder: on AdGuard VPN's knowledge base an English
search for "DNS leaks" found the English page and three copies of it at the same score.

So a translation whose bytes are the original's is left out, reported with the page it copies
("excluded"); a page translated even in part is read as itself.

A Jekyll site translated with jekyll-multiple-languages-plugin keeps each page's words per language
in `_i18n/<lang>/` (a folder Jekyll itself would not render) and the page only shows them
(`{% tf queue/how-to-use.md %}` under `# {% t documentation.queue.how-to-use.title %}`). Those
folders are the site's text: read as pages, titled by the language's strings (`_i18n/<lang>.yml`),
and the page that only shows them is reported "excluded". Before, `_i18n/` was left out as
templates and the pages read as "#": AntennaPod's documentation, 681 pages in 13 languages, was
gone.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

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


# Jekyll's jekyll-multiple-languages-plugin: a page's words in each language are `_i18n/<lang>/<path>`,
# shown by the page through `{% translate_file <path> %}` (`{% tf %}`); its strings, the titles among
# them, are in `_i18n/<lang>.yml` (`{% t documentation.queue.title %}`).
JEKYLL_TRANSLATIONS = "_i18n"
_TRANSLATE_FILE = re.compile(rb"\{%-?\s*(?:tf|translate_file)\s")
_JEKYLL_TRANSLATION = re.compile(r"^_i18n/(?P<lang>[^/]+)/(?P<page>.+)\.(?:md|markdown|html)$")


def shows_translations(root: Path, name: str) -> bool:
    """True when the Jekyll page `name` shows its words from `_i18n/` (`{% tf about.md %}`): they
    are read there, once per language, and the page itself holds only the tags."""
    try:
        return bool(_TRANSLATE_FILE.search((root / name).read_bytes()))
    except OSError:
        return False


def translation_title(root: Path, name: str) -> str:
    """The title of `_i18n/<lang>/<a>/<b>.md` in that language's strings (`_i18n/<lang>.yml`,
    `a: b: title:`), as the page shows it with `{% t a.b.title %}`; "" when there is none."""
    translation = _JEKYLL_TRANSLATION.match(name)
    if translation is None:
        return ""
    strings = _strings(str(root / JEKYLL_TRANSLATIONS / f"{translation['lang']}.yml"))
    for key in translation["page"].split("/"):
        strings = strings.get(key) if isinstance(strings, dict) else None
    title = strings.get("title") if isinstance(strings, dict) else None
    return title.strip() if isinstance(title, str) else ""


@lru_cache(maxsize=16)
def _strings_at(path: str, stamp: int) -> dict:
    try:
        data = yaml.safe_load(Path(path).read_text("utf-8", errors="replace"))
    except (OSError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def _strings(path: str) -> dict:
    """A language's strings file as a dict ({} when absent or unreadable), read again when it changes."""
    try:
        stamp = Path(path).stat().st_mtime_ns
    except OSError:
        return {}
    return _strings_at(path, stamp)
