"""Decoding pictures the way the model will see them: upright, and no larger than it needs.

A 12-megapixel phone photo costs ~0.11 s and ~36 MB to decode at full size, yet a vision tower
reads it at 384x384 (DeepSeek-VL) or at a few hundred thousand pixels (Qwen families). So the
backbone tells the decoder the size its image processor will resize to (`fit`), and the decoder
gets there cheaply: a JPEG is decoded in the DCT domain at 1/2, 1/4 or 1/8 scale (`Image.draft`),
other formats are box-reduced by an integer factor (`Image.reduce`), both never below the target;
one bicubic resize (the processors' own filter) then lands on the exact target, so the processor's
resize is a no-op and the visual token grid is the one the header predicted.

EXIF orientation is applied in this same path (phones store portrait photos sideways and flag
them), so indexing and queries both see the photo upright; transparent pixels (screenshots, icons)
are laid on white, as viewers show them. Every failure is a ValueError that names the file as the
caller named it, never a buffer's repr or a temporary path.
"""

from __future__ import annotations

import io
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from PIL import ExifTags, Image, ImageOps, JpegImagePlugin, UnidentifiedImageError

from mme_core.svg import SvgProblem  # its import registers the SVG plugin (diagrams, see svg.py)

try:  # HEIC/HEIF phone photos: pillow-heif's opener (applies the photo's rotation when decoding)
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF_SUPPORT = True
except ImportError:  # an install without it: such photos are refused, naming what to install
    HEIF_SUPPORT = False

# PIL's own default (~89 Mpx) guards against decompression bombs; we keep a stricter, explicit cap
# so that a 20000x20000 image is refused before any pixel is decoded.
MAX_IMAGE_PIXELS = 64_000_000
# A JPEG is decoded in the DCT domain at the size the model needs (1/2, 1/4 or 1/8 scale), so a
# phone's 108 or 200 MP photo costs what a 3 MP one does: JPEGs may be this large, as long as the
# scaled decode stays under MAX_IMAGE_PIXELS (checked before any pixel is decoded).
MAX_JPEG_PIXELS = 400_000_000
# Decodes run at once by `decode_all` (threads; Pillow releases the GIL while decoding).
DECODE_WORKERS = max(1, min(4, os.cpu_count() or 1))
_POOLS: dict[int, ThreadPoolExecutor] = {}
_SIZES: dict[tuple[str, int, int], tuple[int, int]] = {}  # (path, size, mtime) -> upright size
_SIZES_LOCK = threading.Lock()
MAX_REMEMBERED_SIZES = 65536
T = TypeVar("T")
# part of a vision cache key: bump on change
DECODE_RECIPE = "upright|on-white|draft-or-reduce|bicubic-to-fit|v2"
RESAMPLE = Image.Resampling.BICUBIC  # DeepSeek-VL's and Qwen2-VL's image processors both use bicubic
_SIDEWAYS = {5, 6, 7, 8}  # EXIF orientations that swap width and height


class ImageRefused(ValueError):
    """Our own refusal of a picture, its message naming the file (a decoder plugin's ValueError,
    e.g. pillow-heif's "Invalid input: ...", names nothing and is re-raised naming it)."""


# (width, height) upright -> (width, height) the model's processor resizes it to, or None: keep.
FitSize = Callable[[tuple[int, int]], "tuple[int, int] | None"]


