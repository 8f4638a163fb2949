"""Which files of a folder are a person's notes: a website's pages, not its templates, its built
copy or its dependencies; no tool's files; documents we cannot read named, not passed over.

How-to collections are often the source of a website, and a person points us at the repository:
- Hugo (`hugo.toml`, or `config.toml|yaml|json` beside `content/` and `layouts/`, `archetypes/` or
  `themes/`, also in its config folder `config/_default/`): pages are under `content/` (its
  `contentDir`, or the folder holding each language's); `layouts/`, `archetypes/` (Go templates:
  `title: "{{ replace .Name ...}}"`), `themes/` and a checked-in `public/` are not notes;
- MkDocs (`mkdocs.yml`): pages are under `docs/` (its `docs_dir`); `site/` is the built copy;
- Jekyll (`_config.yml`): `_layouts/`, `_includes/`, `_sass/`, `_data/` and the built `_site/` are
  not pages, nor what the config `exclude`s; `_posts/`, `_drafts/` and declared collections are
  (a picture include's template in `_includes/` still says where its picture is, see `liquid.py`);
  with jekyll-multiple-languages-plugin, `_i18n/<lang>/` holds the pages' words (`site_i18n.py`);
- a Logseq graph (`logseq/config.edn`): `logseq/` holds its settings and `bak/` copies of pages;
- a SiYuan workspace (`conf/conf.json` beside `data/`) or its `data/`: `history/`, templates, plugins,
  widgets and storage are SiYuan's (`siyuan.py`);
- Docusaurus (`docusaurus.config.js|ts|mjs`): `build/` is the built site, `static/` files it serves
  as they are (pictures there are still found); of the released versions
  in `versioned_docs/`, the newest (first in `versions.json`) is read, the older left out; pages are
  `.md` and `.mdx` anywhere else (docs/, blog/, i18n/ translations; a translation that is the
  original's bytes, not yet translated, is left out: `site_i18n.py`);
- Sphinx (a `conf.py` beside `index.rst`, wherever in the tree: `docs/`, `docs/source/`): `_build/`
  (or `build/` beside a `source/` folder) is the built site, `_templates/` and the conf's
  `templates_path` folders its page templates; the pictures in `_static/` are still found;
- (Hugo's config folder and language folders: `site_hugo.py`.)
- Antora (`antora.yml` beside `modules/`, at the root or where a repository keeps its docs): pages
  are its modules' `pages/`; `partials/`, `examples/`, `nav.adoc` and the rest are not (`site_antora.py`);
- mdBook, VuePress, VitePress, Hexo, Docsify, GitBook and Quartz, at the root or one folder down (`docs/`):
  see `site_kinds.py` (pages in `src/`, `docs/`, `source/` or the book's root; `scaffolds/`,
  `themes/`, `theme/`, built copies and navigation files such as `_sidebar.md` and `SUMMARY.md`
  left out, an mdBook's Markdown files its `SUMMARY.md` does not list too; `/a.png` read from
  `src/`, `.vuepress/public/`, `public/` or `source/`, a Hexo post's pictures from its asset
  folder, a GitBook's from its hidden `.gitbook/assets/`). Their Markdown additions:
  `site_markup.py`; the files mdBook's `{{#include}}` and Jekyll's `{% include %}` take in:
  `site_includes.py` and `liquid.py`.
Pictures are found wherever they are (Hugo serves `static/pix/a.webp` as `/pix/a.webp`): only the
search for notes leaves these folders out, and each one holding files we would read is reported
once, as "excluded", with its reason; a site's pictures that no page shows are reported once per
folder (see `photos.py`). In any collection, `node_modules/` holds packages, `.txt`
files that tools keep beside code (`requirements.txt`, `robots.txt`, licences) are not notes, and
document formats we do not read (Pages and Numbers files, OneNote packages), videos and audio
recordings are reported as "unsupported type": a folder's files are either indexed or said to be
left out (code and a tool's other files are not a person's notes and are passed over).
"""

from __future__ import annotations

