"""Mainland and Taiwan words: a mainland query finds a Taiwan note through a word the fold cannot
join (默认/預設) and the reverse (記憶體/内存); queries with nothing to convert score exactly as before;
the cards mark the note's own word (`indexer.vocabulary`)."""

from __future__ import annotations

import pytest

from indexer import Searcher, build_index, exact_first
from indexer import query_words as query_words_module
from indexer.matches import matches
from indexer.vocabulary import variants, with_variants
from mme_core.documents import InterleavedDoc, TextSegment

FAST = {"progress": False, "write_batch": 3}
NOTES = {
    "taiwan.md": "# 設定說明\n\n預設的大小是 520 KB，可以在設定裡修改。\n",  # Taiwan words
    "mainland.md": "# 内存不足\n\n内存不足时程序会退出。\n",  # mainland words
}


def text_query(text: str) -> InterleavedDoc:
    return InterleavedDoc((TextSegment(text),))


@pytest.fixture
def searcher(tiny_dsvl, notes, tmp_path):
    for name, text in NOTES.items():
        (notes / name).write_text(text, encoding="utf-8")
    build_index(notes, tmp_path / "idx", tiny_dsvl, **FAST)
    return Searcher.open(tmp_path / "idx", tiny_dsvl)


@pytest.fixture
def without_variants(monkeypatch):
    """Search as before this change: the query's own words only."""

    def switch_off() -> None:
        monkeypatch.setattr(query_words_module, "with_variants", lambda text: text)
        monkeypatch.setattr(exact_first, "with_variants", lambda text: text)

    return switch_off


def ids(searcher: Searcher, text: str, **options) -> list[str]:
    return [hit.id for hit in searcher.search(text_query(text), k=5, mode="keyword", **options)]


def test_variants_are_the_other_communitys_words_and_nothing_else():
    assert variants("软件") == ["軟體"]
    assert variants("軟體") == ["软件"]
    assert variants("程序") == ["程式"]  # never tw2sp on the typed query: 程序 would become 进程
    assert "内存" in variants("記憶體不足")[0]
    assert variants("数据库服务器") == ["資料庫伺服器"]  # one piece, not 資料 and a stray 伺
    for unchanged in ("红烧肉", "紅燒肉", "ESP32 memory", "日本語のテキスト", "软件 軟體", ""):
        assert variants(unchanged) == [] and with_variants(unchanged) == unchanged, unchanged


def test_mainland_query_finds_taiwan_note_only_through_the_vocabulary(searcher, without_variants):
    assert "notes/taiwan.md" in ids(searcher, "默认")  # 預設 shares no character with 默认
    without_variants()
    assert "notes/taiwan.md" not in ids(searcher, "默认")


def test_taiwan_query_finds_mainland_note_only_through_the_vocabulary(searcher, without_variants):
    assert ids(searcher, "記憶體")[:1] == ["notes/mainland.md"]
    without_variants()
    assert "notes/mainland.md" not in ids(searcher, "記憶體")


@pytest.mark.parametrize("query", ["520 KB", "退出", "預設的大小", "可以修改"])
def test_a_query_with_nothing_to_convert_scores_exactly_as_before(searcher, without_variants, query):
    after = searcher.search(text_query(query), k=5, mode="keyword", titles_first=False)
    without_variants()
    before = searcher.search(text_query(query), k=5, mode="keyword", titles_first=False)
    assert after and [(h.id, h.score, h.terms) for h in after] == [(h.id, h.score, h.terms) for h in before]


def test_cards_mark_the_notes_own_word(searcher):
    hits = searcher.search(text_query("默认"), k=5, mode="keyword")
    hit = next(h for h in hits if h.id == "notes/taiwan.md")
    assert "預設" in hit.terms
    text = NOTES["taiwan.md"]
    assert [text[a:b] for a, b in matches(text, hit.terms)] == ["預設"]


def test_a_title_typed_exactly_still_comes_first_with_the_variants_marked(searcher):
    hits = searcher.search(text_query("内存不足"), k=3)  # as a person gets it: titles first, default mode
    assert hits[0].id == "notes/mainland.md" and hits[0].mode == "title"
    assert any("記憶體" in term for term in hits[0].terms)
