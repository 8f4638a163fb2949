"""Files a site's page takes in when it is built: mdBook's `{{#include}}` and a Jekyll include's template.

A page's parser sees its own bytes only; while a folder reader reads a page, `reading_page` says which
collection it is in, so that the page's includes are read from there, never from outside it, and
the stat cache reads the page again when a file it took in (or looked for: a missing include, a
drawing's exported picture) appears, changes or goes away.

mdBook (see `site_kinds.py`) replaces, before rendering, wherever they are in the page (in a code
fence too, where they usually are):
- `{{#include file}}`, `{{#include file:2:10}}` (lines 2 to 10; `:2` line 2 alone, `:2:` from 2,
  `::10` up to 10), `{{#include file:anchor}}` (the lines between `ANCHOR: anchor` and `ANCHOR_END:
  anchor`; no `ANCHOR` line is shown), and `{{#rustdoc_include file:...}}` (the same lines shown; the
  rest of the file is hidden code): the file's lines. The file is found from the including file's
  folder; an included Markdown file's own includes are read in turn (10 deep at most, as mdBook).
- `{{#playground file}}` (`{{#playpen file}}`): the file as a Rust code block.
- `{{#title Words}}`: the page's title, not its text. `\\{{#include x}}` is the directive as words.
  Other `{{#name ...}}` directives (preprocessors' `{{#tabs}}`, `{{#template ...}}`) show nothing.
A file that is missing, outside the collection, binary or including itself is said ("missing",
"outside the collection", "unsupported type", "other") and left out, the page read without it; one
over `MAX_INCLUDE_BYTES` is left out as "too large", and what one include inserts is cut at
`MAX_INCLUDE_CHARS` (said), a page's includes together at `MAX_PAGE_INCLUDE_CHARS`.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

from indexer.sources.text import looks_binary
from indexer.sources.warning import warn

MAX_INCLUDE_BYTES = 2_000_000  # a bigger file is not text a page shows (a data dump, a binary)
MAX_INCLUDE_CHARS = 100_000  # what one include inserts at most
MAX_PAGE_INCLUDE_CHARS = 1_000_000  # what a page's includes insert together at most
MAX_DEPTH = 10  # mdBook's own limit on includes inside included files


@dataclass
class _Page:
    root: Path
    depend: Callable[[str], None]
    name: str = ""  # the page, collection-relative
    inserted: int = 0  # characters the page's includes inserted so far
    templates: dict[str, str | None] = field(default_factory=dict)  # Jekyll include file -> its text


_PAGE: ContextVar[_Page | None] = ContextVar("site_page", default=None)


@contextmanager
def reading_page(root: Path, name: str, depend: Callable[[str], None] | None = None) -> Iterator[None]:
    """While the page `name` of the collection at `root` is parsed: its includes are read from
    there, and `depend` is told each collection file (root-relative POSIX) the page took in."""
    token = _PAGE.set(_Page(Path(root).resolve(), depend or (lambda name: None), name))
    try:
        yield
    finally:
        _PAGE.reset(token)


def reading_root() -> Path | None:
    """The collection folder of the page being read (None outside a folder reader's reading)."""
    page = _PAGE.get()
    return page.root if page is not None else None


def collection_file(name: str) -> tuple[str, str | None, str]:
    """The collection file `name` (root-relative POSIX, may hold `..`) as (its normalised name, its
    text or None, why not: a REASONS value or ""). Outside any collection: (name, None, "")."""
    page = _PAGE.get()
    if page is None:
        return name, None, ""
    clean = posixpath.normpath(name)
    if clean.startswith(("../", "/")) or clean == "..":
        return clean, None, "outside the collection"
    path = page.root / clean
    real = os.path.realpath(path)
    if not real.startswith(os.path.join(str(page.root), "")):
        return clean, None, "outside the collection"
    page.depend(clean)  # the page is read again when the file changes, appears or goes away
    try:
        size = os.stat(real).st_size
        if not os.path.isfile(real):
            return clean, None, "missing"
        if size > MAX_INCLUDE_BYTES:
            return clean, None, "too large"
        data = Path(real).read_bytes()
    except OSError:
        return clean, None, "missing"
    if looks_binary(data):
        return clean, None, "unsupported type"
    return clean, data.decode("utf-8", errors="replace").replace("\r\n", "\n"), ""


# --- mdBook --------------------------------------------------------------------------------------

_DIRECTIVE = re.compile(r"\\\{\{#[^}]*\}\}|\{\{\s*#([A-Za-z0-9_]+)\s*([^}]*?)\s*\}\}")
_INCLUDES = ("include", "rustdoc_include", "playground", "playpen")
_ANCHOR = re.compile(r"ANCHOR(?:_END)?:\s*([\w-]+)")
INCLUDE_PROBLEMS = {  # what is said of an include not read, by reason (AsciiDoc's add their own)
    "missing": "included file not found, left out",
    "outside the collection": "included file is outside the collection, refused",
    "too large": "included file is over {limit:,} bytes, left out",
    "unsupported type": "included file is not text, left out",
}


def mdbook_directives(text: str, name: str) -> tuple[str, str]:
    """The page `name` (collection-relative) with mdBook's directives replaced as the built book
    shows them (see the module doc), and the title a `{{#title}}` gives ("" when none)."""
    if "{{" not in text or "#" not in text:
        return text, ""
    titles: list[str] = []
    return _expand(text, name, name, [name], titles), titles[0] if titles else ""


def include_targets(text: str, source: str) -> list[str]:
    """The files (collection-relative, normalised; `../` when outside) the mdBook directives of the
    page `source` take in, without reading them: what a zip of a book must keep beside its pages."""
    if "{{" not in text:
        return []
    targets = []
    for match in _DIRECTIVE.finditer(text):
        if match[1] is not None and match[1].lower() in _INCLUDES and match[2]:
            path, _, _ = _included(match[2])
            targets.append(posixpath.normpath(posixpath.join(posixpath.dirname(source), path)))
    return targets


def _included(args: str) -> tuple[str, str, list[str]]:
    """An include directive's arguments as (file, line selection, the rest): `a.rs:2:10 editable`."""
    target, *attributes = args.split()
    path, _, selection = target.partition(":")
    return path, selection, attributes


def _expand(text: str, page: str, source: str, stack: list[str], titles: list[str]) -> str:
    def replace(match: re.Match) -> str:
        if match[1] is None:  # `\{{#include x}}`: written to be shown as it is
            return match[0][1:]
        kind, args = match[1].lower(), match[2]
        if kind == "title":
            titles.append(args.strip())
            return ""
        if kind not in _INCLUDES or not args:
            return ""  # a preprocessor's directive we do not run
        return _include(kind, args, match[0], page, source, stack, titles)

    return _DIRECTIVE.sub(replace, text)


def _include(kind: str, args: str, written: str, page: str, source: str, stack, titles) -> str:
    state = _PAGE.get()
    if state is None:
        return ""  # parsed outside a collection: nothing to read it from
    path, selection, attributes = _included(args)
    name, text, problem = collection_file(posixpath.join(posixpath.dirname(source), path))
    if problem:
        said = INCLUDE_PROBLEMS[problem].format(limit=MAX_INCLUDE_BYTES)
        warn(f"{page}: {said}: {written}", file=page, reference=written, reason=problem)
        return ""
    if name in stack or len(stack) > MAX_DEPTH:
        message = "includes itself" if name in stack else f"includes nested over {MAX_DEPTH} deep"
        warn(f"{page}: {message}, left out: {written}", file=page, reference=written, reason="other")
        return ""
    lines = _selected(text or "", selection)
    inserted = "\n".join(line for line in lines if not _ANCHOR.search(line))
    room = min(MAX_INCLUDE_CHARS, MAX_PAGE_INCLUDE_CHARS - state.inserted)
    if len(inserted) > room:
        cut = f"only its first {max(room, 0):,} characters read"
        warn(
            f"{page}: included file is too long, {cut}: {written}",
            file=page,
            reference=written,
            reason="too large",
        )
        inserted = inserted[: max(room, 0)].rsplit("\n", 1)[0] if room > 0 else ""
    state.inserted += len(inserted)
    inserted = _expand(inserted, page, name, [*stack, name], titles)
    if kind in ("playground", "playpen"):
        return f"```rust{',' + ','.join(attributes) if attributes else ''}\n{inserted}\n```"
    return inserted


def _selected(text: str, selection: str) -> list[str]:
    """The lines `selection` names: "" all, `2:10`, `2`, `2:`, `:10` (1-based, inclusive), or an
    anchor's lines (none when the anchor is not in the file, as mdBook)."""
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
    if not selection:
        return lines
    start, colon, end = selection.partition(":")
    if (start.isdigit() or not start) and (end.isdigit() or not end) and (start or end):
        first = int(start) - 1 if start else 0
        last = int(end) if end else (len(lines) if colon else first + 1)
        return lines[max(first, 0) : last]
    taken, inside = [], False
    for line in lines:
        anchor = _ANCHOR.search(line)
        if anchor and anchor[1] == selection:
            inside = "ANCHOR_END" not in line
            continue
        if inside:
            taken.append(line)
    return taken


# --- Jekyll --------------------------------------------------------------------------------------


def jekyll_include(file: str) -> str | None:
    """The text of the Jekyll include `file` the page being read uses: `_includes/<file>` in the
    page's folder or the nearest one above it holding an `_includes/` (the site's root); None when
    there is none (a theme's, installed elsewhere) or outside a collection."""
    state = _PAGE.get()
    if state is None or ".." in file.split("/"):
        return None
    folder = posixpath.dirname(state.name)
    key = f"{folder}\n{file}"
    if key not in state.templates:
        state.templates[key] = None
        while True:
            if (state.root / folder / "_includes").is_dir():
                text = collection_file(posixpath.join(folder, "_includes", file))[1]
                state.templates[key] = text
                break
            if not folder:
                break
            folder = posixpath.dirname(folder)
    return state.templates[key]


def page_shows(link: str) -> bool:
    """Whether the link `link` of the page being read (root-absolute or relative to the page) is a file
    of its collection (False outside one). What the page shows depends on the answer: the page is
    read again when that file appears, changes or goes away (see `collection_file`)."""
    state = _PAGE.get()
    if state is None or "://" in link:
        return False
    link = link.replace("\\", "/")
    folder = "" if link.startswith("/") else posixpath.dirname(state.name)
    clean = posixpath.normpath(posixpath.join(folder, link.lstrip("/")))
    if clean.startswith("..") or clean.startswith("/"):
        return False
    state.depend(clean)
    return (state.root / clean).is_file()
