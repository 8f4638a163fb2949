"""Opaque references and inline thumbnails: the page never names a server file."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment
from webapp.media import UNREADABLE_IMAGE_URI, MediaRegistry, thumbnail_uri


def test_tokens_are_opaque_stable_and_per_process(media, image_factory, upload_root):
    path = image_factory("red")
    token = media.image_token(path)
    assert path not in token and len(token) == 32
    assert media.image_token(path) == token
    assert media.image_path(token) == path
    other = MediaRegistry(upload_root)  # a different secret: a token cannot be forged across processes
    assert other.image_token(path) != token
    with pytest.raises(ValueError, match="never shown by this app"):
        other.image_path(token)


def test_document_tokens_register_their_images(media, image_factory):
    image = image_factory("blue")
    doc = InterleavedDoc((TextSegment("t"), ImageSegment(image)), id="x", source="notes/x.md")
    token = media.doc_token(doc)
    assert media.document(token) is doc
    assert media.image_path(media.image_token(image)) == image


def test_registry_is_bounded(upload_root, image_factory):
    media = MediaRegistry(upload_root, max_entries=2)
    first = media.image_token(image_factory("red"))
    media.image_token(image_factory("green"))
    media.image_token(image_factory("blue"))
    with pytest.raises(ValueError, match="expired"):
        media.image_path(first)


def test_thumbnail_is_a_small_jpeg_data_uri(image_factory):
    uri = thumbnail_uri(image_factory("red", size=(900, 300)), max_side=120)
    assert uri.startswith("data:image/jpeg;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert image.size == (120, 40)


def test_a_card_shows_an_svg_diagram_drawn_never_its_markup(tmp_path):
    """A card's thumbnail of an SVG is its drawing as a JPEG: the browser never gets the person's SVG
    (its scripts, its links) and sees what the model read."""
    diagram = tmp_path / "wiring.svg"
    diagram.write_text(
        "<svg xmlns='http://www.w3.org/2000/svg' width='900' height='300'><script>alert(1)</script>"
        "<rect width='450' height='300' fill='black'/></svg>"
    )
    uri = thumbnail_uri(str(diagram), max_side=120)
    assert uri.startswith("data:image/jpeg;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("L")
    assert image.size == (120, 40) and image.getpixel((20, 20)) < 30 and image.getpixel((100, 20)) > 225


def test_unreadable_or_missing_images_get_a_placeholder(tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    assert thumbnail_uri(str(broken)) == UNREADABLE_IMAGE_URI
    assert thumbnail_uri(str(tmp_path / "missing.png")) == UNREADABLE_IMAGE_URI
