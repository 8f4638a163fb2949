"""The composer's value <-> an InterleavedDoc, in exactly the order the person arranged it.

The composer (ui_assets/composer.js) sends a JSON list of items:
    {"type": "text", "text": "..."}
    {"type": "image", "path": "<server path returned by upload()>", "name": "photo.jpg", "url": "..."}
    {"type": "image", "ref": "<token of an image the app has shown>", "url": "data:..."}
The API endpoint takes a plainer list: strings are text, gradio_client `handle_file(...)` dicts are
images; a plain string is a one-text query. Both are checked here, so a client cannot make the app
open a file it did not upload.
Text loses its control characters and must be valid Unicode (`indexer.query.clean_query_text`);
the token budget is checked by the Searcher, which refuses an over-long query rather than cut it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from PIL import UnidentifiedImageError

from indexer.query import clean_query_text
from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment, decode_image

from .media import MediaRegistry, thumbnail_uri

MAX_ITEMS = 48
MAX_IMAGES = 16
MAX_IMAGE_BYTES = 10 * 1024**2  # per query image; the composer (props.max_image_bytes) refuses the same
MAX_TEXT_CHARS = 20_000
ITEM_TYPES = ("text", "image")


def doc_from_composer(value: object, media: MediaRegistry) -> InterleavedDoc:
    """Validate the composer's items and build the query document (images decoded once to check them)."""
    items = _as_list(value)
    segments: list[TextSegment | ImageSegment] = []
    names: dict[str, str] = {}
    for position, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValueError(f"query item {position + 1} must be an object, got {type(item).__name__}")
        kind = item.get("type")
        if kind == "text":
            text = item.get("text", "")
            if not isinstance(text, str):
                raise ValueError(f"query item {position + 1}: text must be a string")
            text, _ = clean_query_text(text, f"query item {position + 1}")
            if text.strip():
                segments.append(TextSegment(text))
        elif kind == "image":
            if "ref" in item:
                path = media.image_path(item["ref"])
            else:
                path = media.uploaded_path(item.get("path"))
            names[path] = str(item.get("name") or Path(path).name)
            segments.append(ImageSegment(path, name=names[path]))
        else:
            raise ValueError(
                f"query item {position + 1} has unknown type {kind!r}; valid types are {ITEM_TYPES}"
            )
    return _checked(segments, names)


def doc_from_api(query: object, media: MediaRegistry) -> InterleavedDoc:
    """The API form: a list whose strings are text and whose file dicts are images, in order;
    a plain string is a query of that one text (never parsed as JSON)."""
    items = _as_list([query] if isinstance(query, str) else query)
    segments: list[TextSegment | ImageSegment] = []
    names: dict[str, str] = {}
    for position, item in enumerate(items):
        if isinstance(item, str):
            text, _ = clean_query_text(item, f"query item {position + 1}")
            if text.strip():
                segments.append(TextSegment(text))
        elif isinstance(item, dict) and isinstance(item.get("path"), str):
            path = media.uploaded_path(item["path"])
            names[path] = str(item.get("orig_name") or Path(path).name)
            segments.append(ImageSegment(path, name=names[path]))
        else:
            raise ValueError(
                f"query item {position + 1} must be a string (text) or a file from "
                f"gradio_client.handle_file (image), got {type(item).__name__}"
            )
    return _checked(segments, names)


def composer_from_doc(doc: InterleavedDoc, media: MediaRegistry) -> list[dict]:
    """Items that put a document (a result or an example) into the composer, images by reference."""
    items: list[dict] = []
    for segment in doc.segments:
        if isinstance(segment, TextSegment):
            items.append({"type": "text", "text": segment.text})
        else:
            items.append(
                {
                    "type": "image",
                    "ref": media.image_token(segment.path),
                    "name": Path(segment.path).name,
                    "url": thumbnail_uri(segment.path),
                }
            )
    return items


def _as_list(value: object) -> list:
    if value is None or value == "":
        raise ValueError("the query is empty: add a text box or an image")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as err:
            raise ValueError(f"the query is not valid JSON: {err.msg}") from err
    if not isinstance(value, list):
        raise ValueError(f"the query must be a list of items, got {type(value).__name__}")
    if len(value) > MAX_ITEMS:
        raise ValueError(f"the query has {len(value)} items; at most {MAX_ITEMS} are allowed")
    return value


def _checked(segments: list[TextSegment | ImageSegment], names: dict[str, str]) -> InterleavedDoc:
    if not segments:
        raise ValueError("the query is empty: add a text box or an image")
    images = [s for s in segments if isinstance(s, ImageSegment)]
    if len(images) > MAX_IMAGES:
        raise ValueError(f"the query has {len(images)} images; at most {MAX_IMAGES} are allowed")
    text_chars = sum(len(s.text) for s in segments if isinstance(s, TextSegment))
    if text_chars > MAX_TEXT_CHARS:
        raise ValueError(
            f"the query text is {text_chars:,} characters; at most {MAX_TEXT_CHARS:,} are allowed"
        )
    for image in images:
        check_image(image.path, names.get(image.path, Path(image.path).name))
    return InterleavedDoc(tuple(segments), id="query", title="query")


def check_image(path: str, name: str) -> None:
    """Size and decode check of one query image; messages name the file as the person gave it
    (`name`), never the server's upload path."""
    size = os.stat(path).st_size
    if size > MAX_IMAGE_BYTES:
        limit = MAX_IMAGE_BYTES // 1024**2
        raise ValueError(f"{name} is {size / 1024**2:.1f} MB; query images up to {limit} MB are accepted")
    with open(path, "rb") as handle:
        data = handle.read()
    try:
        decode_image(data, name=name)
    except ValueError as err:
        if isinstance(err.__cause__, UnidentifiedImageError):  # say plainly what a person can act on
            raise ValueError(f"{name} is not an image (cannot identify image file)") from err
        raise
