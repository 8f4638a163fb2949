"""Issue 12's last lever, measured: does a demo tokenizer that knows common words make indexing faster?

    python -m bench.tokenizer_lengths --notes /tmp/real/dishes --notes /tmp/real/based/content

The language model is what limits indexing speed on real notes (docs/BENCHMARKS.md, "Indexing
throughput"), and its cost grows with a note's tokens. For each collection of Markdown notes this
reports the tokens per note and the time the demo model's language model takes to read the notes'
text (pictures left out: their tokens do not change with the tokenizer), side by side in one process,
for the shipped tokenizer (--model) and the one `python -m mme_data.build_demo` builds now (its
corpus with jieba's Chinese and wordfreq's English words, `mme_data.word_vocabulary`, each language
its own budget: the recipe's defaults, or --chinese-words / --english-words). The share of tokens
that are one Han character says how much of a Chinese note is still read a character at a time.
Rows of the embedding for tokens the shipped model lacks are random here: time does not depend on them.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from pathlib import Path

import torch

from mme_core import InterleavedDoc, MMEEncoder, TextSegment
from mme_data.build_demo import tokenizer_corpus
from mme_data.demo_recipe import DemoRecipe
from mme_data.tiny import DEEPSEEK_SPECIALS, train_tokenizer

HAN = re.compile(r"[\u4e00-\u9fff]")


def recipe_tokenizer(chinese: int, english: int, vocab: int, out: Path, like):
    """The tokenizer the demo build trains, for these word budgets; saved as tokenizer.json."""
    from transformers import PreTrainedTokenizerFast

    raw = train_tokenizer(DEEPSEEK_SPECIALS, tokenizer_corpus(chinese, english), vocab)
    out.mkdir(parents=True, exist_ok=True)
    raw.save(str(out / "tokenizer.json"))
    specials = {key: value for key, value in like.special_tokens_map.items() if isinstance(value, str)}
    tokenizer = PreTrainedTokenizerFast(tokenizer_file=str(out / "tokenizer.json"), **specials)
    tokenizer.padding_side = like.padding_side
    return tokenizer


def single_han_share(tokenizer, notes: list[str]) -> float:
    """Fraction of all tokens that are exactly one Han character."""
    single = total = 0
    for text in notes:
        offsets = tokenizer(text, return_offsets_mapping=True)["offset_mapping"]
        total += len(offsets)
        single += sum(1 for a, b in offsets if b - a == 1 and HAN.fullmatch(text[a:b]))
    return single / max(total, 1)


def read_notes(folder: Path) -> list[str]:
    return [p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.rglob("*.md"))]


def time_language_model(encoder: MMEEncoder, texts: list[str], rounds: int = 3) -> tuple[float, float]:
    """Median (wall, CPU) seconds for `encode_all` of the texts as text-only documents at one N.

    CPU seconds (this process, all threads) suffer less than wall time when others share the cores.
    """
    docs = [InterleavedDoc((TextSegment(text),), id=str(i)) for i, text in enumerate(texts)]
    walls, cpus = [], []
    for _ in range(rounds):
        started, cpu = time.perf_counter(), time.process_time()
        encoder.encode_all(docs, ns=[1])
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", action="append", required=True, help="a folder of Markdown notes")
    parser.add_argument("--model", default="demo/model", help="the model whose tokenizer is the baseline")
    parser.add_argument("--work", default="/tmp/tokenizer-lengths")
    parser.add_argument("--sample", type=int, default=120, help="notes per collection timed")
    parser.add_argument("--chinese-words", type=int, default=DemoRecipe.chinese_words)
    parser.add_argument("--english-words", type=int, default=DemoRecipe.english_words)
    parser.add_argument("--rounds", type=int, default=3, help="timed passes per row (median)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads (1: CPU s robust to load)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    encoder = MMEEncoder.from_pretrained(args.model, device="cpu", dtype="float32")
    backbone = encoder.backbone
    shipped = backbone.tokenizer
    name = f"+{args.chinese_words:,} zh, {args.english_words:,} en words"
    new = recipe_tokenizer(
        args.chinese_words, args.english_words, DemoRecipe.vocab_size, Path(args.work), shipped
    )
    tokenizers = {"baseline": shipped, name: new}
    largest = max(len(t) for t in tokenizers.values())
    if largest > backbone.model.get_input_embeddings().num_embeddings:
        backbone.model.resize_token_embeddings(largest)  # new rows random: speed, not meaning
    collections = {Path(folder).name: read_notes(Path(folder)) for folder in args.notes}
    print("| collection | tokenizer | vocab | tokens per note (median) | tokens (all notes) | "
          "one-Han-character tokens | LM wall s | LM CPU s |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for label, notes in collections.items():
        sample = notes[: args.sample]
        for name, tokenizer in tokenizers.items():
            counts = [len(tokenizer(text)["input_ids"]) for text in notes]
            backbone.tokenizer = tokenizer
            backbone._cached_ids.cache_clear()  # the backbone keeps each text's ids: the old tokenizer's
            backbone._prefixes.clear()
            wall, cpu = time_language_model(encoder, sample, args.rounds)
            median = statistics.median(counts)
            row = f"| {label} ({len(notes)}) | {name} | {len(tokenizer):,} | {median:.0f} | "
            share = single_han_share(tokenizer, notes)
            print(row + f"{sum(counts):,} | {share:.0%} | {wall:.2f} | {cpu:.2f} |", flush=True)
    backbone.tokenizer = shipped


if __name__ == "__main__":
    main()
