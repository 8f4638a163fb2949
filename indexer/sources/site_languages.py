"""Which language a page is in, and which pages are translations of one another.

A site translated into several languages holds each page once per language, partly translated
copies that keep the original's code, UI names and paragraphs: searched as they are, an English
query finds the English page and then its copies, crowding the results. So each page read gets
`language` (a code as the site writes it: `zh-hans`, `pt-BR`) and, when the site lays its
translations out side by side, `translation`: a key its translations share (the page's path with
the language part taken out), and `site_language`, the language the site is written in first (the
original, when the site says it). Search then shows each page once (`indexer.translations`).

From, in this order:
- Docusaurus: `i18n/<lang>/docusaurus-plugin-content-docs/current/a.md` is `docs/a.md` in <lang>;
  `docs/`, `blog/` and `versioned_docs/` pages are in the config's `defaultLocale` (`site_i18n.py`);
- Jekyll with jekyll-multiple-languages-plugin: `_i18n/<lang>/a.md`; the first of `languages:`;
- VitePress and VuePress with `locales`: the first language at the pages' root, the others in
  language folders (`zh/guide/a.md` translates `guide/a.md`), the root's the config's first `lang:`;
- Hugo: a configured language's suffix (`index.zh.md`, `about.de.md`), the rest in
  `defaultContentLanguage` (default `en`), or a language's `contentDir` (`content/de/`);
- any site or folder with two or more language folders side by side (`en/ zh/ ja/`, Mintlify's
  `en/ zh-hans/ ja-jp/`, Hugo's `content/en/`): the page under one; the default is Mintlify's
  (`docs.json`, the language marked `"default": true`) when there is one;
- front matter `lang:` / `language:` (the language only) and Hugo's `translationKey:` (a key);
- else the text's script where it names one language (`indexer.languages.script_language`:
  kana, Hangul, Han, Greek, Hebrew, Thai); never a key: an ordinary note is no translation.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from functools import lru_cache
from pathlib import Path

from indexer.languages import NAMES, is_language, script_language
from indexer.sources.site import SiteLayout
from indexer.sources.site_i18n import JEKYLL_TRANSLATION, JEKYLL_TRANSLATIONS, docusaurus_original, read_yaml

_DEFAULT_LOCALE = re.compile(r"""defaultLocale\s*:\s*['"]([\w-]+)['"]""")
_FOLDER_DEPTH = 3  # language folders are looked for this deep (`docs/content/en/`)


def page_languages(root: Path, layout: SiteLayout, name: str, properties: dict, text: str) -> dict:
    """{"language", "translation", "site_language"} for the page `name` (collection-relative), each
    only when found; `properties` is its front matter, `text` its words."""
    found = _from_layout(root, layout, name)
    front = {key.lower(): value for key, value in properties.items() if isinstance(value, str)}
    if "language" not in found:
        stated = front.get("lang") or front.get("language") or ""
        if is_language(stated.strip()):
            found["language"] = stated.strip()
        elif language := script_language(text):
            found["language"] = language
    key = front.get("translationkey") or front.get("translation_key")
    if key and key.strip():
        found["translation"] = f"key:{key.strip()}"  # apart from path keys: never equal to one by chance
    return found


def _from_layout(root: Path, layout: SiteLayout, name: str) -> dict:
    stem = posixpath.splitext(name)[0]
    if layout.kind == "Docusaurus" and (locale := _docusaurus_locale(str(root))):
        if original := docusaurus_original(name):
            return _found(name.split("/")[1], posixpath.splitext(original)[0], locale)
        if name.startswith(("docs/", "blog/", "versioned_docs/")):
            return _found(locale, stem, locale)
    if layout.translated and (page := JEKYLL_TRANSLATION.match(name)):
        languages = read_yaml(str(root / "_config.yml")).get("languages")
        first = str(languages[0]) if isinstance(languages, list) and languages else ""
        key = posixpath.splitext(name.split("/", 2)[2])[0]
        return _found(page["lang"], f"{JEKYLL_TRANSLATIONS}/{key}", first)
    if layout.kind == "Hugo" and (found := _hugo(str(root), name)):
        return found
    if layout.kind in ("VuePress", "VitePress") and (found := _locales(root, layout.pages, name)):
        return found
    parts = name.split("/")
    for at, folder in enumerate(parts[: min(len(parts) - 1, _FOLDER_DEPTH)]):
        parent = "/".join(parts[:at])
        if is_language(folder) and folder in _language_folders(str(root / parent), _stamp(root / parent)):
            key = posixpath.splitext("/".join(parts[:at] + parts[at + 1 :]))[0]
            return _found(folder, key, _mintlify_default(str(root)))
    return {}


def _found(language: str, key: str, site_language: str) -> dict:
    found = {"language": language, "translation": key}
    return found | ({"site_language": site_language} if site_language else {})


