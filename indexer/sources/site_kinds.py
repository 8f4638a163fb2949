"""The book and JavaScript site generators how-to and notes collections are built with (see
`site.py`): mdBook, VuePress, VitePress, Hexo, Docsify and GitBook, recognised by their own files, at
the collection's root or one folder down (`docs/`, `book/`, the usual places, or any folder beside
the project's `package.json`):

- mdBook (`book.toml` with a `[book]` or `[output]` table, and a `SUMMARY.md` in its source folder;
  another tool's `book.toml`, or a `src/` folder alone, is not one): pages are under `[book] src`
  (default `src/`), and only the chapters `SUMMARY.md` lists: it is the book's table of contents
  (navigation, not a note), and a Markdown file it does not list is not in the built book (a part
  a chapter `{{#include}}`s, a draft): said, not read. The built copy (`[build] build-dir`, default
  `book/`, often committed) is left out and said, never read as duplicate HTML pages; `theme/`
  holds its templates. `![](img/a.png)` is read from the page's folder, `/a.png` from `src/`. A
  book whose `book.toml` sits beside a GitBook's `book.json` is the mdBook. Its directives
  (`{{#include}}`, `{{#title}}`...): `site_includes.py`.

- VuePress (a `.vuepress/` folder, its config there or in `vuepress.config.ts` at the project's
  root): the folder holding `.vuepress/` is the site's source, its
  pages; `/hero.png` is served from `.vuepress/public/`; the config's `dest` (from the project's
  root) is the built copy;
- VitePress (`.vitepress/config.js|ts|mts|...`): pages are under the config's `srcDir` (default the
  folder holding `.vitepress/`), `/logo.png` is served from `<srcDir>/public/` (left out as pages:
  files the site serves as they are); the config's `outDir` is the built copy;
- Hexo (`_config.yml` with Hexo's own keys, `source_dir: source`, or beside `scaffolds/`): pages are
  under `source/`; `themes/`, `scaffolds/` (templates for new posts, `title: {{ title }}`) and the
  built `public/` are not; nor `source/` folders starting with `_` other than `_posts/`, `_drafts/`
  (theme data), nor the config's `skip_render`. `/images/a.png` is `source/images/a.png`; a post's
  pictures may sit in its asset folder (`source/_posts/<post>/`, linked as `a.png`);
- Docsify (an `index.html` that sets `window.$docsify`): pages are under its `basePath` (else the
  folder of the `index.html`); `_sidebar.md`, `_navbar.md` and `_coverpage.md` (or the files its
  `loadSidebar`, `loadNavbar`, `coverpage` name) are its navigation, not notes, the `index.html` its app;
- GitBook (`SUMMARY.md` beside `book.json` or `.gitbook.yaml`, or a `.gitbook/` folder): pages are
  under its `root`; `SUMMARY.md` (its table of contents) and `LANGS.md` are navigation, `_book/` the
  built copy. Pictures uploaded to GitBook sit in the hidden `.gitbook/assets/`, linked from any page
  as `.gitbook/assets/x.png` (or `../.gitbook/assets/x.png`): read from the book's root either way.
- Quartz (`quartz.config.ts`, an Obsidian vault published as a site): pages are its `content/`
  vault, less the config's `ignorePatterns`; Quartz's own `docs/` are not (`site_quartz.py`).
JavaScript and TypeScript configs are read without running them: the string values of the few
options named here, as written (a value computed at build time keeps the generator's default).
"""

from __future__ import annotations

import json
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote

from indexer.sources.site import SiteLayout, _read_config, _relative_folder
from indexer.sources.site_quartz import quartz_layout
from mme_core.documents import IMAGE_EXTENSIONS