def decode_image(data: bytes, name: str = "image", fit: FitSize | None = None) -> Image.Image:
    """Upright RGB image from encoded bytes, at `fit(upright size)` when given (see module doc).
    Safe to call from several threads at once (decoders release the GIL: `decode_all` uses that)."""
    if not data:
        raise ValueError(f"image is empty (0 bytes): {name}")
    try:
        image = open_capped(data, name)
        orientation = _orientation(image)
        sideways = orientation in _SIDEWAYS
        upright = image.size[::-1] if sideways else image.size
        target = fit(upright) if fit is not None else None
        smaller = target is not None and target[0] < upright[0] and target[1] < upright[1]
        if smaller or target is not None and image.format == "SVG":  # a drawing: at any size
            image.draft("RGB", target[::-1] if sideways else target)  # JPEG, SVG; a no-op otherwise
        check_pixels(image.size, name)  # a JPEG over the cap decodes only if the draft brought it under
        image.load()
    except ImageRefused:
        raise
    except SvgProblem as err:  # a damaged, oversized or empty drawing: said as it is
        raise ImageRefused(f"{err}: {name}") from None
    except UnidentifiedImageError as err:  # its text holds the buffer's repr: never shown
        raise ValueError(f"unreadable image: {name} ({_unidentified(data)})") from err
    except (OSError, SyntaxError, EOFError, ValueError) as err:  # truncated or corrupt data
        raise ValueError(f"corrupt or truncated image: {name} ({str(err).strip()})") from err
    image = _on_white(_upright(image, orientation))
    if target is not None and image.size != tuple(target):
        factor = min(image.width // target[0], image.height // target[1])
        if factor >= 2:
            image = image.reduce(factor)  # box filter, cheap: the resize below does the fine work
        image = image.resize(target, RESAMPLE)
    return image


def _unidentified(data_or_path) -> str:
    """Why Pillow could not identify this image (encoded bytes, or a file's path)."""
    try:
        if isinstance(data_or_path, bytes):
            head = data_or_path[:12]
        else:
            with open(data_or_path, "rb") as stream:
                head = stream.read(12)
    except OSError:
        head = b""
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"heis"):
        if not HEIF_SUPPORT:
            return "a HEIC/HEIF photo: install pillow-heif to read it (pip install pillow-heif)"
    return "cannot identify image file"


def decode_all(items: Iterable[T], decode: Callable[[T], Image.Image], workers: int | None = None):
    """`decode(item)` for each item, in order, with up to `workers` decodes running at once in
    threads (Pillow's decoders release the GIL, so a 2-core machine decodes two photos at a time).
    At most `workers` decoded images wait beyond the one being consumed, so memory stays bounded;
    the first failure is raised where its item comes, as a plain loop would raise it."""
    workers = workers or DECODE_WORKERS
    items = iter(items)
    if workers <= 1:
        yield from map(decode, items)
        return
    pending: deque = deque()
    try:
        for item in items:
            pending.append(_pool(workers).submit(decode, item))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:  # a failure or an abandoned generator: drop what is not started
            future.cancel()


def _pool(workers: int) -> ThreadPoolExecutor:
    if workers not in _POOLS:
        _POOLS[workers] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mme-decode")
    return _POOLS[workers]


def fit_within(max_side: int) -> FitSize:
    """A `fit` for thumbnails: the largest size with both sides <= max_side, aspect kept."""

    def fit(size: tuple[int, int]) -> tuple[int, int] | None:
        scale = max_side / max(size)
        return None if scale >= 1 else (max(1, round(size[0] * scale)), max(1, round(size[1] * scale)))

    return fit


def upright_size(data_or_path, name: str) -> tuple[int, int]:
    """(width, height) as displayed (EXIF orientation applied), from the header alone. For a path,
    remembered by the file's size and mtime: the reader, the splitter and the encoder all ask."""
    if isinstance(data_or_path, bytes):
        return _upright_size(data_or_path, name)
    try:
        stat = os.stat(data_or_path)
    except OSError:
        return _upright_size(data_or_path, name)  # raises the reader's own "cannot read" error
    key = (str(data_or_path), stat.st_size, stat.st_mtime_ns)
    size = _SIZES.get(key)
    if size is None:  # failures are not remembered: each caller's error names the file its own way
        size = _upright_size(data_or_path, name)
        with _SIZES_LOCK:  # the app may index in one thread while a search reads pictures in another
            _SIZES[key] = size
            if len(_SIZES) > MAX_REMEMBERED_SIZES:
                del _SIZES[next(iter(_SIZES))]  # the oldest
    return size


def _upright_size(data_or_path, name: str) -> tuple[int, int]:
    try:
        with open_capped(data_or_path, name) as image:
            size, sideways = image.size, _orientation(image) in _SIDEWAYS
    except ImageRefused:
        raise
    except SvgProblem as err:  # a damaged, oversized or empty drawing: said as it is
        raise ImageRefused(f"{err}: {name}") from None
    except UnidentifiedImageError as err:
        raise ValueError(f"unreadable image: {name} ({_unidentified(data_or_path)})") from err
    except (OSError, SyntaxError, EOFError, ValueError) as err:
        raise ValueError(f"corrupt or truncated image: {name} ({str(err).strip()})") from err
    return (size[1], size[0]) if sideways else size


