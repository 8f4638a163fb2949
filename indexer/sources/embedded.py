"""Pictures kept inside a note rather than beside it: a notebook's plots and pasted attachments, a
`data:` image pasted into Markdown or saved with an HTML page.

The encoder and the app read pictures from files, so each one is written once, named by the SHA-256
of its bytes (the hash the index records for every picture), to a pictures folder: the index's own
(`<index>/pictures`, given by the build, which removes the files no row shows any more, as it prunes
the vision cache), else the user's picture cache (`$MME_CACHE/pictures`, else
`$XDG_CACHE_HOME/mme/pictures`, else `~/.cache/mme/pictures`; for an index on object storage, or a
collection read without an index). A picture pasted into ten notes is one file, the person's folder
is never written to, and an unchanged note's pictures are not written again. A stored picture that
has gone makes its note be read again on the next run (see `indexer.file_stats`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote_to_bytes

CACHE_ENV = "MME_CACHE"
# MIME types of the pictures the encoder reads -> the file suffix they are stored under
PICTURE_TYPES = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/jpg": ".jpg",
    "image/pjpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/bmp": ".bmp",
    "image/tiff": ".tiff",
    "image/heic": ".heic",
    "image/heif": ".heif",
    "image/avif": ".avif",
    "image/svg+xml": ".svg",  # a diagram, drawn at the model's size (mme_core/svg.py)
}


@dataclass(frozen=True)
class EmbeddedImage:
    """A picture's bytes as a note holds them (base64 text), before it is stored and checked.
    `written` names it for messages as the person would find it ("output 1 of cell 7"). `load`,
    instead of a payload, gives the bytes when the picture is stored (ValueError saying what is
    wrong): a PDF's photos are decoded one at a time then, not all held while the file is read."""

    mime: str
    payload: str
    written: str
    load: Callable[[], bytes] | None = field(default=None, compare=False, repr=False)


def pictures_dir() -> Path:
    if root := os.environ.get(CACHE_ENV):
        return Path(root).expanduser() / "pictures"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "mme" / "pictures"


def data_uri_picture(uri: str, written: str) -> EmbeddedImage:
    """The picture of a `data:` URI (`data:image/png;base64,...`; percent-encoded data too)."""
    header, comma, payload = uri.partition(",")
    if not comma:
        raise ValueError("data: URI without a comma before its data")
    fields = [f.strip().lower() for f in header[len("data:") :].split(";")]
    mime = fields[0] or "text/plain"
    if "base64" in fields[1:]:
        payload = unquote_to_bytes(payload).decode("ascii", "replace")  # `%2B` as some tools write `+`
    else:  # percent-encoded bytes: re-encoded, so that there is one decoding path
        payload = base64.b64encode(unquote_to_bytes(payload)).decode("ascii")
    return EmbeddedImage(mime, payload, written)


def picture_bytes(picture: EmbeddedImage) -> bytes:
    """The picture's bytes; ValueError naming what is wrong with its base64 text."""
    if picture.load is not None:
        return picture.load()
    text = "".join(picture.payload.split())  # a notebook's base64 may be broken into lines
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError) as err:
        raise ValueError(f"its base64 data is damaged ({err})") from None


def store_picture(data: bytes, suffix: str, folder: Path | None = None) -> str:
    """The file in `folder` (default: the user's picture cache) holding `data`: written now,
    atomically, unless it is there already."""
    digest = hashlib.sha256(data).hexdigest()
    path = (folder or pictures_dir()) / digest[:2] / f"{digest}{suffix}"
    if path.is_file() and path.stat().st_size == len(data):
        return str(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temp, path)  # a reader never sees half a picture
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return str(path)


def prune_pictures(folder: Path, keep: set[str]) -> int:
    """Remove the pictures in `folder` whose hash is not in `keep`, and any partial file a killed run
    left; how many were removed."""
    removed = 0
    for path in folder.glob("??/*") if folder.is_dir() else ():
        if path.is_file() and (path.name.startswith(".partial-") or path.name.partition(".")[0] not in keep):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
