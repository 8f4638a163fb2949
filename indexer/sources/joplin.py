"""Joplin notes from its exports, each one document with its pictures in place: the note as its
document's page here, for the "RAW - Joplin Export Directory" (`joplin_raw.py`) and the "JEX -
Joplin Export File" (the same in a tar, `joplin_jex.py`).

A RAW export is a folder of `<32-hex id>.md` items (notes, notebooks, tags, tag links, attachments'
descriptions; see `joplin_items.py`) and `resources/<id>.<ext>`, the attachments. Read:
- each note as one document, id its file (`0a1b...md`), titled by its title; its title (unless
  its body opens with it), then its body as Markdown (an HTML note, `markup_language: 2`, as
  HTML), as Joplin shows the note; Joplin's properties are never its text;
- its pictures, `![alt](:/<resource id>)` or `<img src=":/<id>">`, in place from `resources/`; a
  picture the export does not hold is reported ("missing"), an attachment that is no picture
  (PDF, audio...) reported as not read; links to other notes keep their text;
- its notebooks (`Work / Projects`) as the `notebook` property, its tags (tag links) as tags, its
  to-do state, due and completion times, creation and update times, source URL, author and place
  as properties.
Not read, and said: a note in Joplin's trash ("excluded"), an item Joplin left encrypted (exported
without its end-to-end encryption key: "unreadable"), an item whose properties are damaged. A
notebook, tag, tag link or attachment item is no document (they are read into the notes: passed
over), nor is an attachment file a note links (said by the note); one no note links is said.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import UTC, datetime

from indexer.sources.base import EmbeddedImage, ImageLink, ParsedPage, warn
from indexer.sources.html import parse_html_fragment
from indexer.sources.joplin_items import KINDS, LINK, Export, Item
from indexer.sources.markdown import markdown_body

DAMAGED = "a damaged Joplin item (its properties are not readable)"
_PLAIN_LINK = re.compile(r"(?<!!)\[([^\]\n]*)\]\(\s*<?:/([0-9a-fA-F]{32})")  # `[report.pdf](:/id)`
_HTML_LINK = re.compile(r"<a\b[^>]*href=[\"']:/([0-9a-fA-F]{32})", re.IGNORECASE)
# (the resource's file under resources/, how to name it) -> its picture: a link into the folder, or
# its bytes inside a .jex (None: said why)
Picture = Callable[[str, str], ImageLink | EmbeddedImage | None]


def note_page(item: Item, export: Export, name: str, picture: Picture) -> ParsedPage | None:
    """The note `item` of `export`, as a document's page (see the module doc); None when it is
    not read (said why). `name` is the file as problems are reported."""
    if item.encrypted:
        return say_encrypted(item, name)
    which = f"note '{item.title}'" if item.title else f"note {item.id}"
    if _number(item.props.get("deleted_time")) > 0:
        warn(f"{name}: {which} is in Joplin's trash, not indexed", file=name, reason="excluded")
        return None
    said: set[str] = set()

    def attachment(resource: str, written: str) -> None:
        if resource in said or resource in export.notes:
            return
        said.add(resource)
        if resource not in export.resources and resource not in export.files:
            message = f"{name}: {which} shows a picture the export does not hold, skipped: {written}"
            warn(message, file=name, reference=written, reason="missing")
        elif (kind := export.kind_of(resource)) != "picture":
            file = export.resource_file(resource)
            title = export.resources[resource].title if resource in export.resources else file
            message = f"{name}: {which}: a {kind} ({title}) is not read"
            warn(message, file=name, reference=written, reason="unsupported type")

    html = item.props.get("markup_language") == "2"
    parsed = parse_html_fragment(item.body) if html else markdown_body(item.body).items
    first = next((line.strip().lstrip("#").strip() for line in item.body.splitlines() if line.strip()), "")
    items: list = [f"{item.title}\n\n"] if item.title and first != item.title else []  # as Joplin shows it
    for part in parsed:
        target = LINK.fullmatch(part.target.strip()) if isinstance(part, ImageLink) else None
        if target is None:
            items.append(part)
            continue
        resource, written = target.group(1).lower(), part.written or part.target
        if resource in export.notes:  # a picture link to a note: its title, as words
            items.append(export.notes[resource])
        elif (resource in export.resources or resource in export.files) and export.kind_of(
            resource
        ) == "picture":
            if shown := picture(export.resource_file(resource), f"{written} in {which}"):
                items.append(shown)
        else:
            attachment(resource, written)
    for match in (*_PLAIN_LINK.finditer(item.body), *_HTML_LINK.finditer(item.body)):
        resource = match.group(match.lastindex).lower()
        known = resource in export.resources or resource in export.files  # else a note not exported
        if known and export.kind_of(resource) != "picture":
            attachment(resource, f":/{resource}")
    meta = {"tags": export.tag_names(item.id), "properties": _properties(item, export)}
    return ParsedPage(tuple(items), title=item.title, meta=meta, key=item.id)


def say_encrypted(item: Item, name: str) -> None:
    """Say that an item is still encrypted (not read); None, for the parsers to return."""
    kind = KINDS.get(item.type, "item") + ("" if item.id in name else f" ({item.id})")  # in a .jex: which
    message = (
        f"{name}: a Joplin {kind} still encrypted (exported without its end-to-end encryption key), "
        "not read; export again from Joplin once it has decrypted your notes"
    )
    warn(message, file=name, reason="unreadable")


def _properties(item: Item, export: Export) -> dict:
    props, out = item.props, {}
    if notebook := export.notebook(item):
        out["notebook"] = notebook
    for key, field in (("created", "user_created_time"), ("updated", "user_updated_time")):
        if when := _iso(props.get(field) or props.get(field.removeprefix("user_"), "")):
            out[key] = when
    if props.get("is_todo") == "1":
        done = _number(props.get("todo_completed"))
        out["todo"] = "done" if done else "open"
        if done and (when := _from_ms(done)):
            out["completed"] = when
        if (due := _number(props.get("todo_due"))) and (when := _from_ms(due)):
            out["due"] = when
    for key in ("source_url", "author"):
        if value := props.get(key, "").strip():
            out[key] = value
    latitude, longitude = _number(props.get("latitude"), float), _number(props.get("longitude"), float)
    if (latitude or longitude) and math.isfinite(latitude + longitude):
        out["location"] = f"{latitude:.5f}, {longitude:.5f}"
    if props.get("is_conflict") == "1":
        out["conflict"] = True
    return out


def _number(text: str | None, kind: type = int):
    try:
        return kind(text) if text else kind(0)
    except ValueError:
        return kind(0)


def _from_ms(ms: int) -> str:
    try:
        return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return ""


def _iso(text: str) -> str:
    """Joplin's `2022-08-29T14:43:06.961Z` to the second; "" when there is none."""
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?Z?", text.strip())
    return f"{match.group(1)}Z" if match else ""
