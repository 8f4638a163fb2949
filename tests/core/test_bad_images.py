"""Every kind of bad image fails with a ValueError naming the file, before any model work."""

from __future__ import annotations

import io
from functools import cache

import pytest
from PIL import Image

from mme_core import ImageSegment, InterleavedDoc, TextSegment


@cache
def _png_bytes(size=(64, 48), mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format="PNG")
    return buffer.getvalue()


@cache
def _heic_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((300, 200), 40).convert("RGB").save(buffer, format="HEIF", quality=80)
    return buffer.getvalue()


CASES = {
    "empty.png": (lambda: b"", "0 bytes"),
    "truncated.png": (lambda: _png_bytes((300, 300))[:200], "truncated|corrupt|unreadable"),
    "corrupt.jpg": (lambda: b"\xff\xd8\xff\xe0" + b"\x00garbage" * 50, "unreadable|corrupt"),
    "drawing.svg": (  # a diagram cut short: drawn SVGs say what is wrong, naming the file
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"',
        r"^damaged SVG \(unclosed token: line 1, column \d+\): .*drawing.svg$",
    ),
    "photo.heic": (
        lambda: b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64,
        "unreadable image: .*photo.heic",
    ),
    # pillow-heif's own error ("Invalid input: Unexpected end of file ...") names no file: ours does
    "IMG_0042.HEIC": (
        lambda: _heic_bytes()[: len(_heic_bytes()) // 2],
        r"corrupt or truncated image: .*IMG_0042.HEIC \(",
    ),
    "report.jpg": (lambda: b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "unreadable.*report.jpg"),
    # 20000 x 20000 = 400 Mpx: a decompression bomb that compresses to a few hundred KB.
    "huge.png": (lambda: _png_bytes((20000, 20000), mode="1"), "too large|unreadable"),
}


@pytest.mark.parametrize("name", CASES)
def test_bad_image_is_refused_with_its_name(tmp_path, name):
    make, message = CASES[name]
    path = tmp_path / name
    path.write_bytes(make())
    with pytest.raises(ValueError, match=message) as info:
        ImageSegment(str(path)).load()
    assert name in str(info.value) and "BytesIO" not in str(info.value)


@pytest.mark.parametrize("name", ["truncated.png", "report.jpg", "huge.png"])
def test_encoder_refuses_bad_images_and_names_the_document(tiny_dsvl, tmp_path, image_factory, name):
    make, message = CASES[name]
    path = tmp_path / name
    path.write_bytes(make())
    good = InterleavedDoc((TextSegment("fine"), ImageSegment(image_factory())), id="good")
    bad = InterleavedDoc((TextSegment("step"), ImageSegment(str(path))), id="bad-doc")
    with pytest.raises(ValueError, match=message) as info:
        tiny_dsvl.encode([good, bad], n=3)
    assert name in str(info.value)


def test_many_images_in_one_document(tiny_dsvl, image_factory):
    """A 64-image document encodes at small N (64 x 9 tokens) and its vector is a unit vector."""
    images = [ImageSegment(image_factory(color)) for color in ["red", "blue", "green", "black"] * 16]
    doc = InterleavedDoc((TextSegment("Sixty-four steps"), *images))
    assert tiny_dsvl.count_tokens(doc, 3) > 64 * 9
    vector = tiny_dsvl.encode([doc], n=3)[0]
    assert abs(float(vector @ vector) - 1) < 1e-5
