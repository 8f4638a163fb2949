"""Decoding a 12 MP phone-size JPEG at full size vs at the size the model reads, side by side.

    python -m bench.image_decoding            # writes "Decoding photos at the model's size"
    python -m bench.image_decoding --quick    # prints only

Both paths go through `mme_core.images.decode_image` on the same bytes, alternating, 7 rounds:
`fit=None` (full decode, what every run did before) and `fit=backbone.decode_size` of the demo model
(DeepSeek-VL family: longest side 384), which decodes the JPEG at 1/8 scale in the DCT domain and
resizes to 384x288. Peak memory of one decoded image is its RGB bytes.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.indexing_throughput import load_line, photo_jpeg
from mme_core import MMEEncoder
from mme_core.images import decode_image


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    encoder = MMEEncoder.from_pretrained(
        str(Path(__file__).resolve().parent.parent / "demo" / "model"), device="cpu"
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "photo.jpg"
        photo_jpeg(path, seed=0)
        data = path.read_bytes()
    times: dict[str, list[float]] = {"full": [], "fit": []}
    sizes = {}
    for _ in range(args.rounds):
        for name, fit in (("full", None), ("fit", encoder.backbone.decode_size)):
            started = time.process_time()
            image = decode_image(data, "photo.jpg", fit=fit)
            times[name].append(time.process_time() - started)
            sizes[name] = image.size
    full, fit = statistics.median(times["full"]), statistics.median(times["fit"])
    body = "\n".join(
        [
            f"One generated 4000x3000 JPEG ({len(data) / 1e6:.1f} MB, quality 88), "
            f"{args.rounds} alternating rounds, median CPU seconds per decode; {load_line()}.",
            "",
            "| decode | size | CPU s (median) | RGB MB |",
            "|---|---|---:|---:|",
            f"| full (before) | {sizes['full'][0]}x{sizes['full'][1]} | {full:.3f} | "
            f"{sizes['full'][0] * sizes['full'][1] * 3 / 1e6:.1f} |",
            f"| at the model's size (draft 1/8 + bicubic) | {sizes['fit'][0]}x{sizes['fit'][1]} | "
            f"{fit:.3f} | "
            f"{sizes['fit'][0] * sizes['fit'][1] * 3 / 1e6:.2f} |",
            "",
            f"Ratio full / fitted: {full / fit:.1f}x CPU time, "
            f"{sizes['full'][0] * sizes['full'][1] / (sizes['fit'][0] * sizes['fit'][1]):.0f}x pixels. "
            "The embedding barely moves: `tests/core/test_image_decoding.py` checks cosine >= 0.9999 at "
            "N <= 6 (>= 0.999 unpooled) between the two decodes on both families.",
        ]
    )
    print(body)
    if not args.quick:
        from bench.report import write_section

        write_section("Decoding photos at the model's size", body, "python -m bench.image_decoding")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
