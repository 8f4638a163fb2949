from __future__ import annotations

import json

import pytest

from mme_core.encoder import MMEEncoder
from mme_data.build_demo import DemoRecipe, build_demo

MICRO = DemoRecipe(
    train_triples=24, test_docs=18, test_queries=6, collection_docs=12, collection_queries=3,
    text_hidden=64, vision_hidden=32, vision_layers=1, batch_size=4, max_steps=2, warmup_steps=0, ns=(1, 2),
    vision_steps=2, num_negatives=1, title_negatives=0,
)  # fmt: skip


@pytest.mark.slow
def test_build_demo_end_to_end_writes_model_collection_and_report(tmp_path):
    report = build_demo(tmp_path / "demo", MICRO, work=tmp_path / "work", progress=False)
    model, collection = tmp_path / "demo" / "model", tmp_path / "demo" / "collection"
    saved = json.loads((model / "training_report.json").read_text())
    assert saved["trained"].keys() == saved["untrained"].keys() == {"1", "2"}
    assert set(saved["trained"]["2"]) >= {"MRR@10", "R@5"}
    assert saved["model_bytes"] < 20_000_000 and report["train_config"]["strategy"] == "mean"
    assert len((collection / "docs.jsonl").read_text().splitlines()) == 12
    encoder = MMEEncoder.from_pretrained(str(model), device="cpu", dtype="float32")
    assert encoder.family == "deepseek_vl" and encoder.backbone.grid_shape((64, 64)) == (24, 24)
    assert not list((tmp_path / "demo").glob(".demo-partial-*"))


def test_pilot_flag_parses_and_bad_overrides_fail(capsys):
    from mme_data.build_demo import main

    assert main(["--pilot", "--max-steps", "-3", "--out", "/nonexistent/never"]) == 2
    assert "max_steps must be an int >= 1" in capsys.readouterr().err
    assert main(["--pilot", "--group-batches", "-1", "--out", "/nonexistent/never"]) == 2
    assert "group_batches must be an int >= 0" in capsys.readouterr().err


def test_text_width_and_depth_flags_reach_the_built_model(tmp_path, monkeypatch, capsys):
    import mme_data.build_demo as build

    built = {}

    def prepare_only(out, recipe, work=None, write=True):  # the real data + model step, no training
        built["recipe"], (_, built["init"]) = recipe, build.prepare(tmp_path / "work", recipe)
        return {"untrained": {}, "trained": {}, "training_seconds": 0, "total_seconds": 0}

    monkeypatch.setattr(build, "build_demo", prepare_only)
    small = ["--train-triples", "24", "--test-docs", "18", "--test-queries", "6", "--vision-steps", "0"]
    assert build.main(["--pilot", *small, "--text-hidden", "96", "--text-layers", "3", "--out", "x"]) == 0
    text = json.loads((built["init"] / "config.json").read_text())["text_config"]
    assert (text["hidden_size"], text["num_hidden_layers"], text["num_attention_heads"]) == (96, 3, 4)
    assert (built["recipe"].text_hidden, built["recipe"].text_layers) == (96, 3)
    assert build.main(["--pilot", "--text-hidden", "100", "--out", "/nonexistent/never"]) == 2
    assert "text_hidden must be a multiple of 8" in capsys.readouterr().err
    assert build.main(["--pilot", "--text-layers", "0", "--out", "/nonexistent/never"]) == 2
    assert "text_layers must be an int >= 1" in capsys.readouterr().err


def test_group_batches_reaches_the_training_config(tmp_path):
    from dataclasses import replace

    from mme_data.build_demo import train_config

    config = train_config(
        tmp_path / "init", tmp_path / "bench", tmp_path / "run", replace(MICRO, group_batches=4)
    )
    assert config.group_batches == 4 and train_config(tmp_path, tmp_path, tmp_path, MICRO).group_batches == 0


def test_title_negatives_share_the_title_and_no_picture_with_the_answer(tmp_path):
    from mme_data.build_demo import add_title_negatives
    from mme_data.synthetic import SyntheticConfig, generate

    generate(tmp_path / "bench", SyntheticConfig(docs=6, queries=1, train=120, dev=0, seed=3))
    path = tmp_path / "bench" / "train.jsonl"
    before = [json.loads(line) for line in path.read_text().splitlines()]
    add_title_negatives(path, 1, seed=3)
    after = [json.loads(line) for line in path.read_text().splitlines()]
    assert [row["neg"][:3] for row in after] == [row["neg"] for row in before]  # the cluster's kept first
    added = [(row["pos"]["data"], row["neg"][3]["data"]) for row in after if len(row["neg"]) == 4]
    assert added
    for positive, negative in added:
        assert negative[0] == positive[0] and not set(negative[2::2]) & set(positive[2::2])
    for row in after:  # none added: no other cluster of the split has that title
        if len(row["neg"]) == 3:
            positive = row["pos"]["data"]
            assert all(
                other["pos"]["data"][0] != positive[0]
                or set(other["pos"]["data"][2::2]) & set(positive[2::2])
                for other in after
            )


