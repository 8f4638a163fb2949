"""Keyword, semantic and hybrid search: CJK mid-sentence, exact sync with edits, RRF by hand."""

from __future__ import annotations

import json
import shutil

import pytest
from index_helpers import NOTES, write_note

from indexer import Searcher, build_index, rebuild_index
from indexer.search import HYBRID_DEPTH
from mme_core import MMEEncoder
from mme_core.documents import ImageSegment, InterleavedDoc, TextSegment

FAST = {"progress": False, "write_batch": 3}
RECIPES = {
    "hongshao.md": "# 红烧肉\n\n五花肉切块，冷水下锅焯水，再用冰糖炒出糖色。\n",
    "tomato-egg.md": "# 番茄炒蛋\n\n鸡蛋打散，番茄切块，先炒蛋再炒番茄。\n",
    "tamago.md": "# 卵焼き\n\n卵を溶いて、砂糖と醤油を加えて焼きます。\n",
}


def text_query(text: str) -> InterleavedDoc:
    return InterleavedDoc((TextSegment(text),))


@pytest.fixture
def indexed(tiny_dsvl, notes, tmp_path):
    for name, text in RECIPES.items():
        (notes / name).write_text(text, encoding="utf-8")
    uri = tmp_path / "idx"
    build_index(notes, uri, tiny_dsvl, **FAST)
    return uri


def test_keyword_finds_words_of_scripts_with_vowel_signs_and_decomposed_accents(tiny_dsvl, notes, tmp_path):
    """Thai and Hindi words keep their vowel signs (combining marks), a macOS-typed decomposed `é`
    its accent: the query is not shredded at them, and notes and queries are compared in NFC."""
    (notes / "tomyum.md").write_text("# ต้มยำกุ้ง\n\nวิธีทำต้มยำกุ้ง ใส่ตะไคร้และใบมะกรูด\n", "utf-8")
    (notes / "dal.md").write_text("# दाल मखनी\n\nउड़द की दाल रात भर भिगोएं।\n", "utf-8")
    (notes / "creme.md").write_text("# Cre\u0300me brule\u0301e\n\nCaramelise the sugar.\n", "utf-8")
    build_index(notes, tmp_path / "idx", tiny_dsvl, **FAST)
    searcher = Searcher.open(tmp_path / "idx", tiny_dsvl)
    for words, expected in (("ใบมะกรูด", "tomyum"), ("भिगोएं", "dal"), ("brûlée", "creme")):
        hits = searcher.search(text_query(words), k=1, mode="keyword")
        assert [h.id for h in hits] == [f"notes/{expected}.md"] and hits[0].terms == (words,), words


def test_keyword_finds_cjk_words_mid_sentence(tiny_dsvl, indexed):
    searcher = Searcher.open(indexed, tiny_dsvl)
    for words, expected in (
        ("焯水", "hongshao"),
        ("冰糖", "hongshao"),
        ("打散", "tomato-egg"),
        ("砂糖", "tamago"),
    ):
        hits = searcher.search(text_query(words), k=3, mode="keyword")
        assert hits[0].id == f"notes/{expected}.md" and hits[0].mode == "keyword", words
        assert words in hits[0].terms
    # one-character words (egg, in Chinese and Japanese) were no n-gram of the index: "no results"
    assert searcher.search(text_query("蛋"), k=1, mode="keyword")[0].id == "notes/tomato-egg.md"
    assert searcher.search(text_query("卵"), k=1, mode="keyword")[0].id == "notes/tamago.md"
    assert searcher.search(text_query("Unscrew the trap"), k=1, mode="keyword")[0].id == "notes/fix-sink.md"
    assert searcher.search(text_query("notes/img/fix-sink.png"), k=5, mode="keyword")[0].id != "x"  # no crash
    assert searcher.search(text_query('"quoted" +plus -minus (paren'), k=5, mode="keyword") is not None


def test_an_earlier_releases_full_text_index_is_built_again_by_the_next_add(tiny_dsvl, indexed, notes):
    from indexer.keyword import KeywordConfig, ensure_keyword_index, keyword_index_outdated
    from indexer.store import Index

    table = Index.open(indexed).table
    ensure_keyword_index(table, KeywordConfig(ngram_min=2), replace=True)  # as releases before 1-3
    assert keyword_index_outdated(table)
    assert Searcher.open(indexed, tiny_dsvl).search(text_query("蛋"), k=1, mode="keyword") == []
    report = build_index(notes, indexed, tiny_dsvl, **FAST)  # nothing changed in the notes
    assert report.embedded == 0 and not keyword_index_outdated(Index.open(indexed).table)
    assert Searcher.open(indexed, tiny_dsvl).search(text_query("蛋"), k=1, mode="keyword")[0].id == (
        "notes/tomato-egg.md"
    )


