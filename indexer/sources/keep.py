"""Google Keep notes from a Google Takeout export: each note's `.json` one document, its pictures after it.

Takeout writes a folder (`Takeout/Keep/`, named in the account's language: `Google Notizen/`...)
holding, per note, `<Title>.json` and an `.html` copy of it (an untitled note is named by its
date, `2021-08-26T12_50_07.132+05_00.json`), the note's attachments beside them (photos, drawings
as `.png`, voice memos as `.3gp`/`.amr`/`.m4a`), `Labels.txt` (the account's label names) and, one
folder up, `archive_browser.html` (Takeout's summary of the export). Read:
- each note's JSON as one document, id its file (`Keep/Shopping.json`), titled as Keep shows it:
  its title, else its first line, else its date;
- its title, then its text as written (Keep text is plain: no Markdown is read in it, line breaks
  kept), its checklist as lines `[x] milk` / `[ ] eggs`, its web links as `title (url)`;
- its photos, drawings and videos (their length and keyframes: `note_videos.py`) after all that.
  Keep shows them above the title, but the text is what the note says and what a result's card
  should open with, and Takeout's own `.html` copy puts them after the text too. An attachment
  Takeout names `.jpeg` but wrote as `.jpg` (or the other way round, seen in real exports) is found
  under the name on disk; one that is missing is reported and the note kept;
- its labels as tags; pinned, archived, colour, created and edited times as properties.
Not read, and said: notes in Keep's trash ("excluded"), voice memos and other attachments
("unsupported type"; Keep writes a voice memo's transcript into the text, which is read). A JSON
that does not parse is reported by name and its `.html` copy read in its place. Only a JSON object
carrying Keep's flags (`"isTrashed"`, `"isArchived"`) is claimed; other JSON files are a tool's
data. The `.html` copy of a note read from its JSON, `Labels.txt` beside Keep notes and Takeout's
archive summary are not documents, nor are the voice memos beside the notes (each said by its note;
`read_elsewhere`).
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from indexer.sources.base import ImageLink, ParsedPage, warn
from indexer.sources.site import MEDIA_TYPES
from indexer.sources.site_includes import page_shows
from indexer.sources.text import decode_text
from indexer.sources.titles import TITLE_MAX_CHARS
from mme_core.documents import IMAGE_EXTENSIONS

SNIFF_BYTES = 65_536  # Keep's flags come first, after the attachments' list
MAX_TWIN_JSON_BYTES = 5_000_000  # a note's JSON is kilobytes; a bigger file is not read to decide
_FLAGS = (re.compile(rb'"isTrashed"\s*:\s*(?:true|false)'), re.compile(rb'"isArchived"\s*:\s*(?:true|false)'))
_DATED = re.compile(r"(\d{4}-\d{2}-\d{2})T(\d{2})_(\d{2})")  # an untitled note's file name
# Takeout's `archive_browser.html` (its name and title are in the account's language, its styles not)
_TAKEOUT_SUMMARY = (b"/* -------- Archive summary styles", b".archive-summary")
_PICTURE_TWINS = (".jpg", ".jpeg", ".png", ".gif", ".webp")
_KINDS = {"audio": "voice memo", "video": "video"}  # a video of a suffix not read as one: said
VOICE_MEMOS = (".3gp", ".amr", ".m4a", ".aac", ".mp3", ".ogg", ".wav")  # Keep records 3gp, amr, m4a


def looks_like_keep(head: bytes) -> bool:
    """True when a JSON file's first bytes are a Keep note's: an object carrying Keep's flags."""
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    return head.startswith(b"{") and all(flag.search(head) for flag in _FLAGS)


def is_keep_note(path: Path) -> bool:
    """True when the JSON file at `path` is a Google Keep note (read: its first bytes)."""
    try:
        with path.open("rb") as file:
            return looks_like_keep(file.read(SNIFF_BYTES))
    except OSError:
        return False


