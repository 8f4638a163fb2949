"""Evernote exports (`.enex`): a notebook's notes, each its own document, photos in place.

Years of recipes, repair notes and web clips live in Evernote; its export is one XML file per
notebook (or a selection of notes) holding every note and, base64 inside it, every picture. Read:
- each `<note>` as one document, id `file.enex/<title>` (the title and, when two notes of the file
  share it, the note's creation time: stable across exports, which carry no note ids);
- the note's content (ENML, an XHTML dialect) as the HTML of a saved page is read (`html.py`):
  headings, lists, tables, checkboxes (`en-todo`, as `[ ]` / `[x]`);
- pictures (`en-media`, which names a resource by the MD5 of its bytes) in place; pictures
  attached to the note but not placed in its text are read after it. An attached PDF (a manual, a
  scanned recipe) is read where the note shows it, as PDF files are (`pdf.py`). Other attachments
  (audio, archives) and text encrypted in Evernote (`en-crypt`) are reported, not read;
- the title, tags, and the creation time, author and source URL as properties.
An export cut short (an interrupted download) keeps the notes before the cut, and the cut is
reported. A file that is not an Evernote export is reported by name.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
import warnings
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import replace

from indexer.sources.base import CollectionWarning, EmbeddedImage, ImageLink, ParsedPage, warn
from indexer.sources.html import parse_html_fragment
from indexer.sources.pdf import parse_pdf

_MEDIA = "mme-enex-media:"  # what an `en-media` element becomes for the HTML reader: a picture by hash
_EN_MEDIA = re.compile(r"<en-media\b([^>]*?)/?>(?:\s*</en-media>)?", re.IGNORECASE)
_EN_TODO = re.compile(r"<en-todo\b([^>]*?)/?>(?:\s*</en-todo>)?", re.IGNORECASE)
_EN_CRYPT = re.compile(r"<en-crypt\b[^>]*>.*?</en-crypt>", re.IGNORECASE | re.DOTALL)
_HASH = re.compile(r"""\bhash\s*=\s*["']([0-9a-fA-F]{32})["']""")
_CHECKED = re.compile(r"""\bchecked\s*=\s*["']true["']""", re.IGNORECASE)
# Evernote 10's checklist item; the box goes inside the item's first block, beside its text
_CHECKLIST_ITEM = re.compile(
    r"<li\b[^>]*?--en-checked:\s*(true|false)[^>]*>((?:\s*<div[^>]*>)?)", re.IGNORECASE
)
_PROPERTIES = ("author", "source-url", "source")


def parse_enex(data: bytes, name: str) -> list[ParsedPage] | None:
    if not data.strip():
        warn(f"{name}: an empty file, skipped", file=name, reason="empty")
        return None
    notes: list[dict] = []
    try:
        events = ET.iterparse(io.BytesIO(data), events=("start", "end"))
        _, root = next(events)
        if root.tag != "en-export":
            warn(
                f"{name}: not an Evernote export (its XML is <{root.tag}>), skipped",
                file=name,
                reason="unreadable",
            )
            return None
        for event, element in events:
            if event == "end" and element.tag == "note":
                notes.append(_note(element))
                element.clear()  # an export of thousands of photos is not held twice
    except ET.ParseError as err:
        line = err.position[0]
        if not notes:
            warn(
                f"{name}: not an Evernote export (XML error at line {line}), skipped",
                file=name,
                reason="unreadable",
            )
            return None
        cut = (
            f"{name}: the export is cut or damaged at line {line}; the {len(notes)} notes before it are read"
        )
        warn(cut, file=name, reason="unreadable")
    titles = Counter(note["title"] for note in notes)  # an export may hold thousands of notes
    return [_page(note, titles[note["title"]] > 1, name) for note in notes]


def _note(element: ET.Element) -> dict:
    """What a note element holds, as plain values (the element is cleared after)."""
    attributes = element.find("note-attributes")
    resources = []
    for resource in element.findall("resource"):
        names = resource.find("resource-attributes")
        resources.append(
            {
                "data": resource.findtext("data") or "",
                "mime": (resource.findtext("mime") or "").strip().lower(),
                "file": (names.findtext("file-name") if names is not None else None) or "",
            }
        )
    return {
        "title": " ".join((element.findtext("title") or "").split()),
        "created": (element.findtext("created") or "").strip(),
        "tags": [" ".join(t.text.split()) for t in element.findall("tag") if t.text and t.text.strip()],
        "content": element.findtext("content") or "",
        "properties": {
            key: value.strip()
            for key in _PROPERTIES
            if attributes is not None and (value := attributes.findtext(key)) and value.strip()
        },
        "resources": resources,
    }


def _page(note: dict, shared_title: bool, name: str) -> ParsedPage:
    title = note["title"] or "Untitled"
    which = f"note '{title}'"
    by_hash: dict[str, dict] = {}
    for resource in note["resources"]:
        payload = "".join(resource["data"].split())
        try:
            digest = hashlib.md5(base64.b64decode(payload, validate=True)).hexdigest()  # noqa: S324 (ENML's id)
        except (binascii.Error, ValueError):
            digest = ""  # damaged: reported below, where the note shows it or after the note
        by_hash.setdefault(digest or f"damaged {len(by_hash)}", resource | {"data": payload})
    content = note["content"]
    if _EN_CRYPT.search(content):
        warn(
            f"{name}: {which} holds text encrypted in Evernote; that text is not read",
            file=name,
            reason="unreadable",
        )
        content = _EN_CRYPT.sub("", content)
    content = _EN_TODO.sub(lambda m: "[x] " if _CHECKED.search(m.group(1)) else "[ ] ", content)
    content = _CHECKLIST_ITEM.sub(
        lambda m: f"<li>{m.group(2)}[{'x' if m.group(1).lower() == 'true' else ' '}] ", content
    )
    content = _EN_MEDIA.sub(lambda m: _media_tag(m.group(1)), content)
    items: list = []
    shown: set[str] = set()
    for item in parse_html_fragment(content):
        if isinstance(item, ImageLink) and item.target.startswith(_MEDIA):
            digest = item.target[len(_MEDIA) :]
            shown.add(digest)
            items += _resource_items(by_hash.get(digest), digest, which, name)
        else:
            items.append(item)
    for digest, resource in by_hash.items():  # attached, not placed: Evernote lists them under the note
        if digest not in shown and (attached := _resource_items(resource, digest, which, name)):
            items += ["\n\n", *attached]
    key = title if not shared_title else f"{title} {note['created']}".strip()
    properties = {"created": note["created"], **note["properties"]} if note["created"] else note["properties"]
    meta = {"tags": note["tags"], "properties": properties}
    return ParsedPage(tuple(items), title=title, meta=meta, key=re.sub(r"[/#\\]", "-", key))


def _media_tag(attributes: str) -> str:
    found = _HASH.search(attributes)
    return f'<img src="{_MEDIA}{found.group(1).lower()}">' if found else ""


def _resource_items(resource: dict | None, digest: str, which: str, name: str) -> list:
    """What the note shows of a resource: a picture, a PDF's words and pictures (read as PDF files
    are), or nothing (reported) when it is missing, damaged or of another type."""
    if resource is None:
        warn(
            f"{name}: {which} shows a picture the export does not hold, skipped", file=name, reason="missing"
        )
        return []
    written = f"{resource['file'] or resource['mime'] or 'picture'} in {which}"
    if digest.startswith("damaged"):
        warn(f"{name}: {written}: its base64 data is damaged, skipped", file=name, reason="unreadable")
        return []
    if resource["mime"] == "application/pdf":
        return _pdf_items(base64.b64decode(resource["data"]), f"{name}: {written}", name)
    if not resource["mime"].startswith("image/"):
        kind = resource["mime"] or "unknown type"
        warn(f"{name}: attachment {written} ({kind}) is not read", file=name, reason="unsupported type")
        return []
    return [EmbeddedImage(resource["mime"], resource["data"], written)]


def _pdf_items(data: bytes, label: str, name: str) -> list:
    """An attached PDF's words and pictures, its problems reported as the export's (`name`)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CollectionWarning)
        page = parse_pdf(data, label)
    for said in caught:
        if isinstance(said.message, CollectionWarning):
            warn(str(said.message), file=name, reference=said.message.reference, reason=said.message.reason)
        else:
            warnings.warn_explicit(said.message, said.category, said.filename, said.lineno)
    if page is None:
        return []
    pictures_of = label.partition(": ")[2]  # "picture 2 on page 5 of manual.pdf in note 'Boiler'"
    return [
        replace(item, written=f"{item.written} of {pictures_of}") if isinstance(item, EmbeddedImage) else item
        for item in page.items
    ]
