"""Joplin's "JEX - Joplin Export File": a tar of its items and `resources/`, read as its RAW folder is.

A `.jex` is the RAW export folder (`joplin.py`) packed in a tar. Read in memory, never unpacked to
disk: each note one document, id `Notes.jex/<note id>` (Joplin's own id: stable across exports),
its pictures stored from the tar (as a Word file's are). Bounded as a zip upload is: at most
`MAX_MEMBERS` files, `MAX_ITEM_BYTES` an item, `MAX_PICTURE_BYTES` a picture. Said, and left out: a
member named outside the export (`../x`, `/etc/x`) or a link ("outside the collection"), an item
over the limit ("too large") or damaged ("unreadable"). A tar cut short (an interrupted download)
keeps the items before the cut, and the cut is reported; a file that is no tar (Joplin never
compresses one: a compressed tar is not inflated) is reported by name. Notebooks, tags and
attachments left encrypted are said in one line, each encrypted note by its id.
"""

from __future__ import annotations

import io
import mimetypes
import posixpath
import tarfile
from collections import Counter

from indexer.sources.base import EmbeddedImage, ParsedPage, warn
from indexer.sources.joplin import DAMAGED, note_page
from indexer.sources.joplin_items import ITEM_NAME, KINDS, NOTE, Export, Item, parse_item
from indexer.sources.text import decode_text

MAX_MEMBERS = 100_000
MAX_ITEM_BYTES = 20_000_000
MAX_PICTURE_BYTES = 50_000_000


def parse_jex(data: bytes, name: str) -> list[ParsedPage] | None:
    """The notes of a `.jex` (see the module doc); None, said why, when it holds none."""
    if not data:
        warn(f"{name}: an empty file, skipped", file=name, reason="empty")
        return None
    try:
        archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:")  # plain, as Joplin writes it
    except (tarfile.TarError, EOFError, OSError):
        warn(
            f"{name}: not a Joplin export (not a tar archive: damaged or another format), skipped",
            file=name,
            reason="unreadable",
        )
        return None
    members = _members(archive, name)
    export, notes = Export(), []
    for member, info in sorted(members.items()):
        if member.startswith("resources/"):
            export.add_file(member[len("resources/") :])
        elif ITEM_NAME.fullmatch(member) and (item := _item(archive, info, member, name)) is not None:
            export.add(item)
            if item.type == NOTE:
                notes.append(item)
    _say_encrypted_items(export, name)
    if unlinked := sorted(file for item_id, file in export.files.items() if item_id not in export.linked):
        shown = ", ".join(unlinked[:3]) + (", ..." if len(unlinked) > 3 else "")
        message = f"{name}: {len(unlinked)} attachment(s) no note of the export links ({shown}); not indexed"
        warn(message, file=name, reason="excluded")
    if not notes:
        if not export.types:
            warn(f"{name}: holds no Joplin items (no <id>.md notes), skipped", file=name, reason="empty")
        return None if not export.types else []

    def picture(resource_file: str, written: str) -> EmbeddedImage | None:
        info = members.get(f"resources/{resource_file}")
        if info is None:
            warn(
                f"{name}: {written}: the export does not hold resources/{resource_file}, skipped",
                file=name,
                reference=written,
                reason="missing",
            )
            return None
        if info.size > MAX_PICTURE_BYTES:
            warn(
                f"{name}: picture {written} is over {MAX_PICTURE_BYTES:,} bytes, skipped",
                file=name,
                reason="too large",
            )
            return None
        resource = export.resources.get(resource_file.partition(".")[0])
        mime = (resource.props.get("mime", "") if resource else "") or mimetypes.guess_type(resource_file)[0]
        return EmbeddedImage(
            mime or "application/octet-stream", "", written, load=lambda: _read(archive, info)
        )

    pages = (note_page(item, export, name, picture) for item in notes)
    return [page for page in pages if page is not None]


def _say_encrypted_items(export: Export, name: str) -> None:
    """One line for the notebooks, tags and attachments left encrypted (each note says itself)."""
    kinds = Counter(
        KINDS.get(kind, "item") for kind, encrypted in export.types.values() if encrypted and kind != NOTE
    )
    if kinds:
        counted = ", ".join(f"{count} {kind}{'s' * (count > 1)}" for kind, count in sorted(kinds.items()))
        message = (
            f"{name}: {counted} still encrypted (exported without the end-to-end encryption key), not "
            "read (notes lose those notebook and tag names); export again from Joplin once it has "
            "decrypted your notes"
        )
        warn(message, file=name, reason="unreadable")


def _members(archive: tarfile.TarFile, name: str) -> dict[str, tarfile.TarInfo]:
    """The tar's files by their name in the export; what cannot be one is said."""
    members: dict[str, tarfile.TarInfo] = {}
    try:
        for count, info in enumerate(archive, 1):
            if count > MAX_MEMBERS:
                warn(
                    f"{name}: holds over {MAX_MEMBERS:,} files; the rest is not read",
                    file=name,
                    reason="too large",
                )
                break
            clean = posixpath.normpath(info.name.replace("\\", "/")).removeprefix("./")
            if info.name.startswith(("/", "\\")) or clean == ".." or clean.startswith("../"):
                warn(
                    f"{name}: {info.name} names a file outside the export, refused",
                    file=name,
                    reference=info.name,
                    reason="outside the collection",
                )
            elif info.issym() or info.islnk():
                warn(
                    f"{name}: {info.name} is a link, refused",
                    file=name,
                    reference=info.name,
                    reason="outside the collection",
                )
            elif info.isfile():
                members[clean] = info
    except (tarfile.TarError, EOFError, OSError) as err:
        warn(
            f"{name}: the export is cut or damaged ({err}); what comes before the cut is read",
            file=name,
            reason="unreadable",
        )
    return members


def _item(archive: tarfile.TarFile, info: tarfile.TarInfo, member: str, name: str) -> Item | None:
    if info.size > MAX_ITEM_BYTES:
        warn(f"{name}: {member} is over {MAX_ITEM_BYTES:,} bytes, skipped", file=name, reason="too large")
        return None
    try:
        data = _read(archive, info)
    except ValueError as err:
        warn(f"{name}: {member} cannot be read ({err}), skipped", file=name, reason="unreadable")
        return None
    item = parse_item(decode_text(data, f"{name}/{member}"))
    if item is None or item.id != member[:32].lower():
        warn(f"{name}: {member} is {DAMAGED}, skipped", file=name, reason="unreadable")
        return None
    return item


def _read(archive: tarfile.TarFile, info: tarfile.TarInfo) -> bytes:
    """A member's bytes; ValueError when the tar is cut inside it."""
    try:
        file = archive.extractfile(info)
        data = file.read() if file is not None else b""
    except (tarfile.TarError, EOFError, OSError) as err:
        raise ValueError(f"the export is cut inside it: {err}") from None
    if len(data) != info.size:
        raise ValueError("the export is cut inside it")
    return data
