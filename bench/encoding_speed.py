"""Encoding throughput and memory per granularity N on a random-weight DeepSeek-VL-1.3B-shaped model.

    python -m bench.encoding_speed                 # fp32 and bf16, 3 rounds, writes docs/BENCHMARKS.md
    python -m bench.encoding_speed --quick         # a small shape, to check the script in seconds

Documents have 5 images and ~100 text tokens. Each round times every N once, round-robin, so machine
noise hits all N alike; we report medians. Time is split into the vision tower (+ aligner) and the
language model by timing the backbone's two stages; the LM speed-up of N against "full" is compared
with the ratio of LM token counts, its limit once the vision tower is set aside.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import threading
import time
from pathlib import Path

import psutil
import torch
from PIL import Image, ImageDraw
from transformers import (
    AutoImageProcessor,
    AutoTokenizer,
    DeepseekVLConfig,
    DeepseekVLForConditionalGeneration,
)

from bench.report import write_section
from mme_core import ImageSegment, InterleavedDoc, MMEEncoder, TextSegment
from mme_core.backbones import DeepseekVLBackbone
from mme_data.tiny import build_tiny

NS = (1, 2, 3, 4, 6, 12, "full")
ENCODE_ALL_NS = (1, 2, 3, 4, 6)
# deepseek-vl-1.3b: DeepSeek-LLM-1.3B (LLaMA-style) + SigLIP-L/16 at 384 px (24x24 tokens).
REAL_SHAPE = {
    "text": {
        "hidden_size": 2048,
        "intermediate_size": 5504,
        "num_hidden_layers": 24,
        "num_attention_heads": 16,
        "vocab_size": 102400,
    },
    "vision": {
        "hidden_size": 1024,
        "intermediate_size": 4096,
        "num_hidden_layers": 24,
        "num_attention_heads": 16,
    },
}
QUICK_SHAPE = {
    "text": {
        "hidden_size": 256,
        "intermediate_size": 688,
        "num_hidden_layers": 4,
        "num_attention_heads": 4,
        "vocab_size": 4096,
    },
    "vision": {
        "hidden_size": 128,
        "intermediate_size": 512,
        "num_hidden_layers": 4,
        "num_attention_heads": 4,
    },
}


def build_encoder(shape: dict, workdir: Path) -> MMEEncoder:
    """Tokenizer and image processor from the offline tiny builder; weights random at the given shape."""
    tiny = build_tiny("deepseek_vl", workdir / "tiny")
    tokenizer = AutoTokenizer.from_pretrained(tiny)
    config = DeepseekVLConfig(
        text_config={
            "model_type": "llama",
            "num_key_value_heads": shape["text"]["num_attention_heads"],
            "max_position_embeddings": 16384,
            **shape["text"],
        },
        vision_config={
            "model_type": "siglip_vision_model",
            "image_size": 384,
            "patch_size": 16,
            **shape["vision"],
        },
        image_token_id=tokenizer.convert_tokens_to_ids("<image_placeholder>"),
    )
    config._attn_implementation = "sdpa"
    model = DeepseekVLForConditionalGeneration(config).eval()
    backbone = DeepseekVLBackbone(model, tokenizer, AutoImageProcessor.from_pretrained(tiny))
    return MMEEncoder(backbone, model_id="random weights, DeepSeek-VL-1.3B shape")


def make_docs(workdir: Path, count: int) -> list[InterleavedDoc]:
    sentence = "Tighten the left bolt, then check the red panel. "
    docs = []
    for index in range(count):
        segments = []
        for step in range(5):
            image = Image.new("RGB", (320, 240), (240, 240, 230))
            ImageDraw.Draw(image).rectangle((20 + 9 * step + index, 30, 200, 180), fill=(30 * step, 90, 160))
            path = workdir / f"doc{index}_step{step}.png"
            image.save(path)
            segments += [TextSegment(f"Step {step + 1}. {sentence}"), ImageSegment(str(path))]
        docs.append(InterleavedDoc(tuple(segments), id=f"doc{index}"))
    return docs


class StageTimer:
    """Accumulates wall time spent in the backbone's vision and language-model stages."""

    def __init__(self, backbone) -> None:
        self.vision = self.lm = 0.0
        vision, lm = backbone.visual_grids, backbone.hidden_states

        def timed_vision(images):
            start = time.perf_counter()
            try:
                return vision(images)
            finally:
                self.vision += time.perf_counter() - start

        def timed_lm(batch):
            start = time.perf_counter()
            try:
                return lm(batch)
            finally:
                self.lm += time.perf_counter() - start

        backbone.visual_grids, backbone.hidden_states = timed_vision, timed_lm

    def reset(self) -> None:
        self.vision = self.lm = 0.0


class PeakRSS:
    """Peak resident memory above the level at entry, sampled every 5 ms."""

    def __enter__(self):
        self.process = psutil.Process()
        self.base = self.peak = self.process.memory_info().rss
        self.running = True
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()
        return self

    def _poll(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.005)

    def __exit__(self, *exc) -> None:
        self.running = False
        self.thread.join()

    @property
    def mib(self) -> float:
        return (self.peak - self.base) / 2**20


