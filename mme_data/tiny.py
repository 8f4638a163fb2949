"""Tiny random-weight checkpoints of each supported family, written fully offline.

They are real Hugging Face checkpoints (config, safetensors, tokenizer, image processor) that load
through the very same `MMEEncoder.from_pretrained` path as hub models, so tests exercise the code
users run. The DeepSeek-VL one keeps the real 384 px / patch 16 = 24x24 visual grid so that every
Matryoshka N divides it.

    python -m mme_data.tiny deepseek_vl ./tiny-dsvl
    python -m mme_data.tiny qwen2_vl ./tiny-qwen2vl
    python -m mme_data.tiny qwen3_vl ./tiny-qwen3vl   # with two DeepStack layers
    python -m mme_data.tiny qwen2_vl ./tiny-mv --meta-tokens 16,16   # with a multi-vector head
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
from transformers import (
    AutoConfig,
    DeepseekVLConfig,
    DeepseekVLForConditionalGeneration,
    DeepseekVLImageProcessorPil,
    PreTrainedTokenizerFast,
    Qwen2VLConfig,
    Qwen2VLForConditionalGeneration,
    Qwen2VLImageProcessorPil,
    Qwen3VLConfig,
    Qwen3VLForConditionalGeneration,
)

from mme_core.multivector import MetaTokenHead, parse_budgets, parse_meta_tokens

FAMILIES = ("deepseek_vl", "qwen2_vl", "qwen3_vl")

# A small built-in corpus so the tokenizer has real sub-words; callers may pass their own text.
_DEFAULT_CORPUS = """
Step 1. Remove the cover of the sink drain and clean the trap with warm water.
Step 2. Cut the red paper into three squares, then fold each square along the diagonal.
Place the blue bowl to the left of the green cup. Stir the batter until it is smooth.
Tighten the screws with a screwdriver, then check that the shelf is level.
How to repair a bicycle tyre: find the puncture, sand the area, apply glue and a patch.
Pipette 10 ml of the buffer into the tube; centrifuge for five minutes; discard the supernatant.
What should I do next after the water turns brown? Which tool fits this bolt?
""".strip()

DEEPSEEK_SPECIALS = ["<pad>", "<s>", "</s>", "<unk>", "<image_placeholder>"]
QWEN2_SPECIALS = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
]


def train_tokenizer(specials: list[str], corpus: Iterable[str] | None, vocab_size: int) -> Tokenizer:
    """A byte-level BPE trained on `corpus`: byte fallback means any text tokenizes."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.normalizer = normalizers.NFC()
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    lines = list(corpus) if corpus is not None else _DEFAULT_CORPUS.splitlines()
    tokenizer.train_from_iterator(lines, trainer=trainer)
    return tokenizer


def build_tiny_deepseek_vl(
    out_dir: str | Path,
    corpus: Iterable[str] | None = None,
    vocab_size: int = 512,
    text_hidden: int = 64,
    text_layers: int = 2,
    vision_hidden: int = 32,
    vision_layers: int = 2,
    seed: int = 0,
) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    raw = train_tokenizer(DEEPSEEK_SPECIALS, corpus, vocab_size)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=raw,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
        extra_special_tokens={"image_token": "<image_placeholder>"},
        padding_side="left",
    )
    config = DeepseekVLConfig(
        text_config={
            "model_type": "llama",
            "vocab_size": len(tokenizer),
            "hidden_size": text_hidden,
            "intermediate_size": text_hidden * 2,
            "num_hidden_layers": text_layers,
            "num_attention_heads": 4,
            "num_key_value_heads": 4,
            "max_position_embeddings": 4096,
            "bos_token_id": tokenizer.bos_token_id,
            "eos_token_id": tokenizer.eos_token_id,
            "pad_token_id": tokenizer.pad_token_id,
        },
        vision_config={
            "model_type": "siglip_vision_model",
            "hidden_size": vision_hidden,
            "intermediate_size": vision_hidden * 2,
            "num_hidden_layers": vision_layers,
            "num_attention_heads": 2,
            "image_size": 384,
            "patch_size": 16,
        },
        image_token_id=tokenizer.convert_tokens_to_ids("<image_placeholder>"),
    )
    torch.manual_seed(seed)
    model = DeepseekVLForConditionalGeneration(config).eval()
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    DeepseekVLImageProcessorPil().save_pretrained(out)
    return out


def _qwen_tokenizer(corpus: Iterable[str] | None, vocab_size: int) -> PreTrainedTokenizerFast:
    raw = train_tokenizer(QWEN2_SPECIALS, corpus, vocab_size)
    return PreTrainedTokenizerFast(
        tokenizer_object=raw,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        extra_special_tokens={"image_token": "<|image_pad|>", "video_token": "<|video_pad|>"},
        padding_side="left",
    )


