"""Named prompts (as sentence-transformers has them) and what the encoder fingerprint covers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mme_core import ImageSegment, InterleavedDoc, MMEEncoder, TextSegment


@pytest.fixture
def doc(image_factory):
    return InterleavedDoc((TextSegment("Tighten the screws."), ImageSegment(image_factory("red"))))


def _load(path, **kwargs) -> MMEEncoder:
    return MMEEncoder.from_pretrained(str(path), device="cpu", dtype="float32", **kwargs)


def test_every_family_declares_a_document_and_a_query_prompt(tiny_dsvl, tiny_qwen2vl):
    for encoder in (tiny_dsvl, tiny_qwen2vl):
        assert {"document", "query"} <= set(encoder.prompts)


def test_query_prompt_changes_the_vector_where_the_family_has_an_instruction(tiny_qwen2vl, tiny_dsvl, doc):
    qwen_doc, qwen_query = (tiny_qwen2vl.encode([doc], n=2, prompt_name=p)[0] for p in ("document", "query"))
    assert qwen_doc @ qwen_query < 1 - 1e-4
    assert np.array_equal(tiny_qwen2vl.encode([doc], n=2)[0], qwen_doc)  # "document" is the default
    # The paper's DeepSeek-VL MME has no instruction: both prompts are the same sequence.
    assert np.array_equal(*(tiny_dsvl.encode([doc], n=2, prompt_name=p) for p in ("document", "query")))


def test_prompt_reaches_the_token_count(tiny_qwen2vl, doc):
    backbone = tiny_qwen2vl.backbone
    extra = len(backbone.prefix("query")) - len(backbone.prefix("document"))
    assert extra != 0
    assert tiny_qwen2vl.count_tokens(doc, 2, prompt_name="query") == tiny_qwen2vl.count_tokens(doc, 2) + extra


def test_unknown_prompt_name_lists_the_valid_ones(tiny_qwen2vl, doc):
    for call in (
        lambda: tiny_qwen2vl.encode([doc], n=2, prompt_name="question"),
        lambda: tiny_qwen2vl.encode_all([doc], [1, 2], prompt_name="question"),
        lambda: tiny_qwen2vl.count_tokens(doc, 2, prompt_name="question"),
    ):
        with pytest.raises(ValueError, match="unknown prompt_name 'question'.*'document', 'query'"):
            call()


def test_a_changed_query_instruction_keeps_the_fingerprint(tiny_qwen2vl_dir, tiny_qwen2vl, doc):
    custom = _load(tiny_qwen2vl_dir, prompts={"query": "Find a bicycle repair guide."})
    assert custom.fingerprint == tiny_qwen2vl.fingerprint
    assert np.array_equal(custom.encode([doc], n=2), tiny_qwen2vl.encode([doc], n=2))
    changed = (
        custom.encode([doc], n=2, prompt_name="query")[0]
        @ tiny_qwen2vl.encode([doc], n=2, prompt_name="query")[0]
    )
    assert changed < 1 - 1e-4


def test_a_changed_document_instruction_changes_the_fingerprint(tiny_qwen2vl_dir, tiny_qwen2vl, doc):
    custom = _load(tiny_qwen2vl_dir, prompts={"document": "Represent this how-to step."})
    assert custom.fingerprint != tiny_qwen2vl.fingerprint
    assert not np.allclose(custom.encode([doc], n=2), tiny_qwen2vl.encode([doc], n=2), atol=1e-4)


def test_image_processor_settings_are_in_the_fingerprint(tiny_qwen2vl_dir, tiny_qwen2vl, tmp_path):
    changed = tmp_path / "changed"
    changed.mkdir()
    for item in tiny_qwen2vl_dir.iterdir():
        (changed / item.name).symlink_to(item)
    config_path = changed / "preprocessor_config.json"
    settings = json.loads((tiny_qwen2vl_dir / "preprocessor_config.json").read_text())
    settings["size"]["longest_edge"] = 168 * 168  # fewer pixels -> fewer visual tokens per image
    config_path.unlink()
    config_path.write_text(json.dumps(settings))
    assert _load(changed).fingerprint != tiny_qwen2vl.fingerprint


def test_tokenizer_vocabulary_is_in_the_fingerprint(tiny_qwen2vl_dir, tiny_qwen2vl, tmp_path):
    from transformers import AutoTokenizer

    changed = tmp_path / "changed"
    changed.mkdir()
    for item in tiny_qwen2vl_dir.iterdir():
        if not item.name.startswith(("tokenizer", "special_tokens")):
            (changed / item.name).symlink_to(item)
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_qwen2vl_dir))
    tokenizer.add_tokens(["<|extra_word|>"])
    tokenizer.save_pretrained(changed)
    assert _load(changed).fingerprint != tiny_qwen2vl.fingerprint
