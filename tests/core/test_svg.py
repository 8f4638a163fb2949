"""SVG diagrams drawn as the model reads them: size bounded, aspect kept, on white, from their own
content only; every bad SVG refused with a reason naming the file."""

from __future__ import annotations

import base64
import gzip
import io

import pytest
from PIL import Image

from mme_core import svg
from mme_core.image_checks import check_image
from mme_core.images import decode_image, fit_within

NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'


def drawing(body: str, width="200", height="100", extra="") -> bytes:
    return f'<svg {NS} width="{width}" height="{height}" {extra}>{body}</svg>'.encode()


ENTITIES = "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
LAUGHS = f'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">{ENTITIES}]><svg {NS}><text>&j;</text></svg>'.encode()
PASSWD = '<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
SYSTEM_ENTITY = f"{PASSWD}<svg {NS}><text>&x;</text></svg>".encode()


def square_model(size):  # a processor that resizes every picture to 384 x 384, as DeepSeek-VL's does
    return (384, 384)


def test_a_huge_declared_size_is_bounded_before_any_pixel_is_drawn(tmp_path):
    data = drawing('<rect width="100000" height="50000" fill="navy"/>', "100000", "50000")
    path = tmp_path / "poster.svg"
    path.write_bytes(data)
    with Image.open(path) as image:
        assert image.size == (svg.MAX_SIDE, svg.MAX_SIDE // 2)  # not 100000 x 50000
    assert check_image(str(path), "poster.svg") == (4096, 2048)
    image = decode_image(data, "poster.svg", fit=square_model)
    assert image.size == (384, 384) and image.getpixel((200, 200)) == (0, 0, 128)
    with Image.open(path) as opened:  # the draft draws at the model's size, not at 4096 first
        opened.draft("RGB", (384, 384))
        opened.load()
        assert opened.size == (384, 384)  # squashed as the processor squashes it, drawn so directly


def test_a_drawing_squashed_to_a_square_model_is_drawn_squashed_not_cropped():
    data = drawing('<rect width="100" height="100" fill="black"/>', extra='viewBox="0 0 200 100"')
    square = decode_image(data, "half.svg", fit=square_model)
    assert square.size == (384, 384)
    assert square.getpixel((190, 192)) == (0, 0, 0) and square.getpixel((194, 192)) == (255, 255, 255)
    wide = decode_image(
        drawing('<rect width="100" height="100" fill="black"/>'), "no-box.svg", fit=square_model
    )
    assert wide.getpixel((190, 380)) == (0, 0, 0) and wide.getpixel((194, 3)) == (255, 255, 255)


def test_units_and_viewbox_give_the_size_a_browser_shows():
    assert svg.svg_size(drawing("", "10cm", "5cm")) == (378, 189)
    assert svg.svg_size(drawing("", "100%", "100%", 'viewBox="0 0 300 150"')) == (300, 150)
    assert svg.svg_size(f'<svg {NS} viewBox="0 0 40 20"/>'.encode()) == (40, 20)
    assert svg.svg_size(f'<svg {NS} width="80" viewBox="0 0 40 20"/>'.encode()) == (80, 40)
    assert decode_image(drawing('<rect width="10cm" height="5cm"/>', "10cm", "5cm"), "mm.svg").size == (
        378,
        189,
    )


def test_the_aspect_ratio_is_kept_and_a_small_drawing_is_drawn_large_not_blurred():
    # left half black, right half white: a 2:1 drawing
    data = drawing('<rect width="100" height="100" fill="black"/>')
    thumb = decode_image(data, "a.svg", fit=fit_within(60))
    assert thumb.size == (60, 30)
    big = decode_image(data, "a.svg", fit=lambda size: (800, 400))  # larger than it declares
    assert big.size == (800, 400)
    assert big.getpixel((398, 200)) == (0, 0, 0) and big.getpixel((402, 200)) == (255, 255, 255)  # sharp edge


def test_a_transparent_drawing_is_laid_on_white():
    image = decode_image(drawing('<circle cx="50" cy="50" r="10" fill="black"/>'), "t.svg")
    assert image.mode == "RGB"
    assert image.getpixel((0, 0)) == (255, 255, 255) and image.getpixel((50, 50)) == (0, 0, 0)


def test_svgz_is_read_as_its_svg():
    data = drawing('<rect width="200" height="100" fill="red"/>')
    plain = decode_image(data, "a.svg")
    zipped = decode_image(gzip.compress(data), "a.svgz")
    assert zipped.size == plain.size and zipped.tobytes() == plain.tobytes()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", r"^image is empty \(0 bytes\): bad\.svg$"),
        (drawing('<rect width="5"'), r"^damaged SVG \(.*\): bad\.svg$"),
        (drawing(""), r"^SVG draws nothing \(every pixel transparent\): bad\.svg$"),
        (drawing("<rect/>", "0", "10"), r"^SVG of zero size \(0 × 10\): bad\.svg$"),
        (b"\x1f\x8b\x08\x00garbage", r"^damaged SVGZ \(gzip\) data \(.*\): bad\.svg$"),
        (gzip.compress(drawing("x" * 3000)), r"^SVG too large \(over 2,000 bytes of drawing\): bad\.svg$"),
        (drawing("x" * 3000), r"^SVG too large \(over 2,000 bytes of drawing\): bad\.svg$"),
        (LAUGHS, r"^damaged SVG \(limit on input amplification factor .*\): bad\.svg$"),
        (SYSTEM_ENTITY, r"^damaged SVG \(undefined entity &x;: .*\): bad\.svg$"),  # /etc/passwd not read
    ],
    ids=["empty", "damaged", "draws-nothing", "zero-size", "damaged-svgz", "svgz-bomb", "too-large"]
    + ["entity-bomb", "external-entity"],
)
def test_a_bad_svg_is_refused_naming_it(monkeypatch, tmp_path, data, message):
    monkeypatch.setattr(svg, "MAX_SVG_BYTES", 2000)
    with pytest.raises(ValueError, match=message):
        decode_image(data, "bad.svg")
    if data:  # the vetting check says the same, without drawing at full size
        (tmp_path / "bad.svg").write_bytes(data)
        with pytest.raises(ValueError, match=message) as info:
            check_image(str(tmp_path / "bad.svg"), "bad.svg")
        assert str(tmp_path) not in str(info.value) and "object at 0x" not in str(info.value)


