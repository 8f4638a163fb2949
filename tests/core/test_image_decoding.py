"""Pictures decoded as the model needs them: small, upright, and failures named as the person named them."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from mme_core import ImageSegment, InterleavedDoc, TextSegment
from mme_core.images import MAX_IMAGE_PIXELS, decode_image, upright_size


def photo(size=(2400, 1800), seed=0) -> Image.Image:
    """Photo-like content: smooth gradients, soft-edged shapes and sensor noise."""
    rng = np.random.default_rng(seed)
    width, height = size
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    pixels = np.stack(
        [xs / width * 200 + 30, ys / height * 180 + 40, (xs + ys) / (width + height) * 150 + 60], -1
    )
    image = Image.fromarray(pixels.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(25):
        side = int(rng.integers(width // 30, width // 4))
        x, y = rng.integers(0, width - side), rng.integers(0, height - side)
        draw.ellipse([x, y, x + side, y + side * 0.7], fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
    noisy = np.asarray(image).astype(np.int16) + rng.integers(-10, 11, (height, width, 3))
    return Image.fromarray(noisy.clip(0, 255).astype(np.uint8))


def jpeg(path, image: Image.Image, orientation: int = 1):
    exif = Image.Exif()
    if orientation != 1:
        exif[0x0112] = orientation  # EXIF Orientation
    image.save(path, quality=95, exif=exif)
    return str(path)


@pytest.fixture(scope="module")
def big_photo(tmp_path_factory):
    return jpeg(tmp_path_factory.mktemp("photo") / "photo.jpg", photo())


def _embed(enc, image: Image.Image, n) -> np.ndarray:
    """Embedding of a one-picture document whose picture is decoded already (bypasses the decoder)."""
    doc = InterleavedDoc((TextSegment("Step 1. Knead the dough."), ImageSegment("photo")))
    with torch.inference_mode():
        grid = enc.visual_grids([image])[0]
        return enc.embed_pairs([(doc, n)], {"photo": grid}).numpy()[0]


def test_large_jpeg_is_decoded_small_in_the_dct_domain(tiny_dsvl, big_photo):
    data = open(big_photo, "rb").read()
    decoded = decode_image(data, "photo.jpg", fit=tiny_dsvl.backbone.decode_size)
    assert decoded.size == (384, 288)  # the longest side at the processor's 384, aspect kept
    with Image.open(io.BytesIO(data)) as lazy:
        lazy.draft("RGB", (384, 288))
        assert lazy.size == (600, 450)  # JPEG decoded at 1/4 scale: 1/16 of the pixels


@pytest.mark.parametrize("fixture", ["tiny_dsvl", "tiny_qwen2vl"])
def test_draft_decode_embeds_like_full_decode(fixture, request, big_photo):
    """Decoding small changes only the resampling path (DCT scaling + bicubic vs bicubic alone), so
    the processor's pixels differ by resampling noise (mean |diff| < 0.02 in normalised units, about
    half a grey level) and the embedding by less: cosine >= 0.9999 at N <= 6, >= 0.999 unpooled
    (576 unaveraged tokens keep more of that noise than N x N means of them)."""
    enc = request.getfixturevalue(fixture)
    data = open(big_photo, "rb").read()
    full = decode_image(data, "photo.jpg")
    small = decode_image(data, "photo.jpg", fit=enc.backbone.decode_size)
    assert small.width * small.height < full.width * full.height / 10
    processor = enc.backbone.image_processor
    full_pixels = processor(images=[full], return_tensors="pt")["pixel_values"]
    small_pixels = processor(images=[small], return_tensors="pt")["pixel_values"]
    assert full_pixels.shape == small_pixels.shape  # same grid, same token count
    assert (full_pixels - small_pixels).abs().mean() < 0.02
    for n, floor in [(1, 0.9999), (3, 0.9999), (6, 0.9999), ("full", 0.999)]:
        assert float(_embed(enc, full, n) @ _embed(enc, small, n)) >= floor


@pytest.mark.parametrize("orientation", [3, 6, 8])
@pytest.mark.parametrize("fixture", ["tiny_dsvl", "tiny_qwen2vl"])
def test_exif_rotated_photo_embeds_like_the_upright_one(fixture, orientation, request, tmp_path):
    enc = request.getfixturevalue(fixture)
    upright = photo((320, 240), seed=1)
    # What a phone stores for each orientation flag: the pixels turned so the flag turns them back.
    stored = upright.transpose(
        {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}[
            orientation
        ]
    )
    paths = {
        "upright": jpeg(tmp_path / "upright.jpg", upright),
        "flagged": jpeg(tmp_path / "flagged.jpg", stored, orientation),
        "sideways": jpeg(tmp_path / "sideways.jpg", stored),  # same pixels, no flag
    }
    assert upright_size(paths["flagged"], "flagged.jpg") == (320, 240)
    assert ImageSegment(paths["flagged"]).load().size == (320, 240)
    docs = [InterleavedDoc((TextSegment("Fold the paper."), ImageSegment(p))) for p in paths.values()]
    vectors = enc.encode(docs, n=3)
    assert float(vectors[0] @ vectors[1]) > 0.9999
    assert float(vectors[0] @ vectors[2]) < float(vectors[0] @ vectors[1]) - 1e-4
    # the token count read from the header is the one the model sees (Qwen grids follow orientation)
    assert enc.count_tokens(docs[1], 3) == enc.count_tokens(docs[0], 3)


def test_decompression_bomb_reports_its_size_and_the_name_given(tmp_path):
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, format="PNG")  # 400 Mpx in a few hundred KB
    path = tmp_path / "f81a0c.tmp"
    path.write_bytes(buffer.getvalue())
    segment = ImageSegment(str(path), name="scans/huge.png")
    with pytest.raises(ValueError, match=r"too large \(20000×20000\): scans/huge\.png") as info:
        segment.load()
    assert "f81a0c" not in str(info.value)
    with pytest.raises(ValueError, match=r"too large \(20000×20000\)"):
        upright_size(str(path), "scans/huge.png")


def test_over_our_limit_but_under_pils_is_too_large_too(tmp_path):
    side = int(MAX_IMAGE_PIXELS**0.5) + 100
    buffer = io.BytesIO()
    Image.new("1", (side, side)).save(buffer, format="PNG")
    with pytest.raises(ValueError, match=rf"too large \({side}×{side}\): big\.png"):
        decode_image(buffer.getvalue(), name="big.png")


@pytest.mark.parametrize(
    "data",
    [b"not an image at all", b"\x89PNG\r\n\x1a\n garbage", b"\xff\xd8\xff\xe0" + b"\x00garbage" * 50],
)
def test_messages_never_show_a_buffer_or_a_temporary_path(tmp_path, data):
    path = tmp_path / "upload-3f9c2.bin"
    path.write_bytes(data)
    for call in (
        lambda: ImageSegment(str(path), name="my photo.jpg").load(),
        lambda: decode_image(data, name="my photo.jpg"),
    ):
        with pytest.raises(ValueError) as info:
            call()
        message = str(info.value)
        assert "my photo.jpg" in message
        assert "BytesIO" not in message and " at 0x" not in message and "upload-3f9c2" not in message


def test_encoder_names_the_file_as_given(tiny_dsvl, tmp_path):
    path = tmp_path / "tmpab12.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    doc = InterleavedDoc(
        (TextSegment("x"), ImageSegment(str(path), name="img/step 2.png")), id="notes/bread.md"
    )
    with pytest.raises(ValueError, match=r"img/step 2\.png.*notes/bread\.md") as info:
        tiny_dsvl.encode([doc], n=3)
    assert "tmpab12" not in str(info.value)


def test_small_and_png_images_keep_their_pixels(tiny_dsvl, tmp_path):
    """Nothing to save below the model's size: decoded as is. Large PNGs are box-reduced then fitted."""
    small = tmp_path / "small.png"
    Image.new("RGB", (200, 100), "red").save(small)
    assert ImageSegment(str(small)).load(fit=tiny_dsvl.backbone.decode_size).size == (200, 100)
    large = tmp_path / "large.png"
    photo((1600, 1200), seed=2).save(large)
    assert ImageSegment(str(large)).load(fit=tiny_dsvl.backbone.decode_size).size == (384, 288)


