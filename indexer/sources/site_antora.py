"""An Antora documentation site: AsciiDoc pages in `modules/<module>/pages/`, the rest is theirs.

Antora (Fedora's and CentOS's docs, Couchbase's, many product manuals) builds a site from
*components*: a folder holding `antora.yml` (its `name`, `nav` files and AsciiDoc `attributes`)
beside `modules/`. Each module keeps its files in families:
- `pages/`: the pages (a file or folder named `_...` is hidden: not a page, included by others);
- `images/` (or the older `assets/images/`): the pictures `image::name.png[]` names, from any page
  of the module; `image::other:name.png[]` names another module's, `comp:mod:name.png` another
  component's (resource ids, see `antora_path`);
- `partials/` and `examples/` (`include::partial$steps.adoc[]`): read where pages include them,
  not pages of their own; `attachments/`: files pages link to;
- `nav.adoc` (the files `antora.yml` lists under `nav`, beside `pages/`): the site's menu.
A repository may hold its component at the root or a folder or two down (`docs/`, `de/`), several
too; everything outside the modules' `pages/` (a README, the playbook, a UI bundle) is said, not read.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path

from indexer.languages import is_language
from indexer.sources.site import SiteLayout, _read_config
from indexer.sources.site_kinds import SITE_FOLDERS

ANTORA_CONFIG = "antora.yml"
PLAYBOOK = "antora-playbook.yml"  # the site's build settings: attributes for every component's pages
_SEARCH_DEPTH = 2  # `antora.yml` is looked for this many folders down (`docs/`, `pages/homepage/`)
_FAMILIES = {
    "partials": "Antora partials, read where pages include them",
    "examples": "Antora examples, read where pages include them",
    "attachments": "Antora attachments, files pages link to",
    "images": "Antora images, read where pages show them",
    "assets": "Antora images and attachments, read where pages show them",
}
_NAVIGATION = "the Antora component's navigation menu, not a page"
# `[version@][component:][module:][family$]path`
_RESOURCE = re.compile(
    r"^(?:(?P<version>[^@:$/]+)@)?(?:(?P<component>[^@:$/]+):(?=[^@:$/]+:))?"
    r"(?:(?P<module>[^@:$/]+):)?(?:(?P<family>[a-z]+)\$)?(?P<path>[^:$@]*)$"
)
_PAGE = re.compile(r"^(?:(?P<component>.+)/)?modules/(?P<module>[^/]+)/(?P<family>[^/]+)/")


def components(root: Path) -> dict[str, dict]:
    """The Antora components under `root`: their folder (relative POSIX, "" for the root) -> their
    `antora.yml` as a dict (a folder with `antora.yml` beside `modules/`). Below the root, only
    where a repository keeps its docs (`docs/`, `doc/`, a language's folder `de/`, any folder of a
    project with a playbook or `package.json` at its root), so that a folder of notes holding a
    copy of some component somewhere is not taken for a site."""
    found: dict[str, dict] = {}
    project = any(root.glob("*playbook*.yml")) or (root / "package.json").is_file()
    level = [""]
    for depth in range(_SEARCH_DEPTH + 1):
        below = []
        for folder in level:
            here = root / folder
            if (here / ANTORA_CONFIG).is_file() and (here / "modules").is_dir():
                found[folder] = _read_config(here / ANTORA_CONFIG)
                continue  # a component's own folders hold no other component
            if depth < _SEARCH_DEPTH:
                below += [
                    name for name in _subfolders(here, folder) if folder or project or _docs_folder(name)
                ]
        level = below
    return found


def _docs_folder(name: str) -> bool:
    return name.lower() in (*SITE_FOLDERS, "documentation", "content") or is_language(name)


def _subfolders(here: Path, folder: str) -> list[str]:
    try:
        names = sorted(entry.name for entry in os.scandir(here) if entry.is_dir())
    except OSError:
        return []
    kept = (n for n in names if not n.startswith((".", "_")) and n not in ("node_modules", "build", "public"))
    return [posixpath.join(folder, n) if folder else n for n in kept]


def antora_layout(root: Path) -> SiteLayout | None:
    """The layout of the Antora site at `root` (its components anywhere `components` looks), or None."""
    found = components(root)
    if not found:
        return None
    page_dirs, skip_dirs, skip_files, served = [], {}, {}, []
    for folder, config in found.items():
        modules = root / folder / "modules"
        navigation = config.get("nav") if isinstance(config.get("nav"), list) else []
        for item in navigation:
            if isinstance(item, str):
                skip_files[posixpath.normpath(posixpath.join(folder, item))] = _NAVIGATION
        for module in sorted(entry for entry in modules.iterdir() if entry.is_dir()):
            base = module.relative_to(root).as_posix()
            for entry in sorted(module.iterdir()):
                name = f"{base}/{entry.name}"
                if entry.is_dir() and entry.name == "pages":
                    page_dirs.append(name)
                elif entry.is_dir():
                    skip_dirs[name] = _FAMILIES.get(entry.name, "not a page folder of the Antora module")
                    if entry.name == "images":
                        served.append(name)
                    elif entry.name == "assets":
                        served.append(f"{name}/images")
                elif entry.suffix.lower() == ".adoc" and name not in skip_files:
                    skip_files[name] = (
                        _NAVIGATION if "nav" in entry.stem.lower() else "not in the module's pages/"
                    )
    return SiteLayout(
        "Antora",
        skip_dirs=skip_dirs,
        skip_files=skip_files,
        served=tuple(served),
        page_dirs=tuple(page_dirs),
        hidden_prefix="_",
    )


def page_context(name: str) -> tuple[str, str] | None:
    """(component folder, module) of the collection file `name` when it is in an Antora module."""
    match = _PAGE.match(name)
    return (match["component"] or "", match["module"]) if match else None


def is_component(root: Path, folder: str) -> bool:
    return (root / folder / ANTORA_CONFIG).is_file() and (root / folder / "modules").is_dir()


def component_attributes(root: Path, folder: str) -> dict[str, str]:
    """The AsciiDoc attributes a component's pages get (`asciidoc.attributes` of the playbook, at the
    repository's root or the component's, then of `antora.yml`; a trailing `@`, a soft default, goes)."""
    found: dict[str, str] = {}
    for config in (root / PLAYBOOK, root / folder / PLAYBOOK, root / folder / ANTORA_CONFIG):
        found |= _attributes(_read_config(config)) if config.is_file() else {}
    return found


def _attributes(config: dict) -> dict[str, str]:
    asciidoc = config.get("asciidoc")
    attributes = asciidoc.get("attributes") if isinstance(asciidoc, dict) else None
    if not isinstance(attributes, dict):
        return {}
    found = {}
    for key, value in attributes.items():
        if value is False or value is None:
            continue
        text = "" if value is True else str(value)
        found[str(key)] = text[:-1] if text.endswith("@") else text
    return found


def antora_path(root: Path, target: str, context: tuple[str, str], family: str) -> str | None:
    """The collection-relative file an Antora resource id names (`name.png`, `mod:name.png`,
    `comp:mod:name.png`, `partial$a.adoc`) from a file in `context` (component folder, module), with
    `family` the default (`images` for `image::`, `pages` for `xref:`); None when it names no file
    of a component in the collection. In `images`, the older `assets/images/` is looked at too."""
    match = _RESOURCE.match(target)
    if match is None or not match["path"]:
        return None
    folder, module = context
    if match["component"]:
        folder = next((f for f, c in components(root).items() if c.get("name") == match["component"]), None)
        if folder is None:
            return None
    module = match["module"] or module
    family = {"partial": "partials", "example": "examples", "image": "images", "page": "pages"}.get(
        match["family"] or "", family
    )
    places = [family, "assets/images"] if family == "images" else [family]
    candidates = [posixpath.join(folder, "modules", module, place, match["path"]) for place in places]
    path = next((c for c in candidates if (root / c).is_file()), candidates[0])
    clean = posixpath.normpath(path)
    return None if clean.startswith("..") else clean