def test_keyword_finds_a_note_by_its_aliases(tiny_dsvl, notes, tmp_path):
    """Aliases are the other names a person gave a note (Obsidian `aliases:`, Logseq `alias::`)."""
    (notes / "pork.md").write_text("---\naliases: [Dongpo pork]\n---\n# 红烧肉\n\n五花肉切块。\n", "utf-8")
    (notes / "sourdough.md").write_text("alias:: Levain loaf\n\n- Feed the starter\n", "utf-8")
    build_index(notes, tmp_path / "idx", tiny_dsvl, ns=(1,), **FAST)  # keyword search needs no N=3
    searcher = Searcher.open(tmp_path / "idx", tiny_dsvl)
    assert searcher.search(text_query("Dongpo pork"), k=1, mode="keyword")[0].id == "notes/pork.md"
    assert searcher.search(text_query("Levain loaf"), k=1, mode="keyword")[0].id == "notes/sourdough.md"


def test_keyword_hits_follow_every_edit_remove_and_rebuild(tiny_dsvl, tiny_qwen2vl, indexed, notes):
    def keyword_ids(words: str) -> list[str]:
        return [
            h.id
            for h in Searcher.open(indexed, None, warm=False).search(text_query(words), k=10, mode="keyword")
        ]

    assert "notes/hongshao.md" in keyword_ids("焯水")
    (notes / "hongshao.md").write_text("# 红烧肉\n\n只用高压锅。\n", encoding="utf-8")
    (notes / "tamago.md").unlink()
    build_index(notes, indexed, tiny_dsvl, **FAST)
    assert "notes/hongshao.md" not in keyword_ids("焯水") and "notes/hongshao.md" in keyword_ids("高压锅")
    assert keyword_ids("砂糖") == []  # a removed note is never a keyword hit
    rebuild_index(indexed, tiny_qwen2vl, progress=False)
    assert keyword_ids("高压锅")[0] == "notes/hongshao.md" and keyword_ids("砂糖") == []


def test_hybrid_is_reciprocal_rank_fusion_of_the_two_rankings(tiny_dsvl, indexed):
    searcher = Searcher.open(indexed, tiny_dsvl)
    query = text_query("cut the tomato and the eggs 番茄")
    depth = HYBRID_DEPTH
    semantic = [h.id for h in searcher.search(query, n=3, k=depth, mode="semantic")]
    keyword = [h.id for h in searcher.search(query, n=3, k=depth, mode="keyword")]
    fused: dict[str, float] = {}
    for ranking in (semantic, keyword):
        for rank, doc_id in enumerate(ranking, start=1):
            fused[doc_id] = fused.get(doc_id, 0.0) + 1 / (60 + rank)
    hybrid = searcher.search(query, n=3, k=5, mode="hybrid")
    assert [h.mode for h in hybrid] == ["hybrid"] * 5
    for hit in hybrid:
        assert hit.score == pytest.approx(fused[hit.id], rel=1e-6)
    expected = sorted(fused.values(), reverse=True)[:5]
    assert [h.score for h in hybrid] == pytest.approx(expected, rel=1e-6)


def test_picture_only_queries_run_semantic_and_filters_apply_to_every_mode(tiny_dsvl, indexed, notes):
    searcher = Searcher.open(indexed, tiny_dsvl)
    picture = InterleavedDoc((ImageSegment(str(notes / "img" / "bake-bread.png")),))
    for mode in ("keyword", "hybrid", "semantic"):
        hits = searcher.search(picture, k=2, mode=mode)
        # the note showing this very picture first, then the semantic ranking, whatever the mode
        assert [(h.id, h.mode) for h in hits][0] == ("notes/bake-bread.md", "picture")
        assert hits[1].mode == "semantic" and hits[1].id != "notes/bake-bread.md"
        only = searcher.search(text_query("番茄 bread"), k=10, mode=mode, folders=("nothing-here",))
        assert only == []
    with pytest.raises(
        ValueError, match="unknown search mode 'fuzzy'; valid modes are keyword, semantic, hybrid"
    ):
        searcher.search(text_query("x"), mode="fuzzy")