def _stamp(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


@lru_cache(maxsize=64)
def _language_folders(folder: str, stamp: int, least: int = 2) -> frozenset[str]:
    """The language folders in `folder` when it holds `least` or more side by side, that many of
    them common site languages (`NAMES`) or with a region (`ja-jp`): `ml/` and `os/` notes are
    no translations; else none."""
    try:
        names = [entry.name for entry in os.scandir(folder) if entry.is_dir() and is_language(entry.name)]
    except OSError:
        return frozenset()
    sure = [n for n in names if n.lower() in NAMES or len(n) > 2]
    return frozenset(names) if len(sure) >= least else frozenset()


_LANG = re.compile(r"""\blang\s*:\s*['"]([\w-]+)['"]""")
_VUE_CONFIGS = [
    f"{tool}/config.{ext}" for tool in (".vitepress", ".vuepress") for ext in ("ts", "js", "mts", "mjs")
]


def _locales(root: Path, pages: str, name: str) -> dict:
    """A VitePress or VuePress site with `locales` in its config keeps its first language at the
    pages' root and the others in language folders (`zh/guide/a.md` translating `guide/a.md`); the
    root's language is the config's first `lang:` (else read from the page's script)."""
    configs = [
        root / folder / config for folder in dict.fromkeys((pages, "docs", "")) for config in _VUE_CONFIGS
    ]
    text = next((_read_text(str(path), _stamp(path)) for path in configs if path.is_file()), "")
    if "locales" not in text:
        return {}
    inside = name[len(pages) + 1 :] if pages else name
    folders = _language_folders(str(root / pages), _stamp(root / pages), 1)
    first, _, rest = inside.partition("/")
    found = _LANG.search(text)
    own = found[1] if found and is_language(found[1]) else ""
    if first in folders and rest:
        return _found(first, posixpath.join(pages, posixpath.splitext(rest)[0]), own)
    key = {"translation": posixpath.join(pages, posixpath.splitext(inside)[0])} if folders else {}
    return key | ({"language": own, "site_language": own} if key and own else {})


@lru_cache(maxsize=16)
def _read_text(path: str, stamp: int) -> str:
    try:
        return Path(path).read_text("utf-8", errors="replace")
    except OSError:
        return ""


@lru_cache(maxsize=16)
def _docusaurus_locale_at(root: str, stamp: int) -> str:
    """The site's `defaultLocale` when it is translated (an `i18n/` folder), else ""."""
    if not (Path(root) / "i18n").is_dir():
        return ""
    for config in sorted(Path(root).glob("docusaurus.config.*")):
        try:
            found = _DEFAULT_LOCALE.search(config.read_text("utf-8", errors="replace"))
        except OSError:
            continue
        return found[1] if found else "en"  # Docusaurus' own default
    return ""


def _docusaurus_locale(root: str) -> str:
    return _docusaurus_locale_at(root, _stamp(Path(root)))


def _mintlify_default(root: str) -> str:
    return _mintlify_default_at(root, _stamp(Path(root) / "docs.json"))


@lru_cache(maxsize=16)
def _mintlify_default_at(root: str, stamp: int) -> str:
    """The language Mintlify's `docs.json` marks `"default": true`, else ""."""
    if not stamp:
        return ""
    try:
        navigation = json.loads((Path(root) / "docs.json").read_text("utf-8")).get("navigation") or {}
        languages = navigation.get("languages") if isinstance(navigation, dict) else None
        marked = [entry for entry in languages or () if isinstance(entry, dict) and entry.get("default")]
        return str(marked[0]["language"]) if marked else ""
    except (OSError, ValueError, AttributeError, KeyError):
        return ""


def _hugo(root: str, name: str) -> dict:
    """A Hugo page's language by its file suffix (`a.de.md`) or its language's `contentDir`."""
    languages, default, folders = _hugo_languages(root, _stamp(Path(root)))
    if len(languages) < 2:
        return {}
    for folder, language in folders.items():
        if name.startswith(folder + "/"):
            rest = posixpath.splitext(name[len(folder) + 1 :])[0]  # `content/de/a.md` -> `content/a`
            return _found(language, posixpath.join(posixpath.dirname(folder), rest), default)
    stem, _ = posixpath.splitext(name)
    base, _, suffix = stem.rpartition(".")
    if base and suffix in languages:
        return _found(suffix, base, default)
    return _found(default, stem, default)


@lru_cache(maxsize=16)
def _hugo_languages(root: str, stamp: int) -> tuple[frozenset[str], str, dict[str, str]]:
    """(the configured languages, `defaultContentLanguage`, contentDir -> language)."""
    from indexer.sources.site_hugo import hugo_config  # noqa: PLC0415 - it builds on site.py, as this does

    config = hugo_config(Path(root)) or {}
    languages = config.get("languages") if isinstance(config.get("languages"), dict) else {}
    default = str(config.get("defaultContentLanguage") or "en")
    folders = {}
    for code, entry in languages.items():
        folder = entry.get("contentDir") if isinstance(entry, dict) else None
        if isinstance(folder, str) and folder.strip("/"):
            folders[folder.strip("/")] = str(code)
    return frozenset(map(str, languages)), default, folders