def open_capped(data_or_path, name: str) -> Image.Image:
    """`Image.open` with our pixel cap checked on the header first, so that Pillow's own
    decompression-bomb check never fires below it; no warnings filter is touched (filters are
    process-wide, and decoding runs in threads). A JPEG may be up to MAX_JPEG_PIXELS: it is opened
    by its plugin directly (Pillow's check would refuse it before it could be drafted small), and
    every caller decodes it scaled down or refuses it (`check_pixels` after the draft)."""
    found = header_size(data_or_path)
    oversized = found is not None and found[0] * found[1] > MAX_IMAGE_PIXELS
    jpeg = oversized and _is_jpeg(data_or_path)  # only then does the format matter: no second open
    if found is not None:
        check_pixels(found, name, MAX_JPEG_PIXELS if jpeg else MAX_IMAGE_PIXELS)
    try:
        if jpeg:
            data = data_or_path if isinstance(data_or_path, bytes) else Path(data_or_path).read_bytes()
            image = JpegImagePlugin.JpegImageFile(io.BytesIO(data))
        else:
            image = Image.open(io.BytesIO(data_or_path) if isinstance(data_or_path, bytes) else data_or_path)
    except Image.DecompressionBombError as err:
        raise ImageRefused(_too_large(name, found) if found else f"image too large: {name}") from err
    check_pixels(image.size, name, MAX_JPEG_PIXELS if image.format == "JPEG" else MAX_IMAGE_PIXELS)
    return image


def _is_jpeg(data_or_path) -> bool:
    if isinstance(data_or_path, bytes):
        return data_or_path[:3] == b"\xff\xd8\xff"
    try:
        with open(data_or_path, "rb") as stream:
            return stream.read(3) == b"\xff\xd8\xff"
    except OSError:
        return False


def check_pixels(size: tuple[int, int], name: str, limit: int = MAX_IMAGE_PIXELS) -> None:
    if size[0] * size[1] > limit:
        raise ImageRefused(_too_large(name, size, limit))


def header_size(data_or_path) -> tuple[int, int] | None:
    """(width, height) of an image PIL refuses to open as a decompression bomb.

    `Image.open` checks the pixel count before returning, so the size is read by the format's own
    plugin, which parses the header and decodes nothing.
    """
    Image.init()
    try:
        if isinstance(data_or_path, bytes):
            stream = io.BytesIO(data_or_path)
        else:
            stream = open(data_or_path, "rb")  # noqa: SIM115 - closed below
    except OSError:
        return None
    with stream:
        prefix = stream.read(16)
        for format_id in Image.ID:
            factory, accept = Image.OPEN[format_id]
            stream.seek(0)
            try:
                if accept is not None and not accept(prefix):
                    continue
                return tuple(factory(stream, "").size)
            except Exception:  # noqa: BLE001, S112 - this plugin does not read it: try the next one
                continue
    return None


def _too_large(name: str, size: tuple[int, int], limit: int = MAX_IMAGE_PIXELS) -> str:
    return f"image too large ({size[0]}×{size[1]}): {name} (the limit is {limit:,} pixels)"


def _orientation(image: Image.Image) -> int:
    try:
        if image.format == "PNG" and "exif" not in image.info:  # Pillow would decode the whole
            exif = Image.Exif()  # picture to reach an eXIf chunk after the image data: walk to it
            exif.load(_png_exif(image.fp))
            return int(exif.get(ExifTags.Base.Orientation, 1))
        return int(image.getexif().get(ExifTags.Base.Orientation, 1))
    except Exception:  # noqa: BLE001 - a broken EXIF block is not a broken picture
        return 1


def _png_exif(stream) -> bytes:
    """A PNG's eXIf data as `Image.Exif.load` takes it (b"" when there is none), found by walking the
    chunks by their lengths: nothing is decompressed. The stream's position is kept."""
    start = stream.tell()
    try:
        stream.seek(8)  # past the signature
        while len(header := stream.read(8)) == 8:
            length, kind = int.from_bytes(header[:4], "big"), header[4:]
            if kind == b"eXIf":
                return b"Exif\x00\x00" + stream.read(length)
            if kind == b"IEND":
                break
            stream.seek(length + 4, os.SEEK_CUR)  # the data and its CRC
        return b""
    finally:
        stream.seek(start)


def _on_white(image: Image.Image) -> Image.Image:
    """RGB, transparent pixels laid on white as viewers show them (screenshots with transparent
    margins); dropping alpha would show whatever colour those pixels hide, often black."""
    if image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        page = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(page, rgba).convert("RGB")
    return image.convert("RGB")


def _upright(image: Image.Image, orientation: int) -> Image.Image:
    if orientation == 1:
        return image
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 - as above: keep the pixels as stored
        return image


# Formats whose completeness is checked without decoding (see `check_image`)