def test_default_mode_is_keyword_only_for_a_synthetic_world_model_on_a_persons_notes(
    tiny_dsvl_dir, notes, tmp_path
):
    demo_like = tmp_path / "demo-like-model"
    shutil.copytree(tiny_dsvl_dir, demo_like)
    (demo_like / "training_report.json").write_text(json.dumps({"recipe": {"seed": 0}}))
    encoder = MMEEncoder.from_pretrained(str(demo_like), device="cpu", dtype="float32")
    uri = tmp_path / "idx"
    demo_docs = [InterleavedDoc((TextSegment(f"synthetic {i}"),), id=f"d{i}") for i in range(2)]
    build_index(demo_docs, uri, encoder, name="demo", demo=True, **FAST)
    assert Searcher.open(uri, encoder).default_mode == "hybrid"  # the model's own world
    build_index(notes, uri, encoder, **FAST)
    searcher = Searcher.open(uri, encoder)
    assert searcher.default_mode == "keyword"
    assert searcher.search(text_query(NOTES["fix-sink"][2]), k=1)[0].mode == "keyword"
    general = MMEEncoder.from_pretrained(str(tiny_dsvl_dir), device="cpu", dtype="float32")
    other = tmp_path / "general"
    write_note(other, "a", "red", "circle", "Paint.")
    build_index(other, tmp_path / "i2", general, **FAST)
    assert Searcher.open(tmp_path / "i2", general).default_mode == "hybrid"  # a general embedder


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_a_long_note_is_one_result_shown_by_its_best_part(tiny_dsvl, tmp_path, mode):
    """A note split into parts listed itself part after part (obsidianmd/obsidian-help: the top 2 for
    `同期` were parts 0 and 1 of one note); each note is one hit, its best part, ranks 1..k."""
    folder = tmp_path / "sync"
    folder.mkdir()
    steps = "\n\n".join(f"## 同期 {i}\n\n" + "リモート保管庫を同期する手順です。" * 20 for i in range(12))
    (folder / "long.md").write_text(f"# 同期の設定\n\n{steps}\n", encoding="utf-8")
    for i in range(5):
        (folder / f"short{i}.md").write_text(f"# メモ {i}\n\n同期について一言。\n", encoding="utf-8")
    build_index(folder, tmp_path / "idx", tiny_dsvl, budget=300, **FAST)
    searcher = Searcher.open(tmp_path / "idx", tiny_dsvl)
    assert searcher.index.table.count_rows("id = 'sync/long.md'") > 3  # really split
    hits = searcher.search(text_query("同期 手順"), k=4, mode=mode)
    assert len({h.id for h in hits}) == len(hits) == 4
    assert [h.rank for h in hits] == [1, 2, 3, 4]


@pytest.mark.parametrize("mode", ["semantic", "hybrid"])
def test_fetching_deeper_for_whole_notes_embeds_the_query_once(tiny_dsvl, tmp_path, monkeypatch, mode):
    """Fewer notes than k: the ranking is fetched deeper (k*4 parts, then k*16), the query embedded once."""
    folder = tmp_path / "sync"
    folder.mkdir()
    steps = "\n\n".join(f"## 同期 {i}\n\n" + "リモート保管庫を同期する手順です。" * 20 for i in range(16))
    (folder / "long.md").write_text(f"# 同期の設定\n\n{steps}\n", encoding="utf-8")
    (folder / "short.md").write_text("# メモ\n\n同期について一言。\n", encoding="utf-8")
    build_index(folder, tmp_path / "idx", tiny_dsvl, budget=300, **FAST)
    searcher = Searcher.open(tmp_path / "idx", tiny_dsvl)
    assert searcher.index.table.count_rows() > 3 * 4  # more parts than the first fetch for k=3
    calls = []
    encode = type(tiny_dsvl).encode  # patched on the class: an instance patch would outlive the test
    monkeypatch.setattr(
        type(tiny_dsvl), "encode", lambda self, *a, **kw: calls.append(1) or encode(self, *a, **kw)
    )
    hits = searcher.search(text_query("同期 手順"), k=3, mode=mode)
    assert sorted(h.id for h in hits) == ["sync/long.md", "sync/short.md"]
    assert len(calls) == 1