@pytest.mark.parametrize("mode", ["P", "RGBA", "LA"])
def test_transparent_pictures_are_seen_on_white_without_a_warning(mode, recwarn):
    """Screenshots with transparent margins (palette or alpha PNGs) show on a white page in every
    viewer; dropping alpha instead shows whatever colour the transparent pixels happen to hold."""
    image = Image.new("RGBA", (64, 32), (71, 112, 76, 0))  # transparent, hiding a dark green
    image.paste((200, 30, 30, 255), (0, 0, 32, 32))  # opaque red left half
    if mode == "P":
        image = image.quantize(colors=4)  # PNG keeps the palette's transparency as bytes
    elif mode == "LA":
        image = image.convert("LA")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    decoded = np.asarray(decode_image(buffer.getvalue(), "shot.png"))
    assert decoded.shape == (32, 64, 3)
    assert (decoded[:, 40:] == 255).all()  # the transparent half reads white
    assert decoded[:, :20].mean() < 200  # the opaque half keeps its colour
    assert not [w for w in recwarn if "Transparency" in str(w.message)]


def test_decode_all_keeps_order_overlaps_and_bounds_what_waits():
    import threading
    import time

    from mme_core.images import decode_all

    lock, state = threading.Lock(), {"running": 0, "most": 0, "started": 0}
    consumed = []

    def decode(k):
        with lock:
            state["running"] += 1
            state["started"] += 1
            state["most"] = max(state["most"], state["running"])
        time.sleep(0.02)
        with lock:
            state["running"] -= 1
        return k

    for k in decode_all(range(12), decode, workers=2):
        consumed.append(k)
        assert state["started"] <= k + 1 + 2  # never more than `workers` decoded ahead of the reader
    assert consumed == list(range(12))
    assert state["most"] == 2  # two decodes really ran at once