def _qwen_text_config(tokenizer, hidden: int, layers: int, interleaved: bool = False, **extra) -> dict:
    """A small Qwen-family LM: 4 heads (2 KV heads), M-RoPE sections adding up to head_dim / 2
    (Qwen3-VL interleaves them over the rotary frequencies)."""
    head_dim = hidden // 4
    rope = {"mrope_interleaved": True} if interleaved else {}
    return {
        "vocab_size": len(tokenizer),
        "hidden_size": hidden,
        "intermediate_size": hidden * 2,
        "num_hidden_layers": layers,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 4096,
        "rope_parameters": {
            "rope_type": "default",
            "rope_theta": 10000.0,
            "mrope_section": [head_dim // 4, head_dim // 8, head_dim // 8],
            **rope,
        },
        "pad_token_id": tokenizer.convert_tokens_to_ids("<|endoftext|>"),
        **extra,
    }


def _qwen_special_token_ids(tokenizer) -> dict[str, int]:
    ids = tokenizer.convert_tokens_to_ids
    return {
        "image_token_id": ids("<|image_pad|>"),
        "video_token_id": ids("<|video_pad|>"),
        "vision_start_token_id": ids("<|vision_start|>"),
        "vision_end_token_id": ids("<|vision_end|>"),
    }


def build_tiny_qwen2_vl(
    out_dir: str | Path,
    corpus: Iterable[str] | None = None,
    vocab_size: int = 512,
    text_hidden: int = 64,
    text_layers: int = 2,
    vision_embed: int = 32,
    vision_layers: int = 2,
    seed: int = 0,
) -> Path:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = _qwen_tokenizer(corpus, vocab_size)
    ids = tokenizer.convert_tokens_to_ids
    config = Qwen2VLConfig(
        text_config=_qwen_text_config(
            tokenizer, text_hidden, text_layers, bos_token_id=None, eos_token_id=ids("<|im_end|>")
        ),
        vision_config={
            "depth": vision_layers,
            "embed_dim": vision_embed,
            "hidden_size": text_hidden,
            "num_heads": 2,
            "mlp_ratio": 2,
            "patch_size": 14,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
        },
        **_qwen_special_token_ids(tokenizer),
    )
    torch.manual_seed(seed)
    model = Qwen2VLForConditionalGeneration(config).eval()
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    # Small images keep the tiny model fast: 112..224 px -> 4x4..8x8 merged tokens per image.
    Qwen2VLImageProcessorPil(min_pixels=112 * 112, max_pixels=224 * 224).save_pretrained(out)
    return out


def build_tiny_qwen3_vl(
    out_dir: str | Path,
    corpus: Iterable[str] | None = None,
    vocab_size: int = 512,
    text_hidden: int = 128,
    text_layers: int = 2,
    vision_hidden: int = 32,
    vision_layers: int = 3,
    seed: int = 0,
) -> Path:
    """Qwen3-VL shape in miniature: 16 px patches, 2x2 merge, DeepStack from ViT layers 0 and 1 into
    LM layers 0 and 1, interleaved M-RoPE. Hidden 128 leaves room for a Matryoshka dim (64..128)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = _qwen_tokenizer(corpus, vocab_size)
    config = Qwen3VLConfig(
        text_config=_qwen_text_config(
            tokenizer, text_hidden, text_layers, interleaved=True, head_dim=text_hidden // 4
        ),
        vision_config={
            "depth": vision_layers,
            "hidden_size": vision_hidden,
            "intermediate_size": vision_hidden * 2,
            "num_heads": 2,
            "out_hidden_size": text_hidden,
            "patch_size": 16,
            "spatial_merge_size": 2,
            "temporal_patch_size": 2,
            "num_position_embeddings": 256,  # a 16 x 16 learned table, interpolated per image
            "deepstack_visual_indexes": [0, 1],
        },
        **_qwen_special_token_ids(tokenizer),
    )
    torch.manual_seed(seed)
    model = Qwen3VLForConditionalGeneration(config).eval()
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    # 64..256 px -> 2x2..8x8 merged tokens per image; Qwen3-VL normalises with mean = std = 0.5.
    Qwen2VLImageProcessorPil(
        patch_size=16, min_pixels=64 * 64, max_pixels=256 * 256, image_mean=[0.5] * 3, image_std=[0.5] * 3
    ).save_pretrained(out)
    return out


BUILDERS = {
    "deepseek_vl": build_tiny_deepseek_vl,
    "qwen2_vl": build_tiny_qwen2_vl,
    "qwen3_vl": build_tiny_qwen3_vl,
}


def build_tiny(
    family: str,
    out_dir: str | Path,
    meta_tokens: tuple[int, int] | str | None = None,
    budgets: tuple[int, ...] | str | None = None,
    **kwargs,
) -> Path:
    """`meta_tokens` (Q, D) adds a multi-vector head (random meta tokens, seeded like the weights)."""
    if family not in BUILDERS:
        raise ValueError(f"unknown family {family!r}; valid families are {', '.join(FAMILIES)}")
    counts = parse_meta_tokens(meta_tokens) if meta_tokens is not None else None  # check before writing
    if counts is not None and budgets is not None:
        budgets = parse_budgets(budgets, counts)
    out = BUILDERS[family](out_dir, **kwargs)
    if counts is not None:
        hidden = AutoConfig.from_pretrained(out).get_text_config().hidden_size
        # Meta tokens start at the scale of the word embeddings: N(0, 0.02), like the LM's init.
        MetaTokenHead(counts, hidden, budgets=budgets, seed=kwargs.get("seed", 0)).save(out)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a tiny random-weight checkpoint.")
    parser.add_argument("family", choices=FAMILIES)
    parser.add_argument("out_dir")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--meta-tokens", help="Q,D: add a multi-vector head of Q query / D document tokens")
    parser.add_argument("--budgets", help="nested vector budgets, e.g. 1,2,4,8,16 (default: powers of two)")
    args = parser.parse_args(argv)
    if args.budgets and not args.meta_tokens:
        parser.error("--budgets needs --meta-tokens")
    try:
        path = build_tiny(
            args.family, args.out_dir, meta_tokens=args.meta_tokens, budgets=args.budgets, seed=args.seed
        )
    except ValueError as err:
        parser.error(str(err))
    head = f" with {args.meta_tokens} meta tokens" if args.meta_tokens else ""
    print(f"wrote tiny {args.family} checkpoint{head} to {path}")


if __name__ == "__main__":
    main()