def test_an_svg_reads_no_file_and_fetches_no_url(tmp_path, monkeypatch):
    """resvg itself would draw `/abs/red.png` and `../red.png` (relative to the working folder)."""
    Image.new("RGB", (20, 20), "red").save(tmp_path / "red.png")
    inside = tmp_path / "notes" / "deep"
    inside.mkdir(parents=True)
    monkeypatch.chdir(inside)
    links = [
        str(tmp_path / "red.png"),
        "../../red.png",
        f"file://{tmp_path}/red.png",
        "http://127.0.0.1:9/red.png",
    ]
    inner = drawing(f'<image width="200" height="100" href="{links[0]}"/>')
    nested = "data:image/svg+xml;base64," + base64.b64encode(inner).decode()
    images = "".join(
        f'<image x="{40 * i}" width="40" height="40" xlink:href="{link}"/>' for i, link in enumerate(links)
    )
    data = drawing(
        images + f'<image y="50" width="200" height="50" href="{nested}"/><rect y="99" width="1" height="1"/>'
    )

    assert svg.linked_files(data) == links + links[:1]  # each said, the nested SVG's one too
    image = decode_image(data, "links.svg")
    assert image.getextrema() == ((0, 255), (0, 255), (0, 255))  # the black dot drawn...
    assert (255, 0, 0) not in {color for _, color in image.getcolors(1 << 16)}  # ...no red file


def test_a_picture_inside_the_svg_is_drawn():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    uri = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    image = decode_image(
        drawing(f'<image width="200" height="100" preserveAspectRatio="none" href="{uri}"/>'), "p.svg"
    )
    assert (
        image.getpixel((100, 50)) == (255, 0, 0) and svg.linked_files(drawing(f'<image href="{uri}"/>')) == []
    )


def test_words_are_the_labels_title_and_description_said_once():
    data = drawing(
        "<title>Pump wiring</title><desc>How the relay switches the pump</desc>"
        '<text x="5" y="20">Relay <tspan>K1</tspan></text><text x="5" y="60">Relay K1</text>'
        '<switch><foreignObject><div xmlns="http://www.w3.org/1999/xhtml"><div>Float</div><p>switch S2</p>'
        "</div></foreignObject><text>Float switch...</text></switch>"  # draw.io's label and its cut copy
        "<switch><a><text>Text is not SVG - cannot display</text></a></switch>"
    )
    assert svg.svg_words(data) == "Pump wiring\nHow the relay switches the pump\nRelay K1\nFloat switch S2"
