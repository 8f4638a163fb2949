"""What the page may show, and how: opaque references instead of file paths.

The browser never names a server file. Documents and images the app has shown are held under
unguessable tokens (an HMAC of the path with a per-process secret), and pictures reach the page as
small inline thumbnails. So the only files the app ever reads for display are images of documents
the index returned, the app's own example images, and the visitor's own uploads; `../` or an
absolute path sent by a client is refused before anything is opened.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import os
import secrets
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import cast

from PIL import Image

from mme_core.documents import InterleavedDoc, decode_image
from mme_core.images import fit_within

THUMBNAIL_SIDE = 168
FULL_VIEW_SIDE = 560
_UNREADABLE_SVG = (
    "<svg xmlns='http://www.w3.org/2000/svg' width='120' height='80'><rect width='120' height='80' "
    "fill='#eee'/><text x='60' y='44' font-size='11' text-anchor='middle' fill='#888'>unreadable image"
    "</text></svg>"
)
UNREADABLE_IMAGE_URI = "data:image/svg+xml;base64," + base64.b64encode(_UNREADABLE_SVG.encode()).decode()


class _TokenTable:
    """A bounded, thread-safe map from opaque tokens to values (least recently used falls out)."""

    def __init__(self, kind: str, max_entries: int):
        self.kind = kind
        self.max_entries = max_entries
        self._secret = secrets.token_bytes(32)
        self._items: OrderedDict[str, object] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, key: str, value: object) -> str:
        token = hmac.new(self._secret, f"{self.kind}\0{key}".encode(), hashlib.sha256).hexdigest()[:32]
        with self._lock:
            self._items[token] = value
            self._items.move_to_end(token)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)
        return token

    def get(self, token: object) -> object:
        if not isinstance(token, str):
            raise ValueError(f"{self.kind} reference must be a string token, got {type(token).__name__}")
        with self._lock:
            if token not in self._items:
                raise ValueError(
                    f"unknown {self.kind} reference {token[:40]!r}: it was never shown by this app "
                    "or has expired (reload the page and search again)"
                )
            self._items.move_to_end(token)
            return self._items[token]


class MediaRegistry:
    """Tokens for the images and documents this app has shown, plus the visitor upload folder."""

    def __init__(self, upload_root: str | Path, max_entries: int = 50_000):
        self.upload_root = Path(upload_root).resolve()
        self._images = _TokenTable("image", max_entries)
        self._docs = _TokenTable("document", max_entries // 10)

    def image_token(self, path: str) -> str:
        real = os.path.realpath(path)
        return self._images.add(real, real)

    def image_path(self, token: object) -> str:
        return str(self._images.get(token))

    def doc_token(self, doc: InterleavedDoc) -> str:
        for image in doc.images:
            self.image_token(image.path)
        return self._docs.add(f"{doc.id}\0{doc.part}\0{doc.source}", doc)

    def document(self, token: object) -> InterleavedDoc:
        return cast(InterleavedDoc, self._docs.get(token))  # only InterleavedDocs are ever added

    def uploaded_path(self, path: object) -> str:
        """A file the browser uploaded: it must be a regular file inside the upload folder."""
        if not isinstance(path, str) or not path:
            raise ValueError(f"uploaded image path must be a non-empty string, got {path!r}")
        real = Path(os.path.realpath(path))
        if not real.is_relative_to(self.upload_root):
            raise ValueError(  # the server's upload folder is not named: it is no business of the client
                f"refused image path {path!r}: only files uploaded to this app "
                "or images it has shown can be used in a query"
            )
        if not real.is_file():
            raise ValueError(f"uploaded image is gone or not a file: {Path(path).name}")
        return str(real)


def thumbnail_uri(path: str, max_side: int = THUMBNAIL_SIDE) -> str:
    """A JPEG data URI no larger than max_side pixels; a grey placeholder if the file cannot be read."""
    try:
        stat = os.stat(path)
    except OSError:
        return UNREADABLE_IMAGE_URI
    return _thumbnail_uri(os.path.realpath(path), stat.st_mtime_ns, stat.st_size, max_side)


@lru_cache(maxsize=4096)
def _thumbnail_uri(real_path: str, mtime_ns: int, size: int, max_side: int) -> str:
    try:
        image = decode_image(
            Path(real_path).read_bytes(), name=Path(real_path).name, fit=fit_within(max_side)
        )
    except (ValueError, OSError):
        return UNREADABLE_IMAGE_URI
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=82, optimize=True)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()