def read_elsewhere(path: Path) -> str | None:
    """For a file of a Takeout export that is no note of its own: "" to pass it over (the `.html`
    copy of a Keep note read from its JSON), else why it is left out (said "excluded"); None for
    any other file, read as usual."""
    suffix, name = path.suffix.lower(), path.name
    if suffix in (".html", ".htm"):
        if _keep_json_beside(path.with_suffix(".json")):
            return ""
        if path.parent.name.lower() == "takeout" and _takeout_summary(path):  # at the export's top
            return "Google Takeout's summary of the export (what it holds, not a note)"
    elif name == "Labels.txt" and _keep_folder(path.parent):
        return "Google Keep's list of label names (each note's labels are its tags)"
    elif suffix in VOICE_MEMOS and _keep_folder(path.parent):
        return ""  # a note's voice memo: said not read by the note that holds it
    return None


def _keep_json_beside(path: Path) -> bool:
    """A Keep note's JSON that parses (a damaged one leaves its `.html` copy to be read instead)."""
    try:
        if path.stat().st_size > MAX_TWIN_JSON_BYTES:
            return is_keep_note(path)
        data = path.read_bytes()
    except OSError:
        return False
    if not looks_like_keep(data[:SNIFF_BYTES]):
        return False
    try:
        return isinstance(json.loads(data.decode("utf-8", errors="replace")), dict)
    except ValueError:
        return False