def test_decode_all_raises_the_first_failure_in_order():
    from mme_core.images import decode_all

    def decode(k):
        if k == 3:
            raise ValueError("corrupt or truncated image: steps/3.jpg")
        return k

    got = []
    with pytest.raises(ValueError, match="steps/3.jpg"):
        for k in decode_all(range(8), decode, workers=2):
            got.append(k)
    assert got == [0, 1, 2]


def test_header_sizes_are_remembered_until_the_file_changes(tmp_path):
    import os

    path = tmp_path / "step.png"
    Image.new("RGB", (100, 80), "red").save(path)
    assert upright_size(str(path), "step.png") == (100, 80)
    Image.new("RGB", (50, 40), "blue").save(path)
    os.utime(path, ns=(1, 1))  # a new mtime even on a coarse clock
    assert upright_size(str(path), "step.png") == (50, 40)


def _jpeg_with_thumbnail(size=(640, 480)) -> bytes:
    """A photo-like JPEG whose EXIF block carries a JPEG thumbnail (with its own end marker)."""
    thumb = io.BytesIO()
    photo((160, 120), seed=3).save(thumb, format="JPEG")
    exif = Image.Exif()
    exif[0x0112] = 1
    ifd1 = exif.get_ifd(0x8769)  # make the block non-trivial
    ifd1[0x9003] = "2026:12:01 10:00:00"
    out = io.BytesIO()
    photo(size, seed=4).save(out, format="JPEG", exif=exif.tobytes(), quality=90)
    data = out.getvalue()
    # Splice the thumbnail into an APP segment right after SOI, as cameras store theirs.
    segment = b"\xff\xe2" + (len(thumb.getvalue()) + 2).to_bytes(2, "big") + thumb.getvalue()
    return data[:2] + segment + data[2:]


