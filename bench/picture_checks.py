"""Vetting a collection's pictures before indexing (`check_image`), the way it was vs now, side by
side on the same files, alternating rounds:
- before: a PNG's orientation read by Pillow's `getexif` (which decodes the whole picture to reach
  an eXIf chunk that may follow the image data), a WebP, HEIC or AVIF decoded in full (none can be
  drafted small);
- now: the PNG's chunks walked to an eXIf, the WebP's RIFF chunks checked against its declared size,
  a HEIC's or AVIF's boxes against the file's size.

    python -m bench.picture_checks FOLDER [FOLDER ...] --source "owner/repo@commit" [--source ...]
    python -m bench.picture_checks FOLDER --no-write     # print only

Each round clears the header-size memo, so every picture is opened and checked as on a first build.
CPU seconds (the files come from the page cache after the warm-up round, which is dropped).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from contextlib import contextmanager
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


@contextmanager
def checks_as_before():
    orientation, complete = images._orientation, images._COMPLETE
    images._orientation = pillow_orientation
    images._COMPLETE = {"JPEG": complete["JPEG"]}  # WebP, HEIC and AVIF decoded in full
    try:
        yield
    finally:
        images._orientation, images._COMPLETE = orientation, complete


def time_checks(paths: list[Path]) -> float:
    images._SIZES.clear()
    started = time.process_time()
    for path in paths:
        try:
            images.check_image(str(path), path.name)
        except ValueError:
            pass  # a broken picture costs what it costs either way
    return time.process_time() - started


def measure(folder: Path, limit: int, rounds: int) -> tuple[list[Path], float, float]:
    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS)[:limit]
    times: dict[str, list[float]] = {"before": [], "now": []}
    for _ in range(rounds + 1):  # the first round warms the page cache and is dropped
        with checks_as_before():
            times["before"].append(time_checks(paths))
        times["now"].append(time_checks(paths))
    return paths, statistics.median(times["before"][1:]), statistics.median(times["now"][1:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    parser.add_argument("folders", type=Path, nargs="+")
    parser.add_argument("--source", action="append", default=[], help="per folder: repository@commit")
    parser.add_argument("--limit", type=int, default=400, help="at most this many pictures per folder")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    rows = []
    for position, folder in enumerate(args.folders):
        paths, before, now = measure(folder, args.limit, args.rounds)
        if not paths:
            parser.error(f"no pictures under {folder}")
        kinds = ", ".join(f"{n} {s}" for s, n in Counter(p.suffix.lower() for p in paths).most_common())
        source = args.source[position] if position < len(args.source) else str(folder)
        rows.append(f"| {source} | {kinds} | {before:.2f} | {now:.2f} | {before / now:.1f}x |")
    body = "\n".join(
        [
            f"Median CPU seconds of `check_image` over each folder's pictures (at most {args.limit}), "
            f"{args.rounds} alternating rounds after a warm-up.",
            "",
            "| collection | pictures | before (s) | now (s) | ratio |",
            "|---|---|---:|---:|---:|",
            *rows,
            "",
            "Before: a PNG decoded by Pillow's `getexif` to look for an eXIf chunk after its image data, a "
            "WebP, HEIC or AVIF decoded in full. Now: the PNG's chunks walked to an eXIf (a PNG whose eXIf "
            "follows the data still reads upright), a WebP's RIFF chunks checked against the size its "
            "header declares, a HEIC's or AVIF's boxes against the file's size (a cut file is still "
            "refused): tests/core/test_image_decoding.py.",
        ]
    )
    print(body)
    if not args.no_write:
        from bench.report import command_line, write_section

        write_section("Vetting pictures before indexing", body, command_line("bench.picture_checks", argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
