"""SiYuan (思源笔记) notebooks: each `.sy` document read as SiYuan shows it, its pictures in place.

SiYuan keeps a workspace as `data/<notebook id>/<document id>.sy`: one JSON tree of blocks per
document, a sub-document in a folder named by its parent's id (`<parent id>/<child id>.sy`), the
notebook's name in its hidden `.siyuan/conf.json`, pictures in `assets/` (the workspace's
`data/assets/`, or the notebook's own), linked as `assets/<name>-<time>-<id>.png`. Nothing in it
is Markdown, so a workspace or a notebook added as a folder gave nothing, without a word. Read:
- the title (`Properties.title`), then the blocks in order: headings as `## text`, paragraphs, list
  items (`- `, `1. `, `[x] ` for tasks), tables row by row, quotes and callouts (its title first),
  code and formulas as written, an HTML block's words; inline marks (bold, code, keys, links) as
  their words, a block reference as its anchor text, an inline memo's words after what it notes;
- each picture where it stands, found in `assets/` beside the notebook or the workspace's data;
- tags (the document's `tags` and inline `#tag#`s), aliases (`alias`), the notebook and the
  parent documents' titles as `notebook` (`SiYuan User Guide / Please Start Here / Editor`),
  created (from the id) and updated times, and the `custom-` attributes as properties.
A video (`<video src="assets/...">`) is read in place: its length and keyframes (`note_videos.py`).
Said, not dropped: audio recordings ("unsupported type"), a database view (its rows
live in SiYuan's own storage: "unsupported type"), a `.sy` file that is no SiYuan document.
A block query embed (`{{SELECT ...}}`) shows other documents' blocks, read in those documents.
The workspace's own folders (history copies, templates, plugins, settings): `siyuan_layout`.
"""

from __future__ import annotations

import html
import json
import posixpath
import re
from functools import lru_cache
from pathlib import Path

from indexer.sources.base import ImageLink, ParsedPage, warn
from indexer.sources.site import SiteLayout
from indexer.sources.site_includes import collection_file, page_shows
from indexer.sources.titles import TITLE_MAX_CHARS

SY_ID = re.compile(r"(\d{14})-[0-9a-z]{7}")  # a block's id: its creation time and a random part
_MEDIA = {"NodeVideo": "a video", "NodeAudio": "an audio recording"}
_SRC = re.compile(r"""\bsrc=["']([^"']+)["']""")
_TAGS = re.compile(r"<rt>.*?</rt>|<[^>]+>", re.DOTALL)  # ruby annotations go with the tags
# A workspace's folders that hold no notes (SiYuan's own), by where they sit
WORKSPACE_FOLDERS = {
    "history": "SiYuan's history: earlier copies of pages",
    "temp": "SiYuan's temporary files",
    "conf": "SiYuan's settings",
    "repo": "SiYuan's sync snapshots",
}
DATA_FOLDERS = {
    "templates": "SiYuan's templates, not notes",
    "widgets": "SiYuan widgets (an app's files)",
    "plugins": "SiYuan plugins (an app's files)",
    "emojis": "SiYuan's emoji pictures",
    "snippets": "SiYuan's code snippets (an app's files)",
    "storage": "SiYuan's storage (databases, recent documents)",
    "public": "files SiYuan serves as they are",
}


def siyuan_layout(root: Path) -> SiteLayout | None:
    """The layout of a SiYuan workspace (`conf/conf.json` beside `data/`) or of its `data/` folder
    (notebooks holding `.siyuan/conf.json`, beside `storage/`), or None."""
    if (root / "conf" / "conf.json").is_file() and (root / "data").is_dir():
        data = "data"
    elif (root / "storage").is_dir() and any(_notebook_name(str(root / d)) for d in _subfolders(root)):
        data = ""
    else:
        return None
    skip = {name: why for name, why in WORKSPACE_FOLDERS.items() if data}
    skip |= {"/".join(p for p in (data, name) if p): why for name, why in DATA_FOLDERS.items()}
    return SiteLayout("SiYuan", skip_dirs=skip)


def _subfolders(root: Path) -> list[str]:
    try:
        return [entry.name for entry in root.iterdir() if entry.is_dir() and SY_ID.fullmatch(entry.name)]
    except OSError:
        return []


def parse_siyuan(data: bytes, name: str) -> ParsedPage | None:
    """The SiYuan document in a `.sy` file (see the module doc); None, said why, when it is none."""
    try:
        tree = json.loads(data.decode("utf-8", errors="replace"))
    except ValueError as err:
        warn(f"{name}: not a SiYuan document ({err}), skipped", file=name, reason="unreadable")
        return None
    if not isinstance(tree, dict) or tree.get("Type") != "NodeDocument":
        warn(f"{name}: not a SiYuan document (no NodeDocument), skipped", file=name, reason="unreadable")
        return None
    properties = _properties(tree)
    reader = _Reader(name)
    reader.blocks(tree.get("Children"))
    title = " ".join(properties.get("title", "").split())[:TITLE_MAX_CHARS] or "Untitled"
    items = [f"# {title}\n\n", *reader.items]
    return ParsedPage(tuple(items), title=title, meta=_meta(tree, properties, name, reader.tags))


