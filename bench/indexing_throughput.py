"""Indexing throughput and memory with the demo model, through `build_index`, on real and generated notes.

    python -m bench.indexing_throughput --real /tmp/howtocook/dishes \\
        --real-source "Anduin2017/HowToCook@<commit>"       # fetch and export it first; never committed
    python -m bench.indexing_throughput --quick             # small generated collections, nothing written

Collections (each indexed in a fresh child process, so peak RSS is that run's own):
- `real`: public Markdown collections with photos (optional, `--real DIR`, repeatable);
- `12 MP photos`: 8 notes x 12 generated 12-megapixel JPEGs (the memory case of issue 12);
- `12 MP, 1 photo/note`: 96 notes with one of those photos each (throughput);
- `1,000 notes`: small notes, for the no-op re-run (N = 1 only: a no-op run embeds nothing).
Runs per collection: first build; unchanged re-run; re-run after editing the text of 10 % of the
notes (vision calls counted: the vision cache should make them 0; notes read counted: the stat
cache should make them 0 on the unchanged re-run). `--compare PATH` also runs the first build of
each collection but the 8 x 12 photos with the code checked out at PATH (e.g. /work/main), side by
side, just before this tree's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
# Run as `python -m bench.indexing_throughput` from the checkout (or after `pip install -e .`); each
# child process imports the code its PYTHONPATH names (this tree, or --compare's).

WORDS = "sand paint fold cut water knead bake screw bolt valve pipe sink dough paper glue rinse dry".split()


def photo_jpeg(path: Path, seed: int, size=(4000, 3000)) -> None:
    """A 12 MP photo-like JPEG (~3-5 MB like a phone's): smooth light, shapes, sensor noise."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter

    rng = np.random.default_rng(seed)
    small = Image.new("RGB", (size[0] // 8, size[1] // 8), tuple(int(v) for v in rng.integers(60, 200, 3)))
    draw = ImageDraw.Draw(small)
    for _ in range(30):
        x, y = int(rng.integers(0, small.width)), int(rng.integers(0, small.height))
        side = int(rng.integers(10, small.width // 3))
        draw.ellipse([x, y, x + side, y + side * 2 // 3], fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
    large = small.filter(ImageFilter.GaussianBlur(2)).resize(size, Image.Resampling.BICUBIC)
    noise = rng.integers(-8, 9, (size[1], size[0], 3), dtype=np.int16)
    pixels = (np.asarray(large, dtype=np.int16) + noise).clip(0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(path, quality=88)


def make_photo_notes(folder: Path, photos: list[Path], notes: int, per_note: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    (folder / "img").mkdir(parents=True, exist_ok=True)
    for photo in photos:
        os.link(photo, folder / "img" / photo.name)  # inside the collection, without copying 4 MB each
    for i in range(notes):
        lines = [f"# Note {i}", ""]
        for j in range(per_note):
            photo = photos[(i * per_note + j) % len(photos)]
            words = " ".join(rng.choice(WORDS) for _ in range(20))
            lines += [f"{j + 1}. {words}", "", f"![step](img/{photo.name})", ""]
        (folder / f"note{i:04d}.md").write_text("\n".join(lines))


# The crash, load and security tests build their collections with this.
def make_collection(folder: Path, count: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    (folder / "img").mkdir(parents=True, exist_ok=True)
    for i in range(count):
        pictures = []
        for j in range(2):
            image = Image.new("RGB", (320, 240), "white")
            color = tuple(rng.randrange(256) for _ in range(3))
            box = [
                rng.randrange(20, 140),
                rng.randrange(20, 100),
                rng.randrange(180, 300),
                rng.randrange(140, 220),
            ]
            (ImageDraw.Draw(image).ellipse if j else ImageDraw.Draw(image).rectangle)(box, fill=color)
            image.save(folder / "img" / f"{i}-{j}.png")
            pictures.append(f"img/{i}-{j}.png")
        steps = [" ".join(rng.choice(WORDS) for _ in range(50)) for _ in range(2)]
        text = f"# Note {i}\n\n1. {steps[0]}\n\n![a]({pictures[0]})\n\n2. {steps[1]}\n\n![b]({pictures[1]})\n"
        (folder / f"note{i:05d}.md").write_text(text)


def make_small_notes(folder: Path, count: int, seed: int = 0) -> None:
    from PIL import Image

    rng = random.Random(seed)
    (folder / "img").mkdir(parents=True, exist_ok=True)
    for i in range(count // 10):
        Image.new("RGB", (320, 240), tuple(rng.randrange(256) for _ in range(3))).save(
            folder / "img" / f"{i}.png"
        )
    for i in range(count):
        text = " ".join(rng.choice(WORDS) for _ in range(60))
        (folder / f"note{i:05d}.md").write_text(f"# Note {i}\n\n1. {text}\n\n![a](img/{i // 10}.png)\n")


def edit_tenth(folder: Path) -> int:
    notes = sorted(folder.rglob("*.md"))
    for note in notes[::10]:
        note.write_text(note.read_text(encoding="utf-8") + "\n\nLet it rest overnight.\n", encoding="utf-8")
    return len(notes[::10])


def child(spec: dict) -> dict:
    """One collection in this process: first build, then (unless `first_only`) no-op and 10 % edit."""
    import resource

    import torch

    torch.set_num_threads(spec["threads"])
    from indexer.build import build_index
    from mme_core import MMEEncoder

    encoder = MMEEncoder.from_pretrained(spec["model"], device="cpu", dtype="float32")
    runs = []
    names = ["first build"] if spec["first_only"] else ["first build", "unchanged re-run", "10 % edited"]
    for name in names:
        edited = edit_tenth(Path(spec["folder"])) if name == "10 % edited" else 0
        if hasattr(encoder, "stats"):
            encoder.stats = type(encoder.stats)()
        wall, cpu = time.perf_counter(), time.process_time()
        report = build_index(spec["folder"], spec["index"], encoder, ns=spec["ns"], progress=False)
        stats = getattr(encoder, "stats", None)
        runs.append(
            {
                "run": name,
                "parts": report.parts,
                "embedded": report.embedded,
                "notes_read": getattr(report, "notes_read", None),
                "edited": edited,
                "wall": time.perf_counter() - wall,
                "cpu": time.process_time() - cpu,
                "vision_images": stats.vision_images if stats else None,
                "decoded": stats.decoded_images if stats else None,
                "max_call_pixels": stats.max_call_pixels if stats else None,
            }
        )
    return {"runs": runs, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def run_child(folder: Path, index: Path, ns, threads: int, code: Path = ROOT, first_only=False) -> dict:
    spec = {
        "folder": str(folder),
        "index": str(index),
        "ns": list(ns),
        "threads": threads,
        "first_only": first_only,
        "model": str(code / "demo" / "model"),  # each tree with its own demo model (tokenizer included)
    }
    env = dict(os.environ, PYTHONPATH=str(code), HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    script = Path(__file__).resolve()
    out = subprocess.run(
        [sys.executable, str(script), "--child", json.dumps(spec)],
        env=env,
        capture_output=True,
        text=True,
        cwd=code,
    )
    if out.returncode != 0:
        raise RuntimeError(f"child failed ({code}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(label: str, result: dict) -> list[str]:
    lines = []
    for run in result["runs"]:
        rate = run["parts"] / run["wall"] if run["wall"] else 0.0
        cpu_rate = run["parts"] / run["cpu"] if run["cpu"] else 0.0
        per_k = run["wall"] / run["parts"] * 1000 if run["parts"] else 0.0
        vision = "–" if run["vision_images"] is None else str(run["vision_images"])
        read = "–" if run.get("notes_read") is None else str(run["notes_read"])
        lines.append(
            f"| {label} | {run['run']} | {run['parts']} | {run['embedded']} | {run['wall']:.1f} | "
            f"{run['cpu']:.1f} | {rate:.1f} | {cpu_rate:.1f} | {per_k:.2f} | {read} | {vision} | "
            f"{result['peak_rss_mb']:.0f} |"
        )
    return lines


def load_line() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} (1 / 5 min) on {os.cpu_count()} cores"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument(
        "--real",
        type=Path,
        action="append",
        default=[],
        help="a Markdown collection with photos (exported, not committed); may be repeated",
    )
    parser.add_argument(
        "--real-source",
        action="append",
        default=[],
        help="where each --real came from: repository@commit (in the same order)",
    )
    parser.add_argument(
        "--compare", type=Path, help="another checkout to run the first builds with, side by side"
    )
    parser.add_argument(
        "--also-ns",
        help="also run the first builds of the real and one-photo collections storing these N "
        "(e.g. 2 or 1,2,3): what a smaller N set buys",
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="small collections, nothing written")
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return 0
    ns = (1, 2, 3, 4, 6)
    loads = [load_line()]
    rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="mme-throughput-") as tmp:
        tmp = Path(tmp)
        photos_dir = tmp / "photos"
        photos_dir.mkdir()
        count = 12 if args.quick else 96
        photos = []
        for i in range(count):
            photos.append(photos_dir / f"photo{i:03d}.jpg")
            photo_jpeg(photos[-1], seed=i)
        collections = []
        for position, real in enumerate(args.real):
            copy = tmp / f"real{position}"
            shutil.copytree(real, copy)  # the 10 % edit must not touch the export
            source = args.real_source[position] if position < len(args.real_source) else real.name
            collections.append(("real: " + source, copy, ns))
        make_photo_notes(tmp / "photos8", photos, notes=1 if args.quick else 8, per_note=12)
        collections.append(("12 MP photos, 8 notes x 12", tmp / "photos8", ns))
        make_photo_notes(tmp / "photos96", photos, notes=count, per_note=1)
        collections.append((f"12 MP photos, {count} notes x 1", tmp / "photos96", ns))
        make_small_notes(tmp / "small", 100 if args.quick else 1000)
        collections.append((f"{100 if args.quick else 1000} small notes (N = 1)", tmp / "small", (1,)))
        for label, folder, use_ns in collections:
            # Code before issue 12 peaked near 9 GB on the 8 x 12 photos: not run on a shared machine.
            if args.compare and "x 12" not in label:
                old = run_child(
                    folder, tmp / f"old-{len(rows)}", use_ns, args.threads, args.compare, first_only=True
                )
                rows += table(f"{label} (`{args.compare}`)", old)
            result = run_child(folder, tmp / f"new-{len(rows)}", use_ns, args.threads)
            rows += table(label, result)
            if args.also_ns and ("real" in label or label.endswith("x 1")):
                fewer = tuple(int(n) for n in args.also_ns.split(","))
                result = run_child(folder, tmp / f"fewer-{len(rows)}", fewer, args.threads, first_only=True)
                rows += table(f"{label} (N = {', '.join(map(str, fewer))} only)", result)
            loads.append(load_line())
            print("\n".join(rows[-3:]), flush=True)
    body = "\n".join(
        [
            f"Demo model (demo/model), float32 on CPU, torch threads {args.threads}; "
            "N = 1, 2, 3, 4, 6 unless said; "
            "each collection indexed in a fresh process (peak RSS is that process's own). "
            f"The machine was shared: {'; '.join(loads)}. Wall figures suffer that load; CPU "
            "seconds less so (docs/CPU-s).",
            "",
            "| collection | run | parts | embedded | wall s | CPU s | docs/s | docs/CPU-s | s per 1,000 | "
            "notes read | images through vision | peak RSS MB |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            *rows,
        ]
    )
    print(body)
    if not args.quick:
        from bench.report import write_section

        write_section(
            "Indexing throughput",
            body,
            "python -m bench.indexing_throughput " + " ".join(argv or sys.argv[1:]),
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
