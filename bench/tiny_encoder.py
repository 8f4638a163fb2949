"""Encoder figures on the tiny offline checkpoints: time per document and cos(N, full).

python -m bench.tiny_encoder   # prints a markdown table; numbers quoted in the issue note
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from mme_core import GRANULARITIES, ImageSegment, InterleavedDoc, MMEEncoder, TextSegment
from mme_data.tiny import build_tiny


def make_docs(root: Path, count: int = 16) -> list[InterleavedDoc]:
    rng = np.random.default_rng(0)
    docs = []
    for index in range(count):
        segments = []
        for step in range(3):
            image = Image.new("RGB", (96, 80), "white")
            colour = tuple(int(c) for c in rng.integers(0, 255, 3))
            ImageDraw.Draw(image).ellipse((10 + step * 5, 10, 70, 60), fill=colour)
            path = root / f"d{index}_{step}.png"
            image.save(path)
            segments += [
                TextSegment(f"Step {step + 1}: place the object number {index} on the shelf."),
                ImageSegment(str(path)),
            ]
        docs.append(InterleavedDoc(tuple(segments), id=f"d{index}"))
    return docs


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        docs = make_docs(root)
        print("| family | N | ms / document (median of 5, batch 8, 3 images + 60 text tokens) |")
        print("|---|---|---|")
        encoders = {}
        for family in ("deepseek_vl", "qwen2_vl"):
            enc = MMEEncoder.from_pretrained(
                str(build_tiny(family, root / family)), device="cpu", dtype="float32"
            )
            encoders[family] = enc
            for n in (3, "full"):
                enc.encode(docs[:2], n=n)  # warm-up
                runs = []
                for _ in range(5):
                    start = time.perf_counter()
                    enc.encode(docs, n=n, batch_size=8)
                    runs.append((time.perf_counter() - start) / len(docs) * 1000)
                print(f"| {family} | {n} | {statistics.median(runs):.1f} |")
        vectors = encoders["deepseek_vl"].encode_all(docs, GRANULARITIES)
        print("\n| N | tokens/image | mean cos(e_N, e_full), tiny DeepSeek-VL |")
        print("|---|---|---|")
        for n in GRANULARITIES:
            cos = float(np.mean(np.sum(vectors[n] * vectors["full"], axis=1)))
            print(f"| {n} | {encoders['deepseek_vl'].tokens_per_image(n)} | {cos:.4f} |")


if __name__ == "__main__":
    main()
