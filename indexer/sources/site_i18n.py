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

A translated page may open with a notice pointing at the same page in another language ("AI
translated this page; see the English version"): that first block is left out (see
`without_translation_notice`), as a site's language switcher is.
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml

_DOCUSAURUS_TRANSLATION = re.compile(
    r"^i18n/[^/]+/docusaurus-plugin-content-(?:(?P<docs>docs)/(?P<version>[^/]+)|(?P<blog>blog))/(?P<page>.+)$"
)


def untranslated_original(root: Path, name: str) -> str:
    """The original page (collection-relative) of the Docusaurus translation `name` (or a Jekyll
    one in `_i18n/<lang>/`) when the two files hold the same bytes, else ""."""
    original = docusaurus_original(name)
    return _same_bytes(root, name, original or _jekyll_original(root, name))


def docusaurus_original(name: str) -> str:
    """Where the original of the Docusaurus translation `name` is (`docs/a.md` for
    `i18n/ja/docusaurus-plugin-content-docs/current/a.md`), else "" (not a translation)."""
    translation = _DOCUSAURUS_TRANSLATION.match(name)
    if translation is None:
        return ""
    if translation["blog"]:
        return f"blog/{translation['page']}"
    if translation["version"] == "current":
        return f"docs/{translation['page']}"
    return f"versioned_docs/{translation['version']}/{translation['page']}"  # a released version's


def _same_bytes(root: Path, name: str, original: str) -> str:
    """`original` when it and `name` hold the same bytes, else ""."""
    if not original or original == name:
        return ""
    try:  # sizes first: a translated page seldom keeps its size, and a no-op run then reads nothing
        first, second = root / original, root / name
        same = first.stat().st_size == second.stat().st_size and first.read_bytes() == second.read_bytes()
    except OSError:  # no original (a page only this language has), or unreadable: read as itself
        return ""
    return original if same else ""


def _jekyll_original(root: Path, name: str) -> str:
    """`_i18n/<first language>/<page>` for `_i18n/<lang>/<page>` (the site's first language in
    `_config.yml` `languages:` is the one translated from), else ""."""
    translation = JEKYLL_TRANSLATION.match(name)
    languages = read_yaml(str(root / "_config.yml")).get("languages") if translation else None
    if not isinstance(languages, list) or not languages:
        return ""
    return f"{JEKYLL_TRANSLATIONS}/{languages[0]}/{name.split('/', 2)[2]}"


# Jekyll's jekyll-multiple-languages-plugin: a page's words in each language are `_i18n/<lang>/<path>`,
# shown by the page through `{% translate_file <path> %}` (`{% tf %}`); its strings, the titles among
# them, are in `_i18n/<lang>.yml` (`{% t documentation.queue.title %}`).
JEKYLL_TRANSLATIONS = "_i18n"
_TRANSLATE_FILE = re.compile(rb"\{%-?\s*(?:tf|translate_file)\s")
JEKYLL_TRANSLATION = re.compile(r"^_i18n/(?P<lang>[^/]+)/(?P<page>.+)\.(?:md|markdown|html)$")


def shows_translations(root: Path, name: str) -> bool:
    """True when the Jekyll page `name` shows its words from `_i18n/` (`{% tf about.md %}`): they
    are read there, once per language, and the page itself holds only the tags."""
    try:
        return bool(_TRANSLATE_FILE.search((root / name).read_bytes()))
    except OSError:
        return False


def translation_title(root: Path, name: str) -> str:
    """The title of `_i18n/<lang>/<a>/<b>.md` in that language's strings (`_i18n/<lang>.yml`,
    `a: b: title:`), else in the site's first language's (as the plugin falls back), as the page
    shows it with `{% t a.b.title %}`; "" when there is none."""
    translation = JEKYLL_TRANSLATION.match(name)
    if translation is None:
        return ""
    languages = read_yaml(str(root / "_config.yml")).get("languages")
    first = languages[0] if isinstance(languages, list) and languages else translation["lang"]
    for language in dict.fromkeys((translation["lang"], str(first))):
        strings = read_yaml(str(root / JEKYLL_TRANSLATIONS / f"{language}.yml"))
        for key in translation["page"].split("/"):
            strings = strings.get(key) if isinstance(strings, dict) else None
        title = strings.get("title") if isinstance(strings, dict) else None
        if isinstance(title, str) and title.strip():
            return title.strip()
    return ""


@lru_cache(maxsize=16)
def _read_yaml_at(path: str, stamp: int) -> dict:
    try:
        data = yaml.safe_load(Path(path).read_text("utf-8", errors="replace"))
    except (OSError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def read_yaml(path: str) -> dict:
    """A YAML file (a language's strings, the site config) as a dict ({} when absent or unreadable),
    read again when it changes."""
    try:
        stamp = Path(path).stat().st_mtime_ns
    except OSError:
        return {}
    return _read_yaml_at(path, stamp)


# A page's first paragraph or quote that only points at the same page in another language ("This
# page was translated by AI; see the [English version](/en/<same page>)"): the Dify docs open 283
# of their 287 Japanese pages so, and every Japanese result began with it.
_FIRST_BLOCK = re.compile(r"\A\s*(?P<block>(?:[^\n]+\n?)+?)(?:\n[ \t]*\n|\Z)")
_LINK = re.compile(r"\]\((?P<url>[^)\s]+)\)")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?$")
_NOTICE_MAX_CHARS = 400
# set apart as a notice: a quote, an admonition or callout, a component, or one line in italics
_BANNER = re.compile(r"^(?:>|:::|<[A-Z]|\{%\s*hint|[*_][^*_\n]+[*_]\s*$)")


def without_translation_notice(text: str, name: str) -> str:
    """`text` (a page without its front matter) less a first block set apart as a notice (`_BANNER`)
    that links to this very page in another language (`ja/a/b.mdx` linking `/en/a/b`,
    `../../en/a/b.md` or a full URL ending so): a banner of the translation, not its words."""
    first = _FIRST_BLOCK.match(text)
    if first is None or len(first["block"]) > _NOTICE_MAX_CHARS or not _BANNER.match(first["block"]):
        return text
    page = name.rsplit(".", 1)[0].split("/")
    for link in _LINK.finditer(first["block"]):
        path = urlsplit(link["url"]).path
        if not path.startswith("/"):  # relative to the page
            path = posixpath.normpath(posixpath.join(posixpath.dirname(name), path))
        target = path.strip("/").rsplit(".", 1)[0].split("/")
        for at, language in enumerate(target[:-1]):
            rest = target[at + 1 :]
            if _LANGUAGE.match(language) and len(page) > len(rest) and page[-len(rest) :] == rest:
                own = page[-len(rest) - 1]  # the page's language folder, where the target has its own
                if _LANGUAGE.match(own) and own != language:
                    return text[first.end() :]
    return text