JS_CONFIG_SUFFIXES = ("js", "ts", "mjs", "mts", "cjs", "cts")
VUEPRESS_CONFIGS = tuple(f".vuepress/config.{ext}" for ext in (*JS_CONFIG_SUFFIXES, "yml", "yaml", "toml"))
VUEPRESS_ROOT_CONFIGS = tuple(f"vuepress.config.{ext}" for ext in JS_CONFIG_SUFFIXES)
VITEPRESS_CONFIGS = tuple(f".vitepress/config.{ext}" for ext in JS_CONFIG_SUFFIXES)
HEXO_KEYS = frozenset({"source_dir", "public_dir", "new_post_name", "post_asset_folder", "default_layout"})
DOCSIFY_NAVIGATION = ("_sidebar.md", "_navbar.md", "_coverpage.md")
SITE_FOLDERS = ("docs", "doc", "website", "site", "blog", "src", "book")  # where a repository keeps its site
# Hidden files a zip of such a site must keep: the configs that say its kind (or a SiYuan notebook's
# name), and its pictures
_HIDDEN_CONFIG = re.compile(
    r"(?:^|/)(?:\.(?:vuepress|vitepress)/config\.\w+|\.gitbook\.yaml|\.siyuan/conf\.json)$"
)
_HIDDEN_PICTURES = re.compile(r"(?:^|/)(?:\.vuepress/public|\.gitbook/assets)/")
SERVED = "files the site serves as they are"


def js_site_layout(root: Path) -> SiteLayout | None:
    """The layout of a VuePress, VitePress, Hexo, Docsify, GitBook or Quartz site at `root` or one folder
    down, or None. One folder down, the site's pages are the collection's pages (the repository's
    own README and tooling beside them are reported outside the site)."""
    for folder in _site_folders(root):
        for kind in (_mdbook, _vuepress, _vitepress, _hexo, _docsify, _gitbook, quartz_layout):
            if (layout := kind(root, folder)) is not None:
                return layout
    return None


def kept_hidden(name: str) -> bool:
    """Whether the file `name` (relative POSIX, in a hidden folder) is one of a site's own that a copy
    of the collection must keep: a VuePress or VitePress config, a picture its pages show from
    `.vuepress/public/` or `.gitbook/assets/`."""
    if _HIDDEN_CONFIG.search(name):
        return True
    return bool(_HIDDEN_PICTURES.search(name)) and name.lower().endswith(IMAGE_EXTENSIONS)


def _site_folders(root: Path) -> list[str]:
    """Where a site's files may be: the root, then the usual site folders, or with a `package.json`
    at the root (a JavaScript project), any folder beside it."""
    project = (root / "package.json").is_file()
    try:
        below = sorted(
            entry.name
            for entry in root.iterdir()
            if entry.is_dir() and not entry.name.startswith((".", "_")) and entry.name != "node_modules"
        )
    except OSError:
        below = []
    return ["", *(name for name in below if project or name in SITE_FOLDERS)]


def _join(*parts: str) -> str:
    return "/".join(part for part in parts if part)


def _config_file(root: Path, folder: str, names: tuple[str, ...]) -> Path | None:
    return next((root / folder / name for name in names if (root / folder / name).is_file()), None)


def _mdbook(root: Path, folder: str) -> SiteLayout | None:
    here = root / folder
    if not (here / "book.toml").is_file():
        return None
    config = _read_config(here / "book.toml")
    book, build = config.get("book"), config.get("build")
    if not isinstance(book, dict) and not isinstance(config.get("output"), dict):
        return None  # another tool's `book.toml`
    value = book.get("src") if isinstance(book, dict) and isinstance(book.get("src"), str) else "src"
    source = _relative_folder(value, ".").strip(".")  # `src = "."`: the book's own folder
    pages = _join(folder, source)
    if not (root / pages / "SUMMARY.md").is_file():
        return None  # mdBook builds no book without its table of contents
    built = _relative_folder(build.get("build-dir") if isinstance(build, dict) else None, "book")
    built = _join(folder, built)
    return SiteLayout(
        "mdBook",
        pages,
        skip_dirs={
            built: "the built book",
            _join(folder, "theme"): "mdBook's page templates, not pages",
        },
        skip_files={_join(pages, "SUMMARY.md"): "the book's table of contents, not a note"},
        served=(pages,) if pages else (),  # `/a.png` is `<src>/a.png`
        chapters=_chapters(root, pages),
    )


_CHAPTER_LINK = re.compile(r"\]\(\s*<?([^)>]+?\.md)>?(?:#[^)]*)?\s*\)")