def _takeout_summary(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            head = file.read(8192)
    except OSError:
        return False
    return all(mark in head for mark in _TAKEOUT_SUMMARY)


def _keep_folder(folder: Path) -> bool:
    """Whether a folder holds Keep notes (asked once per folder and version of it)."""
    try:
        return _holds_keep_notes(str(folder), os.stat(folder).st_mtime_ns)
    except OSError:
        return False


@lru_cache(maxsize=256)
def _holds_keep_notes(folder: str, _version: int, most: int = 20) -> bool:
    """Whether one of the folder's first `most` JSON files is a Keep note."""
    try:
        names = sorted(n for n in os.listdir(folder) if n.lower().endswith(".json"))[:most]
    except OSError:
        return False
    return any(is_keep_note(Path(folder, n)) for n in names)


def parse_keep(data: bytes, name: str) -> ParsedPage | None:
    """The note in a Keep JSON file (see the module doc); None, said why, when it gives none."""
    text = decode_text(data, name)  # not UTF-8: decoded as text notes are, and said
    try:
        note = json.loads(text)
    except json.JSONDecodeError as err:
        where = f"JSON error at line {err.lineno}, column {err.colno}"
        copy = posixpath.basename(name)[: -len(".json")] + ".html"
        instead = f"its copy {copy} is read instead" if page_shows(copy) else "skipped"
        warn(f"{name}: the Keep note is damaged ({where}); {instead}", file=name, reason="unreadable")
        return None
    if not isinstance(note, dict):
        warn(f"{name}: not a Google Keep note (not a JSON object), skipped", file=name, reason="unreadable")
        return None
    if note.get("isTrashed") is True:
        warn(f"{name}: in Keep's trash, not indexed", file=name, reason="excluded")
        return None
    title = " ".join(_string(note.get("title")).split())[:TITLE_MAX_CHARS]
    body = _string(note.get("textContent")).replace("\r\n", "\n").strip("\n")
    checklist = [
        f"[{'x' if item.get('isChecked') is True else ' '}] {' '.join(_string(item.get('text')).split())}"
        for item in note.get("listContent") or []
        if isinstance(item, dict) and _string(item.get("text")).strip()
    ]
    links = [_link(a) for a in note.get("annotations") or [] if isinstance(a, dict)]
    items: list = ["\n\n".join(part for part in (title, body, "\n".join(checklist)) if part)]
    if links := [link for link in links if link]:
        items.append("\n\n" + "\n".join(links))
    for attachment in note.get("attachments") or []:
        if isinstance(attachment, dict) and (picture := _picture(attachment, name)):
            items += ["\n\n", picture]
    shown = title or _first_line(body) or (checklist[0][4:] if checklist else "") or _date(note, name)
    return ParsedPage(tuple(items), title=shown, meta=_meta(note))


def _link(annotation: dict) -> str:
    """A web link Keep shows under the note (a chip): its page's title and address."""
    title, url = (" ".join(_string(annotation.get(key)).split()) for key in ("title", "url"))
    return f"{title} ({url})" if title and url else title or url


def _picture(attachment: dict, name: str) -> ImageLink | None:
    """A photo, drawing or video, under the name it has on disk; anything else said and left out."""
    path = _string(attachment.get("filePath")).replace("\\", "/")
    mime = _string(attachment.get("mimetype")).lower()
    suffix = posixpath.splitext(path)[1].lower()
    if not path:
        warn(f"{name}: an attachment names no file of the export, skipped", file=name, reason="missing")
        return None
    video = MEDIA_TYPES.get(suffix) == "videos" and (not mime or mime.startswith("video/"))
    if video:  # read in place: its length and keyframes (`note_videos.py`)
        return ImageLink(path, written=path)
    if not (mime.startswith("image/") or not mime and suffix in IMAGE_EXTENSIONS):
        voice = not mime and suffix in VOICE_MEMOS
        kind = "voice memo" if voice else _KINDS.get(mime.split("/")[0], f"{mime or suffix} attachment")
        message = f"{name}: a {kind} ({path}) is not read"
        warn(message, file=name, reference=path, reason="unsupported type")
        return None
    if not page_shows(path):  # Takeout's `.jpeg` in the JSON for the `.jpg` it wrote, and the like
        stem = path[: -len(suffix)] if suffix else path
        twins = (stem + twin for twin in _PICTURE_TWINS if twin != suffix)
        path = next((twin for twin in twins if page_shows(twin)), path)  # else said missing as named
    return ImageLink(path, written=path)


def _first_line(text: str) -> str:
    return next((line.strip()[:TITLE_MAX_CHARS] for line in text.splitlines() if line.strip()), "")


def _date(note: dict, name: str) -> str:
    """An untitled, empty note's title: its date, from Takeout's file name (the account's local
    time) when it is one, else from its creation time (UTC)."""
    if dated := _DATED.search(posixpath.basename(name)):
        return f"{dated.group(1)} {dated.group(2)}:{dated.group(3)}"
    when = _time(note.get("createdTimestampUsec")) or _time(note.get("userEditedTimestampUsec"))
    return when[:16].replace("T", " ") if when else posixpath.basename(name)


def _meta(note: dict) -> dict:
    properties: dict = {}
    for key, flag in (("pinned", "isPinned"), ("archived", "isArchived")):
        if note.get(flag) is True:
            properties[key] = True
    color = _string(note.get("color")).lower()
    if color and color != "default":
        properties["color"] = color
    for key, stamp in (("created", "createdTimestampUsec"), ("edited", "userEditedTimestampUsec")):
        if when := _time(note.get(stamp)):
            properties[key] = when
    labels = [
        " ".join(_string(label.get("name")).split())
        for label in note.get("labels") or []
        if isinstance(label, dict) and _string(label.get("name")).strip()
    ]
    return {"tags": list(dict.fromkeys(labels)), "properties": properties}


def _time(usec: object) -> str:
    """Keep's microseconds since 1970 as an ISO time (UTC); "" when there is none."""
    if isinstance(usec, str) and usec.isdigit():
        usec = int(usec)
    if not isinstance(usec, int) or isinstance(usec, bool) or usec <= 0:
        return ""
    try:
        return datetime.fromtimestamp(usec / 1e6, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return ""


def _string(value: object) -> str:
    return value if isinstance(value, str) else ""