class _Reader:
    """Walks a document's blocks into text and picture links, in reading order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.items: list[str | ImageLink] = []
        self.tags: list[str] = []
        self.pending: list[dict] = []  # pictures met inside a line, placed after it
        self.tight = 0  # inside a list item (its lines are not set apart by blank lines)
        self.after_tight = False  # the last line was a list item's or a table row's

    def blocks(self, children: object, prefix: str = "") -> None:
        for node in children if isinstance(children, list) else []:
            if isinstance(node, dict):
                self.block(node, prefix)

    def block(self, node: dict, prefix: str) -> None:
        kind = node.get("Type")
        if kind in ("NodeList", "NodeBlockquote", "NodeSuperBlock", "NodeTable", "NodeTableHead"):
            quote = "> " if kind == "NodeBlockquote" else ""
            return self.blocks(node.get("Children"), prefix + quote)
        if kind == "NodeCallout":
            if title := _string(node.get("CalloutTitle")).strip():
                self.line(prefix + title)
            return self.blocks(node.get("Children"), prefix)
        if kind == "NodeListItem":
            return self.list_item(node, prefix)
        if kind in _MEDIA:
            source = _SRC.search(_string(node.get("Data")))
            written = html.unescape(source.group(1)) if source else _MEDIA[kind][2:].lstrip()
            if kind == "NodeVideo" and source:  # its length and keyframes in place (`note_videos.py`)
                return self.items.append(ImageLink(_asset(written, self.name), written=written))
            message = f"{self.name}: {_MEDIA[kind]} ({written}) is not read"
            return warn(message, file=self.name, reference=written, reason="unsupported type")
        if kind == "NodeAttributeView":
            view = _string(node.get("AttributeViewID"))
            message = f"{self.name}: a database view ({view}) is not read: its rows are SiYuan's own data"
            return warn(message, file=self.name, reference=view, reason="unsupported type")
        if kind == "NodeHTMLBlock":
            return self.line(
                prefix + " ".join(html.unescape(_TAGS.sub(" ", _string(node.get("Data")))).split())
            )
        if kind in ("NodeCodeBlock", "NodeMathBlock"):
            written = ("NodeCodeBlockCode", "NodeMathBlockContent")
            return self.line(
                "".join(_string(c.get("Data")) for c in _children(node) if c.get("Type") in written)
            )
        if kind == "NodeHeading":
            level = node.get("HeadingLevel") if isinstance(node.get("HeadingLevel"), int) else 2
            return self.inline_line(node, prefix + "#" * max(1, min(level, 6)) + " ")
        if kind == "NodeTableRow":
            cells = [self.inline(cell).strip() for cell in _children(node)]
            self.line(prefix + " | ".join(cell for cell in cells if cell), tight=True)
            return self.flush()  # a cell's pictures after its row
        if kind == "NodeParagraph":
            return self.inline_line(node, prefix)
        self.blocks(node.get("Children"), prefix)  # a block this reader does not know: its words

    def list_item(self, node: dict, prefix: str) -> None:
        data = node.get("ListData") if isinstance(node.get("ListData"), dict) else {}
        marker = f"{data['Num']}. " if isinstance(data.get("Num"), int) and data.get("Typ") == 1 else "- "
        children = _children(node)
        task = next((c for c in children if c.get("Type") == "NodeTaskListItemMarker"), None)
        if task is not None:
            marker += "[x] " if task.get("TaskListItemChecked") else "[ ] "
        first, self.tight = True, self.tight + 1  # a list's lines follow one another
        for child in children:
            if child.get("Type") == "NodeTaskListItemMarker":
                continue
            if first and child.get("Type") == "NodeParagraph":
                self.inline_line(child, prefix + marker)
            else:
                self.block(child, prefix + "  ")
            first = False
        self.tight -= 1

    def inline_line(self, node: dict, lead: str) -> None:
        """A paragraph's or heading's words on one line; its pictures where they stand."""
        words: list[str] = []
        for child in _children(node):
            if child.get("Type") != "NodeImage":
                words.append(self.inline(child))
                continue
            if "".join(words).strip():
                self.line(lead + "".join(words).strip())
            words, lead = [], ""
            self.picture(child)
        if "".join(words).strip():
            self.line(lead + "".join(words).strip())
        self.flush()

    def flush(self) -> None:
        for node in self.pending:
            self.picture(node)
        self.pending = []

    def inline(self, node: dict) -> str:
        kind = node.get("Type")
        if kind == "NodeText":
            return _string(node.get("Data")).replace("\u200b", "")
        if kind == "NodeTextMark":
            marks = _string(node.get("TextMarkType")).split()
            if "inline-math" in marks:
                return _string(node.get("TextMarkInlineMathContent"))
            words = _string(node.get("TextMarkTextContent")).replace("\u200b", "")
            if "tag" in marks and words.strip():
                self.tags.append(words.strip())
                return f"#{words.strip()}#"
            if memo := _string(node.get("TextMarkInlineMemoContent")).strip():
                return f"{words} ({memo})"
            return words
        if kind in ("NodeBr", "NodeSoftBreak"):
            return " "
        if kind == "NodeImage":  # inside a table cell or a mark: placed after the line
            self.pending.append(node)
            return ""
        return "".join(self.inline(child) for child in _children(node))

    def picture(self, node: dict) -> None:
        dest = next((_string(c.get("Data")) for c in _children(node) if c.get("Type") == "NodeLinkDest"), "")
        self.items.append(ImageLink(_asset(dest, self.name), written=dest))

    def line(self, text: str, tight: bool = False) -> None:
        """A line of text; a blank line after it, except between a list's items or a table's rows."""
        if not text.strip():
            return
        tight = tight or self.tight > 0
        if self.after_tight and not tight:
            self.items.append("\n")  # a list or table ended: a blank line before what follows
        self.items.append(text.rstrip() + ("\n" if tight else "\n\n"))
        self.after_tight = tight


def _asset(dest: str, name: str) -> str:
    """Where `assets/x.png` is: the nearest `assets/` folder up from the document (the notebook's,
    the workspace's data), as a collection-absolute link; else the link as written (said missing)."""
    if not dest.startswith("assets/"):
        return dest
    folder = posixpath.dirname(name)
    while True:
        candidate = posixpath.join(folder, dest)
        if page_shows("/" + candidate):
            return "/" + candidate
        if not folder:
            return dest
        folder = posixpath.dirname(folder)


def _meta(tree: dict, properties: dict[str, str], name: str, inline_tags: list[str]) -> dict:
    tags = [t.strip() for t in properties.get("tags", "").split(",") if t.strip()] + inline_tags
    aliases = [a.strip() for a in properties.get("alias", "").split(",") if a.strip()]
    found: dict = {}
    if chain := _notebook_chain(name):
        found["notebook"] = chain
    if created := SY_ID.fullmatch(_string(tree.get("ID"))):
        found["created"] = _time(created.group(1))
    if re.fullmatch(r"\d{14}", properties.get("updated", "")):
        found["updated"] = _time(properties["updated"])
    for key, value in properties.items():
        if key.startswith("custom-") and value.strip():
            found[key[len("custom-") :]] = value.strip()
    return {"tags": list(dict.fromkeys(tags)), "aliases": aliases, "properties": found}


def _notebook_chain(name: str) -> str:
    """The notebook's name, then the titles of the parent documents (folders named by their ids)."""
    parts = name.split("/")[:-1]
    titles = []
    for depth in range(len(parts), -1, -1):  # the document's folder up to the collection's root
        folder = "/".join(parts[:depth])
        if depth and SY_ID.fullmatch(parts[depth - 1]) and (title := _parent_title(folder + ".sy")):
            titles.append(title)
        elif notebook := _notebook_name_at(folder):
            titles.append(notebook)
            break
    return " / ".join(reversed(titles))


def _parent_title(name: str) -> str:
    _, text, _ = collection_file(name)  # read again when the parent is renamed
    return _title_in(text) if text is not None else ""


@lru_cache(maxsize=512)
def _title_in(text: str) -> str:
    """A document's title from its `.sy` text: parsed once for all its children (a parent may be big)."""
    try:
        tree = json.loads(text)
    except ValueError:
        return ""
    return " ".join(_properties(tree).get("title", "").split()) if isinstance(tree, dict) else ""


def _notebook_name_at(folder: str) -> str:
    """The name of the notebook at `folder` (collection-relative), read as the page depends on it."""
    _, text, _ = collection_file(posixpath.join(folder, ".siyuan/conf.json"))
    return _name_in(text) if text is not None else ""


@lru_cache(maxsize=256)
def _notebook_name(folder: str) -> str:
    """The same for an absolute folder, outside a page's reading (recognising a workspace's data)."""
    try:
        return _name_in(Path(folder, ".siyuan", "conf.json").read_text("utf-8"))
    except OSError:
        return ""


def _name_in(conf_text: str) -> str:
    try:
        conf = json.loads(conf_text)
    except ValueError:
        return ""
    return " ".join(_string(conf.get("name")).split()) if isinstance(conf, dict) else ""


def _properties(tree: dict) -> dict[str, str]:
    found = tree.get("Properties")
    return {k: v for k, v in found.items() if isinstance(v, str)} if isinstance(found, dict) else {}


def _children(node: dict) -> list[dict]:
    found = node.get("Children")
    return [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []


def _time(stamp: str) -> str:
    return f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T{stamp[8:10]}:{stamp[10:12]}:{stamp[12:14]}"


def _string(value: object) -> str:
    return value if isinstance(value, str) else ""