def test_common_chinese_characters_are_the_gb2312_level_one_set_and_punctuation():
    from mme_data.cjk_vocabulary import common_cjk_characters

    chars = common_cjk_characters()
    hanzi = [c for c in chars if "\u4e00" <= c <= "\u9fff"]
    assert len(hanzi) == 3755  # GB2312 level 1, by definition
    assert {"鸡", "蛋", "锅", "盐", "，", "。", "："} <= set(chars)
    assert len(set(chars)) == len(chars) and not any(c.isascii() or c.isspace() for c in chars)


def test_demo_tokenizer_reads_chinese_one_character_per_token_and_english_unchanged():
    from mme_data.build_demo import tokenizer_corpus
    from mme_data.synthetic import corpus_lines
    from mme_data.tiny import DEEPSEEK_SPECIALS, train_tokenizer

    with_hanzi = train_tokenizer(DEEPSEEK_SPECIALS, tokenizer_corpus(), 8192)
    english_only = train_tokenizer(DEEPSEEK_SPECIALS, corpus_lines(), 8192)
    note = "把鸡蛋打入碗中，加盐搅拌均匀。"
    assert len(with_hanzi.encode(note).ids) == len(note)
    assert len(english_only.encode(note).ids) >= 2 * len(note)  # bytes: what the old demo did
    step = "Step 3. Trim the dead roots."
    assert with_hanzi.encode(step).tokens == english_only.encode(step).tokens
    assert with_hanzi.decode(with_hanzi.encode(note).ids) == note


def test_demo_tokenizer_learns_common_chinese_and_english_words_whole_each_in_its_own_budget():
    from mme_data.build_demo import tokenizer_corpus
    from mme_data.synthetic import corpus_lines
    from mme_data.tiny import DEEPSEEK_SPECIALS, train_tokenizer

    recipe = DemoRecipe()
    words = train_tokenizer(
        DEEPSEEK_SPECIALS, tokenizer_corpus(recipe.chinese_words, recipe.english_words), recipe.vocab_size
    )
    characters = train_tokenizer(DEEPSEEK_SPECIALS, tokenizer_corpus(), 8192)
    # BPE ran out of pairs below the cap: no word list lost merges to the other
    assert words.get_vocab_size() < recipe.vocab_size
    assert [words.decode([i]) for i in words.encode("鸡蛋去壳").ids] == ["鸡蛋", "去", "壳"]
    note = "把鸡蛋打入碗中，加盐搅拌均匀。"
    assert len(words.encode(note).ids) <= 0.8 * len(characters.encode(note).ids)
    assert words.decode(words.encode(note).ids) == note
    english = " Put the water in a large bowl and cook for 20 minutes."
    assert len(words.encode(english).ids) == 13  # one token a word, number and full stop
    assert len(characters.encode(english).ids) > 13
    # the synthetic world the model trains on reads exactly as before
    for line in corpus_lines()[:200]:
        assert words.encode(line).tokens == characters.encode(line).tokens, line


def test_chinese_words_are_the_commonest_two_to_four_character_words_of_jieba():
    from mme_data.word_vocabulary import chinese_words

    top = chinese_words(50)
    assert len(top) == 50 and [count for _, count in top] == sorted((c for _, c in top), reverse=True)
    assert all(2 <= len(word) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in word) for word, _ in top)
    assert {"我们", "一个"} <= {word for word, _ in top}


def test_build_stops_at_once_with_the_packages_to_install_when_the_word_lists_are_missing(
    tmp_path, monkeypatch, capsys
):
    import importlib.util

    from mme_data.build_demo import main

    real = importlib.util.find_spec
    missing = {"jieba"}
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name in missing else real(name, *a)
    )
    assert main(["--out", str(tmp_path / "demo"), "--work", str(tmp_path / "work")]) == 2
    err = capsys.readouterr().err
    assert "word lists need jieba, not installed: pip install -r requirements-dev.txt" in err
    assert not (tmp_path / "work" / "bench").exists()  # nothing generated first