def test_jpeg_check_trusts_a_complete_file_and_catches_a_cut_one(tmp_path, monkeypatch):
    from PIL import ImageFile

    from mme_core.image_checks import check_image

    loads = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: loads.append(1) or real_load(self))
    data = _jpeg_with_thumbnail()
    complete = tmp_path / "complete.jpg"
    complete.write_bytes(data + b"\xd3\x7e\xc3\x65\x00\x00\x00\x00")  # a trailer after the end marker
    assert check_image(str(complete), "photos/complete.jpg") == (640, 480)
    assert loads == []  # trusted from its end marker: no decode
    assert decode_image(complete.read_bytes(), "photos/complete.jpg").size == (640, 480)  # and it decodes

    from mme_core.image_checks import _scan_start

    scan = _scan_start(io.BytesIO(data))
    assert data.index(b"\xff\xd9") + 4096 > scan + 1000  # the thumbnail's end marker, in the last 4 KB
    for cut in (scan + 1000, len(data) * 2 // 3, len(data) - 40):
        short = tmp_path / f"cut{cut}.jpg"
        short.write_bytes(data[:cut])
        with pytest.raises(ValueError, match=r"corrupt or truncated image: photos/cut\.jpg"):
            check_image(str(short), "photos/cut.jpg")


def _png_exif_after_data(orientation: int) -> bytes:
    """A 400×100 PNG whose eXIf chunk (orientation) comes after its image data, as some writers put it."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    Image.new("RGB", (400, 100), "red").save(out, format="PNG", exif=exif.tobytes())
    data = out.getvalue()
    start = data.index(b"eXIf") - 4
    chunk = data[start : start + 12 + int.from_bytes(data[start : start + 4], "big")]
    data = data.replace(chunk, b"")
    end = data.index(b"IEND") - 4
    return data[:end] + chunk + data[end:]


def test_png_checks_decode_nothing_yet_find_an_orientation_after_the_image_data(tmp_path, monkeypatch):
    from PIL import ImageFile

    from mme_core.image_checks import check_image

    loads = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: loads.append(1) or real_load(self))
    rotated = tmp_path / "rotated.png"
    rotated.write_bytes(_png_exif_after_data(6))
    assert rotated.read_bytes().index(b"eXIf") > rotated.read_bytes().index(b"IDAT")
    plain = tmp_path / "plain.png"
    Image.new("RGB", (400, 100), "red").save(plain)
    assert check_image(str(rotated), "rotated.png") == (100, 400)  # upright: turned a quarter
    assert check_image(str(plain), "plain.png") == (400, 100)
    assert loads == []  # the chunks walked by their lengths and CRC-checked, no pixel decoded
    assert decode_image(rotated.read_bytes(), "rotated.png").size == (100, 400)


@pytest.mark.parametrize("animated", [False, True])
def test_webp_check_trusts_a_complete_file_and_catches_a_cut_one(animated, tmp_path, monkeypatch):
    from PIL import ImageFile

    from mme_core.image_checks import check_image

    loads = []
    real_load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: loads.append(1) or real_load(self))
    rng = np.random.default_rng(0)
    frames = [Image.fromarray(rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)) for _ in range(2)]
    out = io.BytesIO()
    more = {"save_all": True, "append_images": frames[1:]} if animated else {}
    frames[0].save(out, format="WEBP", quality=80, **more)
    data = out.getvalue()
    complete = tmp_path / "dish.webp"
    complete.write_bytes(data)
    assert check_image(str(complete), "pix/dish.webp") == (160, 120)
    assert loads == []  # trusted from its RIFF chunks: no decode
    assert decode_image(data, "pix/dish.webp").size == (160, 120)
    for cut in (len(data) // 2, len(data) - 7):
        short = tmp_path / f"cut{cut}.webp"
        short.write_bytes(data[:cut])
        with pytest.raises(ValueError, match=r"corrupt or truncated image: pix/cut\.webp"):
            check_image(str(short), "pix/cut.webp")


@pytest.mark.parametrize("kind", ["HEIF", "AVIF"])
def test_heic_and_avif_checks_trust_a_complete_file_and_catch_a_cut_one(kind, tmp_path, monkeypatch):
    from mme_core.image_checks import check_image

    rng = np.random.default_rng(1)
    path = tmp_path / f"IMG_0002.{kind.lower()}"
    Image.fromarray(rng.integers(0, 255, (240, 320, 3), dtype=np.uint8)).save(path, format=kind, quality=70)
    data = path.read_bytes()
    opener = type(Image.open(path))  # pillow-heif's, or Pillow's AVIF plugin: each decodes in `load`
    loads = []
    real_load = opener.load
    monkeypatch.setattr(opener, "load", lambda self: loads.append(1) or real_load(self))
    assert check_image(str(path), "phone/IMG_0002") == (320, 240)
    assert loads == []  # its boxes fill the file: trusted without a decode (a 48 MP photo: 2 s)
    assert decode_image(data, "phone/IMG_0002").size == (320, 240)
    for cut in (len(data) // 2, len(data) - 5):
        short = tmp_path / f"cut{cut}.{kind.lower()}"
        short.write_bytes(data[:cut])
        with pytest.raises(ValueError, match=r"(corrupt or truncated|unreadable) image: phone/cut"):
            check_image(str(short), "phone/cut")
    # the last bytes gone: found by the box walk (libheif decodes an iPhone photo cut in half, grey)
    with pytest.raises(
        ValueError, match=r"truncated image: phone/cut \(cut short: its mdat box runs 5 bytes"
    ):
        check_image(str(tmp_path / f"cut{len(data) - 5}.{kind.lower()}"), "phone/cut")


def test_a_header_is_read_once_whoever_asks_and_errors_name_each_callers_file(tmp_path, monkeypatch):
    import mme_core.images as images

    path = tmp_path / "step.png"
    Image.new("RGB", (90, 60), "red").save(path)
    reads = []
    real = images._upright_size
    monkeypatch.setattr(
        images, "_upright_size", lambda source, name: reads.append(name) or real(source, name)
    )
    assert upright_size(str(path), "\0") == upright_size(str(path), "notes/step.png") == (90, 60)
    assert len(reads) == 1  # the reader's placeholder name and the encoder's name share one read
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    for name in ("a/broken.png", "b/broken.png"):
        with pytest.raises(ValueError, match=name):
            upright_size(str(broken), name)


@pytest.mark.parametrize("kind", ["HEIF", "AVIF"])
def test_phone_formats_decode_upright_at_the_models_size(kind, tmp_path):
    # A landscape shot held sideways: the phone flags orientation 6 (rotate 90° clockwise to view).
    shot = Image.new("RGB", (400, 300), (220, 30, 30))
    shot.paste((30, 30, 220), (0, 0, 100, 300))  # a blue band on the left edge, at the top once upright
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / f"IMG_0001.{kind.lower()}"
    shot.save(path, format=kind, exif=exif.tobytes(), quality=90)

    data = path.read_bytes()
    assert upright_size(str(path), path.name) == (300, 400)
    image = decode_image(data, name=path.name, fit=lambda size: (size[0] // 4, size[1] // 4))
    assert image.size == (75, 100)
    top, bottom = np.asarray(image)[5, 37], np.asarray(image)[95, 37]
    assert top[2] > 150 > top[0] and bottom[0] > 150 > bottom[2]  # blue band on top, red below


def test_a_heic_photo_without_its_decoder_names_what_to_install(tmp_path, monkeypatch):
    from mme_core import images

    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    monkeypatch.setattr(images, "HEIF_SUPPORT", False)
    assert "install pillow-heif" in images._unidentified(heic)
    monkeypatch.setattr(images, "HEIF_SUPPORT", True)  # installed: the file itself is the problem
    assert images._unidentified(heic) == "cannot identify image file"


def test_a_108_megapixel_phone_jpeg_decodes_at_the_models_size(tmp_path):
    """Phones shoot 50-200 MP JPEGs: over the 64 MP cap for formats decoded whole, yet a JPEG is
    decoded in the DCT domain at the model's size; without a target size it is still refused, and
    a JPEG over MAX_JPEG_PIXELS is refused from its header before anything is decoded."""
    from mme_core.image_checks import check_image
    from mme_core.images import MAX_JPEG_PIXELS

    shot = Image.new("RGB", (12000, 9000), (200, 60, 40))
    shot.paste((40, 60, 200), (0, 0, 12000, 3000))  # a blue sky over a red wall
    path = tmp_path / "IMG_20240501_108MP.jpg"
    shot.save(path, format="JPEG", quality=80)
    del shot
    assert MAX_IMAGE_PIXELS < 12000 * 9000 < MAX_JPEG_PIXELS

    assert upright_size(str(path), path.name) == (12000, 9000)
    assert check_image(str(path), path.name) == (12000, 9000)
    image = decode_image(path.read_bytes(), name=path.name, fit=lambda size: (384, 288))
    assert image.size == (384, 288)
    sky, wall = np.asarray(image)[20, 190], np.asarray(image)[250, 190]
    assert sky[2] > 150 > sky[0] and wall[0] > 150 > wall[2]
    with pytest.raises(ValueError, match=r"image too large \(12000×9000\): IMG_20240501_108MP.jpg"):
        decode_image(path.read_bytes(), name=path.name)  # no target size: it would decode whole

    small = io.BytesIO()
    Image.new("RGB", (16, 16), "white").save(small, format="JPEG")
    data = bytearray(small.getvalue())
    sof = data.index(b"\xff\xc0")  # baseline frame header: length(2) precision(1) height(2) width(2)
    data[sof + 5 : sof + 9] = (20000).to_bytes(2, "big") + (25000).to_bytes(2, "big")
    with pytest.raises(
        ValueError, match=r"image too large \(25000×20000\): pano.jpg \(the limit is 400,000,000"
    ):
        decode_image(bytes(data), name="pano.jpg", fit=lambda size: (384, 384))
