"""Joplin's items as its exports write them: one `<32-hex id>.md` per note, notebook, tag, tag link
or attachment, its Markdown text followed by a block of `key: value` lines.

Joplin ("JEX - Joplin Export File", a tar; "RAW - Joplin Export Directory", the same as a folder)
serialises every item alike (`BaseItem.serialize` in laurent22/joplin): its title on the first line,
a blank line, its body (notes only), a blank line, then its properties, `type_: N` last. Read here
as Joplin reads them back (`BaseItem.unserialize`): the properties from the end up to the first
blank line, the title the first line before them, the body the lines after the title's blank line.
`Export` gathers what a note needs from the other items: its notebooks, its tags, its attachments
(`resources/<id>.<ext>`, their kind from their item's `mime`).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field

from mme_core.documents import IMAGE_EXTENSIONS

NOTE, FOLDER, RESOURCE, TAG, NOTE_TAG = 1, 2, 4, 5, 6
KINDS = {NOTE: "note", FOLDER: "notebook", RESOURCE: "attachment", TAG: "tag", NOTE_TAG: "tag link"}
ITEM_NAME = re.compile(r"([0-9a-fA-F]{32})\.md")
_ID = re.compile(r"[0-9a-fA-F]{32}")
LINK = re.compile(r":/([0-9a-fA-F]{32})(?:#\S*)?")  # to a note, or an attachment
_KEY = re.compile(r"[a-z][a-z0-9_]*")
_KINDS_OF_FILES = {"application/pdf": "PDF", "audio": "audio recording", "video": "video"}


@dataclass(frozen=True)
class Item:
    """One serialised item: its properties as written (text), its title and, for a note, its body."""

    props: dict[str, str]
    title: str = ""
    body: str = ""

    @property
    def id(self) -> str:
        return self.props["id"].lower()

    @property
    def type(self) -> int:
        return int(self.props["type_"])

    @property
    def encrypted(self) -> bool:
        return self.props.get("encryption_applied", "0").strip() == "1"


def parse_item(text: str) -> Item | None:
    """The item a Joplin export wrote, or None when the text is not one (no `type_` and `id` in a
    well-formed block of properties at its end: a damaged or cut item, or another Markdown file)."""
    lines = text.replace("\r\n", "\n").rstrip().split("\n")
    props: dict[str, str] = {}
    at = len(lines) - 1
    while at >= 0 and lines[at].strip():
        key, colon, value = lines[at].strip().partition(":")
        if not colon or not _KEY.fullmatch(key.strip()):
            return None
        props.setdefault(key.strip(), _unescape(value.strip()))
        at -= 1
    if not props.get("type_", "").isdigit() or not _ID.fullmatch(props.get("id", "")):
        return None
    before = lines[:at] if at > 0 else []
    title = before[0].strip() if before else ""
    body = "\n".join(before[2:]) if props["type_"] == str(NOTE) else ""
    return Item(props, title, body)


def _unescape(value: str) -> str:
    """A property as Joplin writes it: its line breaks as `\\n`."""
    return value.replace("\\n", "\n").replace("\\r", "\r") if "\\" in value else value


@dataclass
class Export:
    """What a note of an export needs from the other items (see `add`)."""

    folders: dict[str, Item] = field(default_factory=dict)
    tags: dict[str, Item] = field(default_factory=dict)
    resources: dict[str, Item] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)  # note id -> title
    tags_of: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # note -> (link, tag) ids
    files: dict[str, str] = field(default_factory=dict)  # resource id -> its file under resources/
    types: dict[str, tuple[int, bool]] = field(default_factory=dict)  # id -> (type, encrypted)
    linked: set[str] = field(default_factory=set)  # the ids the notes link (`:/id`)

    def add(self, item: Item) -> None:
        kind = item.type
        self.types[item.id] = (kind, item.encrypted)
        if kind == NOTE:
            self.notes[item.id] = item.title
            self.linked.update(m.group(1).lower() for m in LINK.finditer(item.body))
        elif kind == FOLDER:
            self.folders[item.id] = item
        elif kind == TAG:
            self.tags[item.id] = item
        elif kind == RESOURCE:
            self.resources[item.id] = Item(item.props, item.title)
        elif kind == NOTE_TAG and not item.encrypted:
            note, tag = item.props.get("note_id", "").lower(), item.props.get("tag_id", "").lower()
            if note and tag:
                self.tags_of.setdefault(note, []).append((item.id, tag))

    def add_file(self, name: str) -> None:
        """A file of the export's `resources/` folder (named `<id>.<ext>`, or `<id>`)."""
        stem = name.partition(".")[0].lower()
        if _ID.fullmatch(stem):
            self.files.setdefault(stem, name)

    def notebook(self, note: Item) -> str:
        """The note's notebooks, outermost first (`Work / Projects`); "" when it has none."""
        names = [f.title if not f.encrypted else "(encrypted notebook)" for f in self._parents(note)]
        return " / ".join(reversed(names))

    def _parents(self, note: Item) -> list[Item]:
        parents, seen, parent = [], set(), note.props.get("parent_id", "").lower()
        while parent and parent in self.folders and parent not in seen:  # a loop ends
            seen.add(parent)
            parents.append(self.folders[parent])
            parent = self.folders[parent].props.get("parent_id", "").lower()
        return parents

    def drawn_on(self, note: Item) -> list[str]:
        """The ids of the items the note's document takes words from: its notebooks, tags, links."""
        tags = [item_id for pair in self.tags_of.get(note.id, []) for item_id in pair]
        return [*(folder.id for folder in self._parents(note)), *tags]

    def tag_names(self, note_id: str) -> list[str]:
        tags = (self.tags.get(tag) for _, tag in self.tags_of.get(note_id, []))
        return list(dict.fromkeys(t.title for t in tags if t is not None and t.title and not t.encrypted))

    def resource_file(self, resource_id: str) -> str:
        """The resource's file under `resources/`: as found, else as Joplin names it."""
        if found := self.files.get(resource_id):
            return found
        item = self.resources.get(resource_id)
        extension = item.props.get("file_extension", "") if item is not None else ""
        return f"{resource_id}.{extension}" if extension else resource_id

    def kind_of(self, resource_id: str) -> str:
        """ "picture" for a resource the encoder reads, else what it is ("PDF", "audio recording"...)."""
        item = self.resources.get(resource_id)
        mime = item.props.get("mime", "").lower() if item is not None else ""
        suffix = posixpath.splitext(self.resource_file(resource_id))[1].lower()
        if mime.startswith("image/") or not mime and suffix in IMAGE_EXTENSIONS:
            return "picture"
        return (
            _KINDS_OF_FILES.get(mime)
            or _KINDS_OF_FILES.get(mime.split("/")[0])
            or (f"{suffix[1:].upper()} file" if suffix else "file")
        )
