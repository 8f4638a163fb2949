"""Hugo sites: where the config is (a root `hugo.toml`, or Hugo's config folder `config/_default/`)
and which folder holds the pages (`contentDir`, or the folder holding every language's).

A multilingual Hugo site often keeps its config in `config/_default/` (`hugo.yaml`, and its
`languages.yaml` naming `contentDir: content/en`, `content/de`...); unrecognised, the site's
templates (`layouts/shortcodes/*.html`) and served pictures were read as notes (thegeeklab's
hugo-geekdoc example site).
"""

from __future__ import annotations

import posixpath
from pathlib import Path

from indexer.sources.site import HUGO_CONFIGS, HUGO_MARKERS, _read_config, _relative_folder


def hugo_config(root: Path) -> dict | None:
    """Hugo's site config when `root` is a Hugo site, else None (a `config.toml` alone is not one).
    Hugo also reads it from its config folder, `config/_default/` (`hugo.yaml`, `languages.yaml`...)."""
    site_folders = any((root / d).is_dir() for d in ("layouts", "archetypes", "themes"))
    for name in HUGO_CONFIGS:
        path = root / name
        if path.is_file() and (name in HUGO_MARKERS or ((root / "content").is_dir() and site_folders)):
            return _read_config(path)
    folder = root / "config" / "_default"
    configs = [folder / name for name in HUGO_CONFIGS if (folder / name).is_file()]
    if configs and ((root / "content").is_dir() or site_folders):
        config = _read_config(configs[0])
        for language_file in ("languages.toml", "languages.yaml", "languages.yml", "languages.json"):
            if (folder / language_file).is_file():  # the `languages` key, written as a file of its own
                config.setdefault("languages", _read_config(folder / language_file))
        return config
    return None


def hugo_pages(config: dict) -> str:
    """The folder holding a Hugo site's pages: its `contentDir`, or the folder holding every
    language's (`languages: de: contentDir: content/de`), else `content`."""
    folders = [config.get("contentDir")]
    languages = config.get("languages")
    if isinstance(languages, dict):
        folders += [lang.get("contentDir") for lang in languages.values() if isinstance(lang, dict)]
    named = [_relative_folder(folder, "") for folder in folders if isinstance(folder, str) and folder.strip()]
    common = posixpath.commonpath(named) if named and all(named) else ""
    return common or "content"
