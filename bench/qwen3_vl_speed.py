"""Encode time per N and memory with phone photos, on a random-weight Qwen3-VL-2B-shaped model (CPU).

    python -m bench.qwen3_vl_speed                  # bf16, writes its section of docs/BENCHMARKS.md
    python -m bench.qwen3_vl_speed --quick          # a small shape, to check the script in seconds
    python -m bench.qwen3_vl_speed --memory-only --photo-docs 8 --photos 12 --vision-depth 1 --bounded-only
                                                    # the issue's 8 documents x 12 phone photos, own section

Part 1 (time): a document of 2 photos (640x480, 300 merged tokens each before pooling) and ~100
text tokens. The vision tower (+ merger + DeepStack mergers) runs once, as in `encode_all`, and the
language model once per N on the pooled grids, so the table splits time as bench/encoding_speed.py
does for DeepSeek-VL: s / doc at N = vision + LM(N).
Part 2 (memory): one batch of documents with 12-megapixel phone photos at N=3, peak resident memory
above the loaded model, with the default patch budget per vision call and with the budget lifted
(every photo of the batch in one call), after the reference pixel cap. To keep it within minutes
on a CPU the vision tower has the real width (1024-d, 16 heads, 4096 MLP) but 4 of its 24 layers:
in inference activations are freed layer by layer, so peak memory depends on width and patches per
call, not on depth (time does, ~6x more for the real depth).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from pathlib import Path

import torch
from PIL import Image, ImageDraw
from transformers import AutoImageProcessor, AutoTokenizer, Qwen3VLConfig, Qwen3VLForConditionalGeneration

from bench.encoding_speed import PeakRSS
from bench.report import write_section
from mme_core import ImageSegment, InterleavedDoc, MMEEncoder, TextSegment
from mme_core.backbones import Qwen3VLBackbone
from mme_data.tiny import build_tiny

NS = (1, 2, 3, 4, 6, 8, "full")
# Qwen3-VL-2B (and Qwen3-VL-Embedding-2B): 28-layer 2048-d LM, 24-layer 1024-d ViT, DeepStack 5/11/17.
REAL_SHAPE = {
    "text": {"hidden_size": 2048, "intermediate_size": 6144, "num_hidden_layers": 28,
             "num_attention_heads": 16, "num_key_value_heads": 8, "head_dim": 128, "vocab_size": 151936},
    "vision": {"depth": 24, "hidden_size": 1024, "intermediate_size": 4096, "num_heads": 16,
               "deepstack_visual_indexes": [5, 11, 17]},
    "mrope_section": [24, 20, 20],
}  # fmt: skip
# Part 2: the real vision width on a shallow tower (see the module docstring), a small LM.
MEMORY_SHAPE = {
    "text": {
        "hidden_size": 2048,
        "intermediate_size": 6144,
        "num_hidden_layers": 2,
        "num_attention_heads": 16,
        "num_key_value_heads": 8,
        "head_dim": 128,
        "vocab_size": 4096,
    },
    "vision": {
        "depth": 4,
        "hidden_size": 1024,
        "intermediate_size": 4096,
        "num_heads": 16,
        "deepstack_visual_indexes": [1, 2, 3],
    },
    "mrope_section": [24, 20, 20],
}
QUICK_SHAPE = {
    "text": {"hidden_size": 256, "intermediate_size": 512, "num_hidden_layers": 4, "num_attention_heads": 4,
             "num_key_value_heads": 2, "head_dim": 64, "vocab_size": 4096},
    "vision": {"depth": 4, "hidden_size": 128, "intermediate_size": 256, "num_heads": 4,
               "deepstack_visual_indexes": [1, 2]},
    "mrope_section": [16, 8, 8],
}  # fmt: skip
# What Qwen3-VL checkpoints ship; the backbone replaces it with the reference cap (1,800 tokens).
STOCK_IMAGE_SIZE = {"shortest_edge": 65536, "longest_edge": 16777216}


def build_encoder(shape: dict, workdir: Path, dtype: torch.dtype) -> MMEEncoder:
    tiny = build_tiny("qwen3_vl", workdir / "tiny")
    tokenizer = AutoTokenizer.from_pretrained(tiny)
    ids = tokenizer.convert_tokens_to_ids
    config = Qwen3VLConfig(
        text_config={
            **shape["text"],
            "max_position_embeddings": 32768,
            "rope_parameters": {
                "rope_type": "default",
                "rope_theta": 5_000_000.0,
                "mrope_section": shape["mrope_section"],
                "mrope_interleaved": True,
            },
        },  # fmt: skip
        vision_config={
            **shape["vision"],
            "out_hidden_size": shape["text"]["hidden_size"],
            "patch_size": 16,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
            "num_position_embeddings": 2304,
        },
        image_token_id=ids("<|image_pad|>"),
        video_token_id=ids("<|video_pad|>"),
        vision_start_token_id=ids("<|vision_start|>"),
        vision_end_token_id=ids("<|vision_end|>"),
        tie_word_embeddings=True,
    )
    config._attn_implementation = "sdpa"
    default = torch.get_default_dtype()
    torch.set_default_dtype(dtype)  # build in the target dtype: no fp32 copy of 2B weights on the way
    try:
        model = Qwen3VLForConditionalGeneration(config).eval()
    finally:
        torch.set_default_dtype(default)
    processor = AutoImageProcessor.from_pretrained(tiny)
    processor.size = type(processor.size)(**STOCK_IMAGE_SIZE)
    backbone = Qwen3VLBackbone(model, tokenizer, processor)
    return MMEEncoder(backbone, model_id="random weights, Qwen3-VL-2B shape")


def photo(path: Path, size: tuple[int, int], shade: int) -> str:
    image = Image.new("RGB", size, (200, 190, 170))
    draw = ImageDraw.Draw(image)
    for row in range(0, size[1], max(1, size[1] // 12)):
        draw.rectangle(
            (shade, row, size[0] // 2 + shade, row + size[1] // 24), fill=(40, 90 + shade % 100, 160)
        )
    image.save(path, quality=85)
    return str(path)


def make_docs(workdir: Path, count: int, images: int, size: tuple[int, int]) -> list[InterleavedDoc]:
    sentence = "Loosen the slip nut under the sink, then pull the trap towards you and empty it. "
    docs = []
    for index in range(count):
        segments = []
        for step in range(images):
            path = photo(workdir / f"d{index}_s{step}_{size[0]}.jpg", size, 7 * step + index)
            segments += [TextSegment(f"Step {step + 1}. {sentence}"), ImageSegment(path)]
        docs.append(InterleavedDoc(tuple(segments), id=f"doc{index}"))
    return docs


def time_by_n(encoder: MMEEncoder, docs: list[InterleavedDoc], rounds: int) -> str:
    paths = list(dict.fromkeys(seg.path for doc in docs for seg in doc.images))
    images = [ImageSegment(path).load() for path in paths]
    vision, lm = [], {n: [] for n in NS}
    with torch.inference_mode():
        encoder.embed_batch([InterleavedDoc((TextSegment("warm up"),))], 1, {})  # allocator, kernels
        for _ in range(rounds):
            start = time.perf_counter()
            grids = dict(zip(paths, encoder.visual_grids(images), strict=True))
            vision.append(time.perf_counter() - start)
            for n in NS:
                gc.collect()
                start = time.perf_counter()
                encoder.embed_batch(docs, n, grids)
                lm[n].append(time.perf_counter() - start)
    seconds_vision = statistics.median(vision) / len(docs)
    seconds_lm = {n: statistics.median(values) / len(docs) for n, values in lm.items()}
    tokens = {n: statistics.mean(encoder.count_tokens(doc, n) for doc in docs) for n in NS}
    full = seconds_vision + seconds_lm["full"]
    lines = [
        "| N | LM tokens / doc | s / doc | vision s / doc | LM s / doc | vision share | speed-up vs full "
        "| LM speed-up vs full |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n in NS:
        total = seconds_vision + seconds_lm[n]
        lines.append(
            f"| {n} | {tokens[n]:.0f} | {total:.1f} | {seconds_vision:.1f} | {seconds_lm[n]:.1f} "
            f"| {seconds_vision / total:.0%} | {full / total:.2f}× "
            f"| {seconds_lm['full'] / seconds_lm[n]:.2f}× |"
        )
    return "\n".join(lines)


def memory_with_photos(encoder: MMEEncoder, docs: list[InterleavedDoc], lifted: bool = True) -> str:
    backbone = encoder.backbone
    tokens = backbone.grid_shape((4032, 3024))
    calls: list[int] = []
    inner = backbone.model.model
    original = inner.get_image_features

    def counting(pixel_values, *args, **kwargs):
        calls.append(pixel_values.shape[0])
        return original(pixel_values, *args, **kwargs)

    inner.get_image_features = counting
    rows = []
    default_budget = backbone.patch_budget
    feeds = [("default patch budget", default_budget)] + ([("budget lifted", 10**9)] if lifted else [])
    for label, budget in feeds:
        backbone.patch_budget = budget
        calls.clear()
        gc.collect()
        with PeakRSS() as memory:
            start = time.perf_counter()
            encoder.encode(docs, n=3, batch_size=len(docs))
            seconds = time.perf_counter() - start
        rows.append(
            f"| {label} ({budget if budget < 10**9 else '∞'}) | {len(calls)} | {max(calls):,} | "
            f"{memory.mib:,.0f} | {seconds:.0f} |"
        )
    backbone.patch_budget = default_budget
    inner.get_image_features = original
    photos = sum(len(doc.images) for doc in docs)
    return "\n".join(
        [
            f"{len(docs)} documents × {photos // len(docs)} photos of 4032×3024 (12 MP), N=3, one batch. "
            f"Each photo is resized to {tokens[0]}×{tokens[1]} = {tokens[0] * tokens[1]:,} merged tokens "
            f"({tokens[0] * tokens[1] * 4:,} ViT patches) by the reference cap; the stock preprocessor "
            f"limit (16.7 MP) would have let through {4032 * 3024 // 1024:,} merged tokens per photo.",
            "",
            "| vision feeding | tower calls | largest call (patches) | peak RSS +MiB | seconds |",
            "|---|---|---|---|---|",
            *rows,
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small shape, for checking the script")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--docs", type=int, default=1, help="documents per timed LM call")
    parser.add_argument("--photo-docs", type=int, default=1, help="documents in the phone-photo batch")
    parser.add_argument("--photos", type=int, default=3, help="phone photos per document (3 > one budget)")
    parser.add_argument("--dtype", default="bfloat16", choices=("bfloat16", "float32"))
    parser.add_argument("--memory-only", action="store_true", help="skip the timing part; own section")
    parser.add_argument("--vision-depth", type=int, default=4, help="layers of the memory part's tower")
    parser.add_argument(
        "--bounded-only", action="store_true", help="skip the lifted-budget run (all photos in one call)"
    )
    parser.add_argument("--no-write", action="store_true", help="print only, leave BENCHMARKS.md alone")
    args = parser.parse_args()
    torch.manual_seed(0)
    dtype = getattr(torch, args.dtype)
    memory_shape = QUICK_SHAPE if args.quick else memory_tower(args.vision_depth)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if args.memory_only:
            encoder = build_encoder(memory_shape, workdir, dtype)
            docs = make_docs(workdir, args.photo_docs, args.photos, (4032, 3024))
            memory = memory_with_photos(encoder, docs, lifted=not args.bounded_only)
            body = (
                f"Real-width vision tower with {args.vision_depth} of its 24 layers ({args.dtype}; peak "
                f"memory depends on width and patches per call, not on depth: see the script's docstring), "
                f"a 2-layer 2048-d LM, on 2 cores shared with other jobs. {memory}\n"
            )
            print(body)
            if not args.no_write and not args.quick:
                write_section("Qwen3-VL-2B shape: memory for a batch of phone photos", body)
            return
        start = time.perf_counter()
        encoder = build_encoder(QUICK_SHAPE if args.quick else REAL_SHAPE, workdir, dtype)
        init = time.perf_counter() - start
        billions = sum(p.numel() for p in encoder.backbone.model.parameters()) / 1e9
        shape = "quick test shape" if args.quick else "Qwen3-VL-2B shape"
        timing = time_by_n(encoder, make_docs(workdir, args.docs, 2, (640, 480)), args.rounds)
        print(timing, flush=True)
        del encoder
        gc.collect()
        encoder = build_encoder(memory_shape, workdir, dtype)
        memory = memory_with_photos(encoder, make_docs(workdir, args.photo_docs, args.photos, (4032, 3024)))
    body = (
        f"Random weights, {shape} ({billions:.2f} B parameters, {args.dtype}, SDPA), built in {init:.0f} s, "
        f"on 2 cores shared with other jobs (load average above 10 during the run: absolute seconds are "
        f"pessimistic, ratios are the robust part).\n\n"
        f"Time per document: {args.docs} document(s) of 2 photos (640×480 → 20×15 merged tokens each) and "
        f"~100 text tokens; vision once, the LM once per N, median of {args.rounds} round(s).\n\n"
        f"{timing}\n\nMemory (real-width, {args.vision_depth}-layer vision tower, see the script's "
        f"docstring): {memory}\n"
    )
    print(body)
    if not args.no_write and not args.quick:
        write_section("Qwen3-VL-2B shape on this CPU: encode time per N, phone-photo memory", body)


def memory_tower(depth: int) -> dict:
    """MEMORY_SHAPE with a vision tower of `depth` layers (DeepStack taps on the last ones)."""
    taps = list(range(max(0, depth - 3), depth))
    vision = MEMORY_SHAPE["vision"] | {"depth": depth, "deepstack_visual_indexes": taps}
    return MEMORY_SHAPE | {"vision": vision}


if __name__ == "__main__":
    main()
