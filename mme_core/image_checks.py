"""Vetting a collection's pictures before indexing, without decoding them at full size.

A picture that will not decode should be said before its note is embedded, not found half-way
through a batch; yet decoding every picture twice (once to vet, once for the model) cost a third
of a recipe site's indexing time. So a picture's own structure vouches for it where it can: a
JPEG's end-of-image marker, a WebP's RIFF chunks, a HEIC's or AVIF's boxes; a PNG's chunk CRCs.
Damage that passes these checks surfaces when the picture is decoded for the model.
"""

from __future__ import annotations

import os

from mme_core.images import ImageRefused, open_capped, upright_size
from mme_core.svg import SvgProblem

JPEG_TAIL = 4096  # bytes at a JPEG file's end searched for its end-of-image marker


def check_image(path: str, name: str) -> tuple[int, int]:
    """Upright (width, height) of a picture whose data reads through, without a full-size decode.

    For readers that vet a collection's pictures before indexing: a JPEG whose last bytes hold its
    end-of-image marker is complete (truncation, the usual damage of a copied or downloaded photo,
    takes the marker with it; the marker cannot occur inside entropy-coded data), else it is decoded
    at 1/8 scale in the DCT domain (every entropy-coded byte parsed, so truncation shows); a WebP
    whose RIFF chunks, walked by their lengths, fill the size its header declares and hold an image
    chunk is complete (WebP cannot be decoded small: a full decode here cost a third of indexing a
    recipe site's CPU time), and so is a HEIC or AVIF photo whose boxes fill the file (a phone's
    48-megapixel HEIC takes 2 s of one core to decode, and was decoded twice); a PNG's chunks are
    checked against their CRCs (`verify`); other formats are decoded. Damage the check lets through
    surfaces when the picture is decoded for the model, and its note is reported then.
    Errors as `decode_image`; safe in threads, as it.
    """
    size = upright_size(path, name)
    try:
        with open_capped(path, name) as image:
            complete = _COMPLETE.get(image.format)
            if complete is not None and complete(path):
                return size  # decoding it here would cost as much as decoding it for the model
            if image.format == "PNG":
                image.verify()
            else:
                image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
                image.load()
    except ImageRefused:
        raise
    except SvgProblem as err:  # a damaged, oversized or empty drawing: said as it is
        raise ImageRefused(f"{err}: {name}") from None
    except (OSError, SyntaxError, EOFError, ValueError) as err:
        raise ValueError(f"corrupt or truncated image: {name} ({str(err).strip()})") from err
    return size


def _ends_complete(path: str) -> bool:
    """Whether a JPEG file's last 4 KB, past the start of its image data, hold an end-of-image
    marker (phones and editors may append bytes or a trailer after it; a marker further back is
    checked the slow way). Searching only past the scan start keeps an EXIF thumbnail's marker
    from vouching for a file cut short soon after it."""
    with open(path, "rb") as stream:
        scan = _scan_start(stream)
        if scan is None:
            return False
        stream.seek(max(scan, os.fstat(stream.fileno()).st_size - JPEG_TAIL))
        return b"\xff\xd9" in stream.read()


def _riff_complete(path: str) -> bool:
    """Whether a WebP file holds every byte its RIFF header declares, in chunks that fit it, one of
    them image data (`VP8 `, `VP8L` or an animation frame): a cut file fails, and is decoded."""
    with open(path, "rb") as stream:
        header = stream.read(12)
        if len(header) < 12 or header[:4] != b"RIFF" or header[8:] != b"WEBP":
            return False
        end = 8 + int.from_bytes(header[4:8], "little")
        if os.fstat(stream.fileno()).st_size < end:
            return False
        offset, image = 12, False
        while offset + 8 <= end:
            stream.seek(offset)
            chunk = stream.read(8)
            length = int.from_bytes(chunk[4:], "little")
            if offset + 8 + length > end:
                return False
            image |= chunk[:4] in (b"VP8 ", b"VP8L", b"ANMF")
            offset += 8 + length + (length & 1)  # payloads are padded to an even length
        return image and offset >= end


def _boxes_complete(path: str) -> bool:
    """Whether a HEIC/HEIF or AVIF file's top-level ISOBMFF boxes, walked by their sizes, fill it
    exactly, `ftyp` first, with the item table (`meta`) and the coded picture (`mdat`); False (decode
    to know) for another layout. A box running past the end is a cut file, refused here: libheif
    decodes an iPhone photo cut in half without an error, its lost tiles grey."""
    with open(path, "rb") as stream:
        end = os.fstat(stream.fileno()).st_size
        offset, kinds = 0, []
        while offset < end:
            stream.seek(offset)
            header = stream.read(16)
            if len(header) < 8:
                return False
            length = int.from_bytes(header[:4], "big")
            if length == 1:  # a 64-bit size follows the type
                length = int.from_bytes(header[8:16], "big") if len(header) == 16 else 0
            elif length == 0:  # the last box, to the end of the file
                length = end - offset
            if length < 8:
                return False
            if offset + length > end:
                kind = header[4:8].decode("latin-1")
                raise ValueError(f"cut short: its {kind} box runs {offset + length - end} bytes past the end")
            kinds.append(header[4:8])
            offset += length
        return kinds[:1] == [b"ftyp"] and b"meta" in kinds and b"mdat" in kinds


def _scan_start(stream) -> int | None:
    """Offset of a JPEG's entropy-coded data: its segments walked by their lengths from the start
    of image to the first start-of-scan marker (APP segments, thumbnails inside, skipped whole)."""
    stream.seek(2)
    while True:
        marker = stream.read(2)
        while len(marker) == 2 and marker == b"\xff\xff":  # fill bytes before a marker
            marker = marker[1:] + stream.read(1)
        if len(marker) < 2 or marker[0] != 0xFF:
            return None
        if marker[1] == 0xDA:
            return stream.tell()
        length = stream.read(2)
        if len(length) < 2 or int.from_bytes(length, "big") < 2:  # cut short, or a corrupt length
            return None
        stream.seek(int.from_bytes(length, "big") - 2, os.SEEK_CUR)


_COMPLETE = {"JPEG": _ends_complete, "WEBP": _riff_complete, "HEIF": _boxes_complete, "AVIF": _boxes_complete}
