"""Day One journal exports (`Journal.json` + `photos/<md5>.jpeg`): each entry a document, photos in place.

A journal kept in Day One leaves it as a zip of one JSON file per journal (`Journal.json`, or the
journal's name) beside the folders of its media (`photos/`, `videos/`, `audios/`, `pdfs/`), each
file named by its MD5 and type. Read:
- each entry as one document, id `Journal.json/<entry uuid>` (Day One's own id: stable across
  exports), titled as Day One lists it, by its first line (the date when it has no text);
- its `text` (the Markdown Day One writes) as Markdown notes are read; a photo it shows as
  `![](dayone-moment://<identifier>)` in place, from `photos/` beside the JSON; photos attached to
  the entry but not placed in its text after it. Its videos the same way, from `videos/` (also
  `dayone-moment:/video/...`): their length and keyframes in place (`note_videos.py`). Audio
  recordings and PDFs are reported, not read;
- its tags, and its creation time, place and starring as properties.
Only a JSON file that starts as a Day One export does (`{"metadata": {...}, "entries": [`) is read:
other JSON files are a tool's data, passed over as code is. An export cut short (an interrupted
download) keeps the entries before the cut, and the cut is reported; an entry that is not one (not
an object) is reported and the others are read.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from indexer.sources.base import ImageLink, ParsedPage, first_line, warn
from indexer.sources.markdown import markdown_body
from indexer.sources.text import decode_text

SNIFF_BYTES = 4096
# Day One writes `{"metadata" : {"version" : "1.0"}, "entries" : [` first (its own spacing varies)
_EXPORT_START = re.compile(rb'\A\s*\{\s*"metadata"\s*:\s*\{[^{}]*\}\s*,\s*"entries"\s*:\s*\[')
_MOMENT = re.compile(
    r"!\[[^\]\n]*\]\(\s*dayone-moment:/{1,2}(?:(video|audio|pdfAttachment|photo)s?/)?([A-Za-z0-9_-]+)\s*\)"
)
_ENTRIES = re.compile(r'"entries"\s*:\s*\[\s*')
_SEPARATOR = re.compile(r"\s*,?\s*")
_PHOTO = "mme-dayone-photo:"  # a placed photo, for the Markdown reader: found again after parsing
_MEDIA = {"audios": "audio recording", "pdfAttachments": "PDF"}
_KIND = "mme-kind"  # a photo's or a video's: which folder of the export holds it
_MOMENT_KINDS = {"video": "video", "audio": "audio recording", "pdfAttachment": "PDF"}
_FILE_NAME = re.compile(r"[0-9A-Za-z]{8,64}")  # an md5 (hex); nothing that could step out of photos/
_TYPE = re.compile(r"[A-Za-z0-9]{1,8}")
_PLACE = ("placeName", "localityName", "administrativeArea", "country")


def is_dayone_export(path: Path) -> bool:
    """True when the JSON file at `path` starts as a Day One export does (read: its first bytes)."""
    try:
        with path.open("rb") as file:
            head = file.read(SNIFF_BYTES)
    except OSError:
        return False
    return starts_as_dayone(head)


def starts_as_dayone(head: bytes) -> bool:
    """True when a JSON file's first bytes are a Day One export's."""
    return bool(_EXPORT_START.match(head.removeprefix(b"\xef\xbb\xbf")))


def parse_dayone(data: bytes, name: str) -> list[ParsedPage] | None:
    text = decode_text(data, name)  # not UTF-8: decoded as text notes are, and said
    try:
        export = json.loads(text)
    except json.JSONDecodeError as err:
        entries = _entries_before(text, err.pos)
        where = f"JSON error at line {err.lineno}"
        if not entries:
            warn(f"{name}: the Day One export is damaged ({where}), skipped", file=name, reason="unreadable")
            return None
        cut = f"{name}: the export is cut or damaged ({where}); the {len(entries)} entries before it are read"
        warn(cut, file=name, reason="unreadable")
        export = {"entries": entries}
    entries = export.get("entries") if isinstance(export, dict) else None
    if not isinstance(entries, list):
        warn(f"{name}: not a Day One export (no list of entries), skipped", file=name, reason="unreadable")
        return None
    pages = []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            warn(f"{name}: entry {number} is not a journal entry, skipped", file=name, reason="unreadable")
            continue
        pages.append(_page(entry, number, name))
    return pages


def _entries_before(text: str, damage: int) -> list:
    """The whole entries of an export cut short (an interrupted download) before the damage."""
    start = _ENTRIES.search(text)
    entries, decoder, at = [], json.JSONDecoder(), start.end() if start else len(text)
    while at < damage:
        try:
            value, end = decoder.raw_decode(text, at)
        except json.JSONDecodeError:
            break
        entries.append(value)
        at = _SEPARATOR.match(text, end).end()
    return entries


def _page(entry: dict, number: int, name: str) -> ParsedPage:
    created = _string(entry.get("creationDate"))
    text = _string(entry.get("text"))
    title = first_line(_MOMENT.sub("", text).replace("\\", "")) or created[:10] or f"Entry {number}"
    which = f"entry '{title}'"
    photos = {  # its photos and videos, both read in place (a video: `note_videos.py`)
        _string(photo.get("identifier")): {**photo, _KIND: kind}
        for kind in ("photo", "video")
        for photo in entry.get(kind + "s") or []
        if isinstance(photo, dict) and _string(photo.get("identifier"))
    }
    media = {
        _string(item.get("identifier")): kind
        for key, kind in _MEDIA.items()
        for item in entry.get(key) or []
        if isinstance(item, dict)
    }
    placed: list[dict] = []

    def moment(match: re.Match) -> str:
        kind, identifier = match.group(1), match.group(2)
        if identifier in photos and kind in (None, photos[identifier][_KIND]):
            placed.append(photos[identifier])
            return f"![]({_PHOTO}{len(placed) - 1})"
        if identifier in media or kind not in (None, "photo", "video"):
            what = media.get(identifier) or {"pdfAttachment": "PDF", "audio": "audio recording"}.get(
                kind, kind
            )
            warn(f"{name}: a {what} in {which} is not read", file=name, reason="unsupported type")
        else:
            warn(
                f"{name}: {which} shows a {kind or 'photo'} the export does not list, skipped",
                file=name,
                reason="missing",
            )
        return ""

    items: list = []
    for item in markdown_body(_MOMENT.sub(moment, text)).items:
        if isinstance(item, ImageLink) and item.target.startswith(_PHOTO):
            items += _photo_items(placed[int(item.target[len(_PHOTO) :])], which, name)
        else:
            items.append(item)
    shown = {id(photo) for photo in placed}
    for photo in sorted(photos.values(), key=_order):  # attached, not placed: shown under the entry
        if id(photo) not in shown:
            items += ["\n\n", *_photo_items(photo, which, name)]
    uuid = re.sub(r"[^0-9A-Za-z_-]", "", _string(entry.get("uuid")))
    key = uuid or re.sub(r"[/#\\]", "-", created) or f"entry-{number}"
    return ParsedPage(tuple(items), title=title, meta=_meta(entry, created), key=key)


def _photo_items(photo: dict, which: str, name: str) -> list:
    """The photo's link (into `photos/` beside the export; a video's into `videos/`), or nothing
    (reported) when the export does not say which file holds it."""
    what = photo[_KIND]
    md5, kind = _string(photo.get("md5")), _string(photo.get("type")) or {"photo": "jpeg"}.get(what, "mov")
    if not _FILE_NAME.fullmatch(md5) or not _TYPE.fullmatch(kind):
        identifier = _string(photo.get("identifier")) or "?"
        warn(
            f"{name}: {what} {identifier} in {which} names no file of the export, skipped",
            file=name,
            reason="missing",
        )
        return []
    target = f"{what}s/{md5}.{kind}"
    return [ImageLink(target, written=f"{target} ({which})")]


def _order(photo: dict) -> int:
    order = photo.get("orderInEntry")
    return order if isinstance(order, int) else 0


def _meta(entry: dict, created: str) -> dict:
    properties: dict = {"created": created} if created else {}
    location = entry.get("location")
    if isinstance(location, dict):
        place = [_string(location.get(key)) for key in _PLACE]
        if place := ", ".join(dict.fromkeys(part for part in place if part)):
            properties["place"] = place
    if entry.get("starred") is True:
        properties["starred"] = True
    tags = [" ".join(tag.split()) for tag in entry.get("tags") or [] if isinstance(tag, str) and tag.strip()]
    return {"tags": tags, "properties": properties}


def _string(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""
