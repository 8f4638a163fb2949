"""Issue 12's last lever, measured: would a demo tokenizer that knows common words make indexing fast enough?

    pip install wordfreq jieba   # word lists, for this measurement only
    python -m bench.tokenizer_lengths --notes /tmp/real/dishes --notes /tmp/real/based/content

The language model is what limits indexing speed on real notes (docs/BENCHMARKS.md, "Indexing
throughput"), and its cost grows with a note's tokens. The shipped demo tokenizer is a byte-level BPE
trained on the synthetic world's phrases plus one token per common Chinese character, so real English
words come in pieces ("Preheat" -> P re he at). Here byte-level BPEs are trained on the same corpus
plus the most frequent English (and Chinese) words of `wordfreq`, each repeated by its frequency,
and for each collection of Markdown notes the script reports the tokens per note and the time the
demo model's language model takes to read the notes' text (text alone, pictures left out: the
pictures' tokens do not change with the tokenizer), side by side in one process. The speed-up is
the time ratio; the demo would have to be retrained on such a tokenizer for its vectors to mean
anything (its embedding rows for the new tokens are random here: time does not depend on them).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch

from mme_core import InterleavedDoc, MMEEncoder, TextSegment
from mme_data.build_demo import tokenizer_corpus
from mme_data.tiny import DEEPSEEK_SPECIALS, train_tokenizer

SEEDED = ((20000, 0, 16384), (20000, 8000, 20000), (30000, 15000, 32000))  # English, Chinese words; vocab


def weighted_words(language: str, count: int, space: bool) -> list[str]:
    """The `count` most frequent words, each repeated by its frequency (BPE learns merges by counts)."""
    import wordfreq

    lines = []
    for word in wordfreq.top_n_list(language, count):
        repeats = max(1, min(200, int(wordfreq.word_frequency(word, language) * 2e5)))
        lines += [f" {word}" if space else word] * repeats
    return lines


def seeded_tokenizer(english: int, chinese: int, vocab: int, out: Path, like):
    """A demo-shaped tokenizer whose corpus also holds the common words; saved as tokenizer.json."""
    from transformers import PreTrainedTokenizerFast

    corpus = tokenizer_corpus() + weighted_words("en", english, True)
    corpus += weighted_words("zh", chinese, False) if chinese else []
    raw = train_tokenizer(DEEPSEEK_SPECIALS, corpus, vocab)
    out.mkdir(parents=True, exist_ok=True)
    raw.save(str(out / "tokenizer.json"))
    specials = {key: value for key, value in like.special_tokens_map.items() if isinstance(value, str)}
    tokenizer = PreTrainedTokenizerFast(tokenizer_file=str(out / "tokenizer.json"), **specials)
    tokenizer.padding_side = like.padding_side
    return tokenizer


def read_notes(folder: Path) -> list[str]:
    return [p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.rglob("*.md"))]


def time_language_model(encoder: MMEEncoder, texts: list[str], rounds: int = 3) -> float:
    """Median seconds for `encode_all` of the texts as text-only documents at one N."""
    docs = [InterleavedDoc((TextSegment(text),), id=str(i)) for i, text in enumerate(texts)]
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        encoder.encode_all(docs, ns=[1])
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", action="append", required=True, help="a folder of Markdown notes")
    parser.add_argument("--model", default="demo/model")
    parser.add_argument("--work", default="/tmp/tokenizer-lengths")
    parser.add_argument("--sample", type=int, default=120, help="notes per collection timed")
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    encoder = MMEEncoder.from_pretrained(args.model, device="cpu", dtype="float32")
    backbone = encoder.backbone
    shipped = backbone.tokenizer
    tokenizers = {"shipped": shipped}
    for english, chinese, vocab in SEEDED:
        name = f"+{english // 1000}k en" + (f", {chinese // 1000}k zh" if chinese else "") + f" ({vocab:,})"
        tokenizers[name] = seeded_tokenizer(
            english, chinese, vocab, Path(args.work) / name.replace(" ", ""), shipped
        )
    largest = max(len(t) for t in tokenizers.values())
    backbone.model.resize_token_embeddings(largest)  # new rows random: speed, not meaning
    collections = {Path(folder).name: read_notes(Path(folder)) for folder in args.notes}
    print(
        "| collection | tokenizer | vocab | tokens per note (median) | tokens (all notes) | LM s (sample) |"
    )
    print("|---|---|---:|---:|---:|---:|")
    for label, notes in collections.items():
        sample = notes[: args.sample]
        for name, tokenizer in tokenizers.items():
            counts = [len(tokenizer(text)["input_ids"]) for text in notes]
            backbone.tokenizer = tokenizer
            backbone._cached_ids.cache_clear()  # the backbone keeps each text's ids: the old tokenizer's
            backbone._prefixes.clear()
            seconds = time_language_model(encoder, sample)
            row = (
                f"| {label} ({len(notes)}) | {name} | {len(tokenizer):,} | {statistics.median(counts):.0f} | "
            )
            print(row + f"{sum(counts):,} | {seconds:.2f} |", flush=True)
    backbone.tokenizer = shipped


if __name__ == "__main__":
    main()