def run(encoder: MMEEncoder, docs: list[InterleavedDoc], rounds: int) -> tuple[str, str]:
    timer = StageTimer(encoder.backbone)
    encoder.encode(docs[:1], n=1)  # warm-up (allocator, kernels)
    samples = {n: {"total": [], "vision": [], "lm": [], "mem": []} for n in NS}
    together, separate = [], []
    for _ in range(rounds):
        for n in NS:
            gc.collect()
            timer.reset()
            with PeakRSS() as memory:
                start = time.perf_counter()
                encoder.encode(docs, n=n, batch_size=len(docs))
                total = time.perf_counter() - start
            for key, value in (
                ("total", total),
                ("vision", timer.vision),
                ("lm", timer.lm),
                ("mem", memory.mib),
            ):
                samples[n][key].append(value)
        start = time.perf_counter()
        encoder.encode_all(docs, ENCODE_ALL_NS, batch_size=len(docs))
        together.append(time.perf_counter() - start)
        separate.append(sum(samples[n]["total"][-1] for n in ENCODE_ALL_NS))
    med = {n: {key: statistics.median(values) for key, values in s.items()} for n, s in samples.items()}
    tokens = {n: statistics.mean(encoder.count_tokens(doc, n) for doc in docs) for n in NS}
    full = med["full"]
    lines = [
        "| N | LM tokens / doc | docs/s | s / doc | vision s | LM s | vision share | speed-up vs full "
        "| LM speed-up | token ratio | LM speed-up ÷ token ratio | peak RSS +MiB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    per_doc = len(docs)
    for n in NS:
        m = med[n]
        token_ratio = tokens["full"] / tokens[n]
        lm_speedup = full["lm"] / m["lm"]
        lines.append(
            f"| {n} | {tokens[n]:.0f} | {per_doc / m['total']:.2f} | {m['total'] / per_doc:.2f} | "
            f"{m['vision'] / per_doc:.2f} | {m['lm'] / per_doc:.2f} | {m['vision'] / m['total']:.0%} | "
            f"{full['total'] / m['total']:.2f}× | {lm_speedup:.2f}× | {token_ratio:.2f}× | "
            f"{lm_speedup / token_ratio:.2f} | {m['mem']:.0f} |"
        )
    slowest = max(med[n]["total"] for n in ENCODE_ALL_NS)
    encode_all = (
        f"encode_all over N ∈ {{{', '.join(map(str, ENCODE_ALL_NS))}}}: "
        f"median {statistics.median(together):.2f} s "
        f"vs {statistics.median(separate):.2f} s for one encode per N "
        f"({statistics.median(separate) / statistics.median(together):.2f}× faster); "
        f"{statistics.median(together) / slowest:.2f}× the single most expensive N ({slowest:.2f} s)."
    )
    return "\n".join(lines), encode_all


def run_encode_all(encoder: MMEEncoder, docs: list[InterleavedDoc], rounds: int) -> str:
    """encode_all over ENCODE_ALL_NS vs one encode per N, interleaved in each round."""
    encoder.encode(docs[:1], n=1)  # warm-up
    together, separate, slowest = [], [], []
    for _ in range(rounds):
        start = time.perf_counter()
        encoder.encode_all(docs, ENCODE_ALL_NS, batch_size=len(docs))
        together.append(time.perf_counter() - start)
        singles = []
        for n in ENCODE_ALL_NS:
            start = time.perf_counter()
            encoder.encode(docs, n=n, batch_size=len(docs))
            singles.append(time.perf_counter() - start)
        separate.append(sum(singles))
        slowest.append(max(singles))
    t, s, m = (statistics.median(v) for v in (together, separate, slowest))
    return (
        f"encode_all over N ∈ {{{', '.join(map(str, ENCODE_ALL_NS))}}} (all N of a document in one LM "
        f"forward): median {t:.2f} s vs {s:.2f} s for one encode per N ({s / t:.2f}× faster); "
        f"{t / m:.2f}× the single most expensive N ({m:.2f} s)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small shape, for checking the script")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--docs", type=int, default=1, help="documents per timed call (one batch)")
    parser.add_argument("--dtypes", default="float32,bfloat16")
    parser.add_argument("--encode-all-only", action="store_true", help="only encode_all vs one pass per N")
    args = parser.parse_args()
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        docs = make_docs(workdir, args.docs)
        start = time.perf_counter()
        encoder = build_encoder(QUICK_SHAPE if args.quick else REAL_SHAPE, workdir)
        init = time.perf_counter() - start
        shape = "quick test shape" if args.quick else "DeepSeek-VL-1.3B shape: SigLIP-L/16-384 + 1.3B LM"
        billions = sum(p.numel() for p in encoder.backbone.model.parameters()) / 1e9
        parts = [
            f"Random weights ({shape}, {billions:.2f} B parameters, init {init:.0f} s); "
            f"{args.docs} document(s) of 5 images (320×240) + ~100 text tokens per call; "
            f"medians of {args.rounds} round-robin rounds; "
            f"torch threads = {torch.get_num_threads()}."
        ]
        for dtype in args.dtypes.split(","):
            encoder.backbone.model.to(getattr(torch, dtype))
            if args.encode_all_only:
                line = run_encode_all(encoder, docs, args.rounds)
                parts += [f"{dtype}: {line}"]
                print(parts[-1], flush=True)
                continue
            table, encode_all = run(encoder, docs, args.rounds)
            parts += [f"### {dtype}", table, encode_all]
            print(f"### {dtype}\n{table}\n{encode_all}\n", flush=True)
    title = "Encoding throughput by N" + (" (quick shape)" if args.quick else "")
    if args.encode_all_only:
        title = "encode_all vs one pass per N" + (" (quick shape)" if args.quick else "")
    write_section(title, "\n\n".join(parts))


if __name__ == "__main__":
    main()