import ast
import fnmatch
import json
import posixpath
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

import yaml

from indexer.sources.site_i18n import JEKYLL_TRANSLATIONS, shows_translations, untranslated_original

# Folders never read as notes, whatever the collection.
DEPENDENCY_FOLDERS = {
    "node_modules": "installed JavaScript packages",
    "OneNote_RecycleBin": "OneNote's deleted pages",  # a OneNote 2016 notebook folder keeps them there
}
# Files named like this are a tool's, not a person's note.
TOOL_TEXT_FILES = re.compile(
    r"(requirements[\w.-]*|constraints|robots|humans|ads|security|cmakelists|license|licence|copying|"
    r"notice|authors|contributors|changelog|changes|version|third[_-]party[\w.-]*|dependencies)\.txt",
    re.IGNORECASE,
)
# Documents a person keeps among notes that we cannot read: name -> what to call them.
DOCUMENT_TYPES = {
    ".onepkg": "OneNote packages (a cabinet archive: unpack it, then add the folder)",
}
# Recordings a person keeps among notes: said, not read; videos are read when PyAV is installed
# (sources/videos.py). Audio is not unpacked from an uploaded zip (it would only be reported).
MEDIA_TYPES = {
    **dict.fromkeys((".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".3gp"), "videos"),
    **dict.fromkeys(
        (".mp3", ".m4a", ".wav", ".ogg", ".oga", ".flac", ".aac", ".opus", ".amr"), "audio recordings"
    ),
}
NOT_READ = {**DOCUMENT_TYPES, **MEDIA_TYPES}
HUGO_MARKERS = ("hugo.toml", "hugo.yaml", "hugo.yml", "hugo.json")
HUGO_CONFIGS = (*HUGO_MARKERS, "config.toml", "config.yaml", "config.yml", "config.json")
MKDOCS_CONFIGS = ("mkdocs.yml", "mkdocs.yaml")
JEKYLL_CONFIGS = ("_config.yml", "_config.yaml")
DOCUSAURUS_CONFIGS = tuple(f"docusaurus.config.{ext}" for ext in ("js", "ts", "mjs", "cjs"))
SPHINX_CONFIG = "conf.py"
SPHINX_ROOT_PAGES = ("index.rst", "index.md", "contents.rst")  # one beside conf.py: a Sphinx source
SPHINX_FOLDERS = {"_build": "the built Sphinx site", "_templates": "Sphinx page templates, not pages"}
# Every file by whose name `site_layout` knows a folder's kind (what a zip of a site must keep)
SITE_FILES = frozenset(
    {*HUGO_CONFIGS, *MKDOCS_CONFIGS, *JEKYLL_CONFIGS, *DOCUSAURUS_CONFIGS, "versions.json", SPHINX_CONFIG}
    | {
        "book.json",
        "book.toml",
        "package.json",
        "antora.yml",
    }  # a GitBook's, an mdBook's; a JavaScript project's (its
    # site may be in any folder)
    | {"quartz.config.ts", "quartz.config.js", "quartz.config.mjs"}  # Quartz's (site_quartz.py)
)


@dataclass(frozen=True)
class SiteLayout:
    """What the notes of a collection are: `kind` ("" for a plain folder), and the folders and
    files to leave out, as rules over collection-relative POSIX paths."""

    kind: str = ""
    pages: str = ""  # the one folder holding every page ("" : anywhere)
    skip_dirs: dict[str, str] = field(default_factory=dict)  # relative folder -> why
    skip_globs: tuple[str, ...] = ()  # the site config's own exclusions (Jekyll `exclude:`)
    skip_files: dict[str, str] = field(default_factory=dict)  # relative file -> why (Docsify's index.html)
    skip_names: dict[str, str] = field(default_factory=dict)  # file name, in any folder -> why (navigation)
    served: tuple[str, ...] = ()  # folders the site serves at its root: `/a.png` may be `<folder>/a.png`
    base: str = ""  # the site's URL path (`/blog/`), which root-absolute links may start with
    post_assets: tuple[str, ...] = ()  # folders whose notes keep pictures in a folder named as the note
    book: str | None = None  # a GitBook's root, where `.gitbook/assets/` is (None: not a GitBook)
    chapters: frozenset[str] | None = None  # an mdBook's pages, its SUMMARY.md's (None: any page)
    translated: bool = False  # a Jekyll site whose pages show their words from `_i18n/` (site_i18n.py)
    root: Path | None = None  # the collection, where Sphinx sources are recognised folder by folder
    page_dirs: tuple[str, ...] = ()  # when pages sit in several folders (Antora's modules/*/pages/)
    hidden_prefix: str = ""  # a page file or folder named so is not a page (Antora's `_partial.adoc`)
    _sphinx: dict[str, dict[str, str]] = field(default_factory=dict, compare=False, repr=False)

    def folder_reason(self, name: str) -> str:
        """Why the folder `name` (relative) holds no notes, or "" when it may."""
        base = name.rsplit("/", 1)[-1]
        if base in DEPENDENCY_FOLDERS:
            return DEPENDENCY_FOLDERS[base]
        if name in self.skip_dirs:
            return self.skip_dirs[name]
        inside = (name + "/").startswith(self.pages + "/") or (self.pages + "/").startswith(name + "/")
        if self.pages and not inside:  # neither the pages folder, one above it, nor one inside it
            return f"outside the {self.kind} site's pages ({self.pages}/)"
        if any(fnmatch.fnmatch(name, glob.rstrip("/")) for glob in self.skip_globs):
            return f"excluded by the {self.kind} site's configuration"
        if self.page_dirs and not any(
            (name + "/").startswith(pages + "/") or (pages + "/").startswith(name + "/")
            for pages in self.page_dirs
        ):
            return f"outside the {self.kind} site's pages ({_page_dirs_hint(self.page_dirs)})"
        return _sphinx_folder_reason(self.root, name, self._sphinx) if self.root is not None else ""

    def file_reason(self, name: str) -> str:
        """Why the file `name` (relative, in a folder that may hold notes) is not a note, or ""."""
        if self.pages and not name.startswith(self.pages + "/"):
            return f"outside the {self.kind} site's pages ({self.pages}/)"
        if reason := self.skip_files.get(name) or self.skip_names.get(name.rsplit("/", 1)[-1]):
            return reason
        if self.page_dirs:
            pages = next((folder for folder in self.page_dirs if name.startswith(folder + "/")), None)
            if pages is None:
                return f"outside the {self.kind} site's pages ({_page_dirs_hint(self.page_dirs)})"
            if self.hidden_prefix and any(
                part.startswith(self.hidden_prefix) for part in name[len(pages) + 1 :].split("/")
            ):
                hidden = f"named {self.hidden_prefix}..., read where pages include it"
                return f"hidden from the {self.kind} site ({hidden})"
        if self.chapters is not None and name.lower().endswith(".md") and name not in self.chapters:
            return "not in the book's table of contents (SUMMARY.md), not a page of the book"
        if any(fnmatch.fnmatch(name, glob) for glob in self.skip_globs):
            return f"excluded by the {self.kind} site's configuration"
        docusaurus_or_jekyll = self.kind == "Docusaurus" or self.translated
        if docusaurus_or_jekyll and self.root and (original := untranslated_original(self.root, name)):
            return f"a translation that is still the original's text, a copy of {original}"
        if self.translated and self.root and shows_translations(self.root, name):
            return f"its words are its translations, read in {JEKYLL_TRANSLATIONS}/<language>/"
        return ""

    def link_candidates(self, path: str, note: str) -> list[str]:
        """Where else than beside the note the site finds the picture `path` linked from the note
        `note` (both collection-relative POSIX), as root-relative paths: a root-absolute link in the
        folders the site serves (its base URL path taken off), a Hexo post's link in its asset
        folder, a link into a GitBook's `.gitbook/assets/` from the book's root."""
        found = []
        if path.startswith("/"):
            rooted = path.lstrip("/")
            base = self.base.strip("/")
            for link in (
                [rooted, rooted[len(base) + 1 :]] if base and rooted.startswith(base + "/") else [rooted]
            ):
                found += [f"{folder}/{link}" for folder in self.served]
        elif any(note.startswith(folder + "/") for folder in self.post_assets):
            found.append(posixpath.join(posixpath.splitext(note)[0], path))
        if self.book is not None and ".gitbook/assets/" in path:
            found.append(posixpath.join(self.book, ".gitbook/assets", path.split(".gitbook/assets/", 1)[1]))
        normal = (posixpath.normpath(candidate) for candidate in found)
        return [candidate for candidate in normal if not candidate.startswith(("..", "/"))]


def site_layout(root: Path) -> SiteLayout:
    """The layout of the collection at `root`, recognised by the generator's own config file."""
    return replace(_generator_layout(root), root=root)


def _generator_layout(root: Path) -> SiteLayout:
    if any((root / name).is_file() for name in DOCUSAURUS_CONFIGS):
        served = {"build": "the built site", "static": "files the site serves as they are"}
        return SiteLayout("Docusaurus", skip_dirs={**served, **_older_versions(root)}, served=("static",))
    if (root / "logseq" / "config.edn").is_file():
        return SiteLayout("Logseq", skip_dirs={"logseq": "Logseq's settings and backup copies of pages"})
    from indexer.sources.siyuan import siyuan_layout  # noqa: PLC0415 - it builds on this module

    if (layout := siyuan_layout(root)) is not None:
        return layout
    from indexer.sources.site_hugo import hugo_config, hugo_pages  # noqa: PLC0415 - it builds on this module

    if (config := hugo_config(root)) is not None:
        return SiteLayout("Hugo", hugo_pages(config), served=("static",))
    for name in MKDOCS_CONFIGS:
        if (root / name).is_file():
            config = _read_config(root / name)
            return SiteLayout("MkDocs", _relative_folder(config.get("docs_dir"), "docs"))
    from indexer.sources.site_antora import antora_layout  # noqa: PLC0415 - it builds on this module

    if (layout := antora_layout(root)) is not None:
        return layout
    from indexer.sources.site_kinds import js_site_layout  # noqa: PLC0415 - it builds on this module

    if (layout := js_site_layout(root)) is not None:  # VuePress, VitePress, Hexo, Docsify, GitBook
        return layout
    if jekyll := next((root / name for name in JEKYLL_CONFIGS if (root / name).is_file()), None):
        config = _read_config(jekyll)
        collections = config.get("collections")
        pages = {"_posts", "_drafts"} | (
            {f"_{name}" for name in collections} if isinstance(collections, (dict, list)) else set()
        )
        translated = isinstance(config.get("languages"), list) and (root / JEKYLL_TRANSLATIONS).is_dir()
        if translated:  # jekyll-multiple-languages-plugin: the pages' words per language (site_i18n.py)
            pages.add(JEKYLL_TRANSLATIONS)
        skip = {  # Jekyll renders no folder starting with "_" but these
            entry.name: "the built site" if entry.name == "_site" else "Jekyll templates and data, not pages"
            for entry in sorted(root.iterdir())
            if entry.is_dir() and entry.name.startswith("_") and entry.name not in pages
        }
        excluded = config.get("exclude")
        globs = tuple(str(g).strip("/") for g in excluded) if isinstance(excluded, list) else ()
        return SiteLayout("Jekyll", skip_dirs=skip, skip_globs=globs, translated=translated)
    return SiteLayout()


def _page_dirs_hint(page_dirs: tuple[str, ...]) -> str:
    shown = ", ".join(f"{folder}/" for folder in page_dirs[:3])
    return shown + (f" and {len(page_dirs) - 3} more" if len(page_dirs) > 3 else "")


def _sphinx_folder_reason(root: Path, name: str, found: dict[str, dict[str, str]]) -> str:
    """Why the folder `name` belongs to a Sphinx source and holds no pages, or "". Sphinx sources sit
    anywhere in a repository: the sources in the folder's parent or beside it are looked at once per
    parent (`found`), as the walk reaches it; their templates may sit beside them (`../templates`)."""
    parent = name.rpartition("/")[0]
    if parent not in found:
        here = root / parent
        sources = [here, *sorted(p for p in here.iterdir() if p.is_dir() and not p.name.startswith("."))]
        found[parent] = {}
        for source in (folder for folder in sources if is_sphinx_source(folder)):
            found[parent] |= _sphinx_folders(root, source)
    return found[parent].get(name, "")


def _sphinx_folders(root: Path, source: Path) -> dict[str, str]:
    """The folders of the Sphinx source `source` that hold no pages, relative to `root`."""
    base = source.relative_to(root).as_posix()
    folders = {**SPHINX_FOLDERS}
    for templates in _conf_list(source / SPHINX_CONFIG, "templates_path"):
        folders[templates] = SPHINX_FOLDERS["_templates"]
    if source.name == "source":  # sphinx-quickstart's split layout: source/ and build/ side by side
        folders["../build"] = SPHINX_FOLDERS["_build"]
    inside = {posixpath.normpath(posixpath.join(base, folder)): why for folder, why in folders.items()}
    return {folder: why for folder, why in inside.items() if not folder.startswith("..")}


def _conf_list(conf: Path, name: str) -> list[str]:
    """A list of strings that Sphinx's `conf.py` assigns to `name`, read without running the file."""
    try:
        tree = ast.parse(conf.read_text("utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return []
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == name for target in statement.targets
        ):
            try:
                value = ast.literal_eval(statement.value)
            except ValueError:
                return []
            listed = value if isinstance(value, list | tuple) else []
            return [item for item in listed if isinstance(item, str)]
    return []


def is_sphinx_source(folder: Path) -> bool:
    """True when `folder` is a Sphinx source folder: its `conf.py` beside the root page."""
    return (folder / SPHINX_CONFIG).is_file() and any((folder / page).is_file() for page in SPHINX_ROOT_PAGES)


def _older_versions(root: Path) -> dict[str, str]:
    """Docusaurus keeps each released version's copy of the docs in `versioned_docs/version-X`;
    `versions.json` lists them newest first. The newest is what the site shows: the older are left
    out (a site may keep all its pages there, with `docs/` the next, unreleased, version)."""
    try:
        versions = json.loads((root / "versions.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(versions, list) or not all(isinstance(v, str) for v in versions):
        return {}
    newest = versions[0] if versions else ""
    return {
        f"versioned_docs/version-{version}": f"an older version of the docs (the newest is {newest})"
        for version in versions[1:]
    }


def _read_config(path: Path) -> dict:
    """A site config as a dict ({} when unreadable: the generator's defaults then apply). YAML tags
    such as MkDocs' `!!python/name:...` are read as plain values."""
    try:
        text = path.read_text("utf-8", errors="replace")
        if path.suffix == ".toml":
            data = tomllib.loads(text)
        elif path.suffix == ".json":
            data = json.loads(text)
        else:
            data = yaml.load(text, Loader=_TolerantLoader)  # noqa: S506 - safe constructors only
    except (OSError, ValueError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


class _TolerantLoader(yaml.SafeLoader):
    """SafeLoader that reads a value under an unknown tag as None instead of refusing the file."""


_TolerantLoader.add_multi_constructor("", lambda loader, suffix, node: None)


def _relative_folder(value: object, default: str) -> str:
    """A config's page folder as a clean relative POSIX path (the default when absent or escaping)."""
    text = str(value).strip().strip("/") if isinstance(value, str) and value.strip() else default
    parts = [p for p in text.replace("\\", "/").split("/") if p not in ("", ".")]
    return "/".join(parts) if parts and ".." not in parts else default


def not_a_note(name: str) -> str:
    """Why the file `name` is not a person's note although its type is read (a tool's `.txt`), or ""."""
    if TOOL_TEXT_FILES.fullmatch(PurePosixPath(name).name):
        return "a tool's file, not a note"
    return ""