def _chapters(root: Path, pages: str) -> frozenset[str]:
    """The pages an mdBook's `SUMMARY.md` lists (collection-relative): the book's chapters; a Markdown
    file it does not list is not rendered (a part other pages `{{#include}}`, a draft)."""
    try:
        summary = (root / pages / "SUMMARY.md").read_text("utf-8", errors="replace")
    except OSError:
        return frozenset()
    found = set()
    for link in _CHAPTER_LINK.findall(summary):
        path = posixpath.normpath(posixpath.join(pages, unquote(link.strip()).lstrip("/")))
        if not path.startswith(".."):
            found.add(path)
    return frozenset(found)


def _vuepress(root: Path, folder: str) -> SiteLayout | None:
    config = _config_file(root, folder, VUEPRESS_CONFIGS) or _config_file(root, "", VUEPRESS_ROOT_CONFIGS)
    if not (root / folder / ".vuepress").is_dir():  # VuePress 2's config may sit at the project's root
        return None
    options = _options(config, ("dest", "base")) if config is not None else {}
    skip = _built(root, "", options.get("dest"))  # relative to where it runs, the project's root
    return SiteLayout(
        "VuePress",
        folder,
        skip_dirs=skip,
        served=(_join(folder, ".vuepress/public"),),
        base=options.get("base", ""),
    )


def _vitepress(root: Path, folder: str) -> SiteLayout | None:
    config = _config_file(root, folder, VITEPRESS_CONFIGS)
    if config is None:
        return None
    options = _options(config, ("srcDir", "outDir", "base"))
    pages = _join(folder, _relative_folder(options.get("srcDir"), ".").strip("."))
    public = _join(pages, "public")
    skip = {public: SERVED, **_built(root, folder, options.get("outDir"))}
    return SiteLayout("VitePress", pages, skip_dirs=skip, served=(public,), base=options.get("base", ""))


def _hexo(root: Path, folder: str) -> SiteLayout | None:
    config_path = _config_file(root, folder, ("_config.yml", "_config.yaml"))
    if config_path is None:
        return None
    config = _read_config(config_path)
    hexo_keys = bool(HEXO_KEYS & set(config)) or (root / folder / "scaffolds").is_dir()
    source = _relative_folder(config.get("source_dir"), "source")
    if "source" in config or not hexo_keys or not (root / folder / source).is_dir():
        return None  # Jekyll's config (its `source:` key), or another tool's
    public = _relative_folder(config.get("public_dir"), "public")
    skip = {
        _join(folder, "themes"): "Hexo themes: page templates, not pages",
        _join(folder, "scaffolds"): "Hexo's templates for new posts, not pages",
        _join(folder, public): "the built site",
    }
    pages = _join(folder, source)
    for entry in sorted((root / pages).iterdir()):  # Hexo renders no `_folder` but its posts
        if entry.is_dir() and entry.name.startswith("_") and entry.name not in ("_posts", "_drafts"):
            skip[_join(pages, entry.name)] = "Hexo theme data, not pages"
    render = config.get("skip_render")
    globs = [render] if isinstance(render, str) else render if isinstance(render, list) else []
    for glob in (str(g).strip("/") for g in globs):  # `secret/**`: a folder, said once
        if glob.endswith("/**") and not any(c in glob[:-3] for c in "*?["):
            skip[_join(pages, glob[:-3])] = "excluded by the Hexo site's configuration"
    return SiteLayout(
        "Hexo",
        pages,
        skip_dirs=skip,
        skip_globs=tuple(_join(pages, str(g).strip("/")) for g in globs if str(g).strip("/")),
        served=(pages,),
        post_assets=(_join(pages, "_posts"), _join(pages, "_drafts")),
        base=str(config.get("root") or ""),
    )


_DOCSIFY = re.compile(r"\$docsify\s*=")
_BASE_PATH = re.compile(r"""\bbasePath\s*:\s*(['"])(?P<value>[^'"]*)\1""")
_NAVIGATION_OPTION = re.compile(r"""\b(?:loadSidebar|loadNavbar|coverpage)\s*:\s*(['"])(?P<value>[^'"]+)\1""")


