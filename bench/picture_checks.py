"""Vetting a collection's pictures before indexing (`check_image`): PNG orientation found by walking
the chunks vs by Pillow's `getexif`, which decodes the whole picture to reach an eXIf chunk that may
follow the image data. Side by side on the same files, alternating rounds.

    python -m bench.picture_checks FOLDER [--source "owner/repo@commit"] [--limit 400] [--rounds 3]
    python -m bench.picture_checks FOLDER --no-write     # print only

Each round clears the header-size memo, so every picture is opened and checked as on a first build.
Wall seconds (the pictures come from the page cache after the first round; round one is dropped).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from PIL import ExifTags, Image

import mme_core.images as images
from mme_core.documents import IMAGE_EXTENSIONS


def pillow_orientation(image: Image.Image) -> int:
    """What `_orientation` did before: Pillow's own EXIF lookup (a PNG is decoded to find it)."""
    try:
        return int(image.getexif().get(ExifTags.Base.Orientation, 1))
    except Exception:  # noqa: BLE001 - as the real one: a broken EXIF block is not a broken picture
        return 1


def time_checks(paths: list[Path], orientation) -> float:
    ours = images._orientation
    images._orientation = orientation
    images._SIZES.clear()
    try:
        started = time.perf_counter()
        for path in paths:
            try:
                images.check_image(str(path), path.name)
            except ValueError:
                pass  # a broken picture costs what it costs on both paths
        return time.perf_counter() - started
    finally:
        images._orientation = ours


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--source", default="", help="where the folder came from (repository@commit)")
    parser.add_argument("--limit", type=int, default=400, help="at most this many pictures")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    paths = sorted(p for p in args.folder.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS)[: args.limit]
    if not paths:
        parser.error(f"no pictures under {args.folder}")
    kinds = Counter(p.suffix.lower() for p in paths)
    times: dict[str, list[float]] = {"pillow": [], "chunks": []}
    for _ in range(args.rounds + 1):  # the first round warms the page cache and is dropped
        for label, orientation in (("pillow", pillow_orientation), ("chunks", images._orientation)):
            times[label].append(time_checks(paths, orientation))
    pillow, chunks = (statistics.median(times[k][1:]) for k in ("pillow", "chunks"))
    formats = ", ".join(f"{count} {suffix}" for suffix, count in kinds.most_common())
    body = "\n".join(
        [
            f"{len(paths)} pictures of {args.source or args.folder} ({formats}); {args.rounds} rounds after "
            "a warm-up, alternating; median wall seconds for `check_image` over all of them.",
            "",
            "| PNG orientation read by | seconds | ms per picture |",
            "|---|---:|---:|",
            f"| Pillow `getexif` (before: decodes PNGs) | {pillow:.2f} | {1e3 * pillow / len(paths):.1f} |",
            f"| walking the chunks to an eXIf (now) | {chunks:.2f} | {1e3 * chunks / len(paths):.1f} |",
            "",
            f"Ratio: {pillow / chunks:.1f}x. A PNG with its eXIf after the image data still reads upright "
            "(tests/core/test_image_decoding.py::"
            "test_png_checks_decode_nothing_yet_find_an_orientation_after_the_image_data).",
        ]
    )
    print(body)
    if not args.no_write:
        from bench.report import write_section

        command = "python -m bench.picture_checks " + " ".join(
            f'"{a}"' if " " in a else a for a in argv or sys.argv[1:]
        )
        write_section("Vetting pictures before indexing", body, command)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