def _docsify(root: Path, folder: str) -> SiteLayout | None:
    index = root / folder / "index.html"
    try:
        page = index.read_text("utf-8", errors="replace") if index.is_file() else ""
    except OSError:
        return None
    if not _DOCSIFY.search(page):
        return None
    base = _BASE_PATH.search(page)
    value = base["value"] if base else ""
    content = _relative_folder(value, ".").strip(".") if "//" not in value else ""
    pages = _join(folder, content) if content and (root / folder / content).is_dir() else folder
    named = [
        m["value"].rsplit("/", 1)[-1] for m in _NAVIGATION_OPTION.finditer(page)
    ]  # `loadSidebar: 'toc.md'`
    navigation = "Docsify navigation, not a note"
    return SiteLayout(
        "Docsify",
        pages,
        skip_files={_join(folder, "index.html"): "the Docsify site's app page, not a note"},
        skip_names=dict.fromkeys(
            (*DOCSIFY_NAVIGATION, *(name for name in named if name.endswith(".md"))), navigation
        ),
        served=(folder,) if folder else (),
    )


def _gitbook(root: Path, folder: str) -> SiteLayout | None:
    here = root / folder
    declared = (here / "book.json").is_file() or (here / ".gitbook.yaml").is_file()
    if not (declared or (here / ".gitbook").is_dir()):
        return None
    book = _book_root(here)
    summary = "SUMMARY.md"
    if (here / ".gitbook.yaml").is_file():
        structure = _read_config(here / ".gitbook.yaml").get("structure")
        if isinstance(structure, dict) and isinstance(structure.get("summary"), str):
            summary = structure["summary"].rsplit("/", 1)[-1]
    pages = _join(folder, book)
    if not (root / pages / summary).is_file():
        return None
    return SiteLayout(
        "GitBook",
        pages,
        skip_dirs={_join(pages, "_book"): "the built book"},
        skip_names={
            summary: "the book's table of contents, not a note",
            "LANGS.md": "the book's list of languages",
        },
        served=(pages,) if pages else (),
        book=pages,
    )


def _book_root(here: Path) -> str:
    """The book's `root` (book.json, or `.gitbook.yaml`), "" for the folder itself."""
    value: object = None
    if (here / ".gitbook.yaml").is_file():
        value = _read_config(here / ".gitbook.yaml").get("root")
    elif (here / "book.json").is_file():
        try:
            data = json.loads((here / "book.json").read_text("utf-8", errors="replace"))
        except (OSError, ValueError):
            data = {}
        value = data.get("root") if isinstance(data, dict) else None
    folder = _relative_folder(value, ".").strip(".")
    return folder if folder and (here / folder).is_dir() else ""


def _built(root: Path, folder: str, value: str | None) -> dict[str, str]:
    """The built copy a config's `dest` / `outDir` names, relative to the collection (it may sit
    beside the site's folder: `outDir: '../dist'`), when inside the collection."""
    if not value:
        return {}
    target = (root / folder / value.strip()).resolve()
    try:
        relative = target.relative_to(root.resolve()).as_posix()
    except ValueError:
        return {}
    return {relative: "the built site"} if relative not in ("", ".") else {}


def _options(config: Path, names: tuple[str, ...]) -> dict[str, str]:
    """The string options `names` a site config sets (`srcDir: 'src'`, `base: "/notes/"`), read from
    JavaScript/TypeScript text as written or from YAML/TOML; a computed value is left out."""
    if config.suffix in (".yml", ".yaml", ".toml"):
        data = _read_config(config)
        return {name: data[name] for name in names if isinstance(data.get(name), str)}
    try:
        text = config.read_text("utf-8", errors="replace")
    except OSError:
        return {}
    text = re.sub(r"^\s*//.*$", "", text, flags=re.MULTILINE)  # a commented-out `// base: '/x/'`
    found = {}
    for name in names:
        if match := re.search(rf"""\b{name}\s*:\s*(['"`])(?P<value>[^'"`$]*)\1\s*[,}}\n]""", text):
            found[name] = match["value"]
    return found
