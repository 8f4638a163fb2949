"""Chinese in either script: a Traditional note found by a Simplified query and the reverse
(`keyword.fold` on the keyword text and the query's words); Greek, Russian, Arabic and Hebrew
found as typed without their accents or points; an index written before the fold brought up to
date by the next `add` without embedding anything."""

from __future__ import annotations

import numpy as np
import pytest

from indexer import Searcher, build_index
from indexer.keyword import ensure_keyword_index, fold
from indexer.keyword import words as query_words
from indexer.schema import doc_file_name, keyword_text_version
from indexer.store import Index
from mme_core.documents import InterleavedDoc, TextSegment

FAST = {"progress": False, "write_batch": 3}
NOTES = {
    "espressif.md": "# 樂鑫 ESP32 模組\n\n模組的工作電壓是 3.3 V，內建記憶體 520 KB。\n",  # Taiwan
    "hongshao.md": "# 红烧肉\n\n五花肉切块，冷水下锅焯水，再用冰糖炒出糖色。\n",  # Simplified
    "tamago.md": "# 卵焼き\n\n卵を溶いて、砂糖と醤油を加えて焼きます。日本語の説明。\n",  # Japanese
}


def text_query(text: str) -> InterleavedDoc:
    return InterleavedDoc((TextSegment(text),))


@pytest.fixture
def indexed(tiny_dsvl, notes, tmp_path):
    for name, text in NOTES.items():
        (notes / name).write_text(text, encoding="utf-8")
    build_index(notes, tmp_path / "idx", tiny_dsvl, **FAST)
    return tmp_path / "idx"


def test_fold_maps_traditional_to_simplified_one_character_for_one():
    assert fold("樂鑫 模組 電壓 記憶體 紅燒肉 鍋") == "乐鑫 模组 电压 记忆体 红烧肉 锅"
    assert fold("乐鑫 模组 电压") == "乐鑫 模组 电压"  # Simplified stays
    for text in ("Crème brûlée, ESP32 @ 3.3 V", "卵焼き 醤油 国 図 気 広 鶏 ひらがな カタカナ", "흰쌀밥"):
        assert fold(text) == text  # Latin, Japanese-only forms, kana and Hangul are not in the map
    assert fold("日本語の説明") == "日本语の说明"  # kanji shared with Traditional fold (a query does too)
    assert fold("薴") == fold("苧") == "苎"  # t2s chains are followed: folding twice changes nothing
    assert fold("嗰") == "嗰"  # its Simplified form lies beyond the BMP: left as it is
    text = "記憶體 and 內建 的 電壓"
    assert len(fold(text)) == len(text) and fold(fold(text)) == fold(text)


def test_fold_takes_away_the_marks_people_leave_out_in_greek_russian_arabic_and_hebrew():
    assert fold("Πώς να φτιάξετε μουσακά; Ἀθῆναι, ΐ") == "Πως να φτιαξετε μουσακα; Αθηναι, ι"
    assert fold("ёлочная гирлянда, ЁЛКА, йогурт") == "елочная гирлянда, ЕЛКА, йогурт"  # й is a letter
    assert fold("الكُنافة بالقشطـــة") == "الكنافه بالقشطه"  # vowel points and the tatweel go (ة as ه)
    assert fold("שָׁלוֹם") == "שלום"
    assert fold("ｶﾞｲﾄﾞのﾃｽﾄ｡") == "ガイドのテスト。"  # half-width katakana as typed, voicing marks joined
    for text in ("Crème brûlée, Straße", "흰쌀밥", "Україна їжак", "हिंदी"):
        assert fold(text) == text  # the tokenizer folds Latin itself; Hangul, Ukrainian letters, Hindi kept
    text = "Πώς ёлка الكُنافة 樂鑫"
    assert fold(fold(text)) == fold(text)


def test_a_query_without_accents_or_points_scores_as_one_with_them(tiny_dsvl, notes, tmp_path):
    marked = {
        "moussaka.md": "# Πώς να φτιάξετε μουσακά\n\nΚόψτε τις μελιτζάνες σε φέτες.\n",
        "garland.md": "# Как заменить ёлочную гирлянду\n\nОтключите питание.\n",
        "kunafa.md": "# طريقة عمل الكُنافة\n\nضعي السَّمن على العجينة.\n",
        "other.md": "# Μελιτζάνες\n\nЕлочный базар. العجينة\n",  # decoys sharing words
    }
    for name, text in marked.items():
        (notes / name).write_text(text, encoding="utf-8")
    build_index(notes, tmp_path / "idx", tiny_dsvl, **FAST)
    searcher = Searcher.open(tmp_path / "idx", tiny_dsvl)
    for typed, written, expected in (
        ("μουσακα", "μουσακά", "moussaka"),
        ("елочную гирлянду", "ёлочную гирлянду", "garland"),
        ("الكنافة", "الكُنافة", "kunafa"),
    ):
        plain = searcher.search(text_query(typed), k=3, mode="keyword", titles_first=False)
        exact = searcher.search(text_query(written), k=3, mode="keyword", titles_first=False)
        assert plain[0].id == exact[0].id == f"notes/{expected}.md", typed
        assert plain[0].score == pytest.approx(exact[0].score), typed  # the same n-grams: an exact match


def test_fold_writes_arabic_and_persian_letters_one_way_as_searchers_do():
    assert fold("أحمد إسلام آمنة ٱلله") == "احمد اسلام امنه الله"  # hamza and madda off the alef
    assert fold("مستشفى مدرسة") == "مستشفي مدرسه"  # alef maksura as yeh, teh marbuta as heh
    assert fold("یک کتاب خانهٔ") == fold("يك كتاب خانهٔ")  # Persian yeh and keheh as Arabic's
    assert fold("می‌خواهم") == fold("میخواهم") == "ميخواهم"  # the zero-width non-joiner goes
    assert fold("ۀ") == "ه"
    for text in ("هؤلاء سائل", "اردو ے ں", "ﺏ"):
        assert fold(text) == text  # hamza on waw and yeh, Urdu's yeh barree and noon ghunna kept
    text = "أحمد یک می‌خواهم مدرسة"
    assert fold(fold(text)) == fold(text)


def test_arabic_and_persian_typed_another_way_score_as_written(tiny_dsvl, notes, tmp_path):
    written = {
        "hospital.md": "# الذهاب إلى المستشفى\n\nأحضر بطاقة الهوية والتقارير الطبية.\n",
        "library.md": "# می‌خواهم یک کتاب بخرم\n\nکتاب‌فروشی نزدیک است.\n",
        "other.md": "# المدرسة\n\nكتب ومستشفيات. خانه\n",  # decoys sharing letters
    }
    for name, text in written.items():
        (notes / name).write_text(text, encoding="utf-8")
    build_index(notes, tmp_path / "idx", tiny_dsvl, **FAST)
    searcher = Searcher.open(tmp_path / "idx", tiny_dsvl)
    for typed, as_written, expected in (
        ("الذهاب الى المستشفي", "الذهاب إلى المستشفى", "hospital"),  # no hamza, maksura typed as yeh
        ("ميخواهم يك كتاب", "می‌خواهم یک کتاب", "library"),  # an Arabic layout, no non-joiner
    ):
        other = searcher.search(text_query(typed), k=3, mode="keyword", titles_first=False)
        exact = searcher.search(text_query(as_written), k=3, mode="keyword", titles_first=False)
        assert other[0].id == exact[0].id == f"notes/{expected}.md", typed
        assert other[0].score == pytest.approx(exact[0].score), typed  # folded alike: an exact match


@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_either_script_finds_the_other(tiny_dsvl, indexed, mode):
    searcher = Searcher.open(indexed, tiny_dsvl)
    for words, expected in (
        ("电压", "espressif"),  # Simplified query, Traditional note: no character in common
        ("记忆体", "espressif"),
        ("紅燒", "hongshao"),  # Traditional query, Simplified note
        ("鍋", "hongshao"),
        ("樂鑫", "espressif"),  # each script still finds itself
        ("红烧肉", "hongshao"),
        ("醤油", "tamago"),  # Japanese finds its Japanese note
        ("日本語", "tamago"),
    ):
        hits = searcher.search(text_query(words), k=3, mode=mode, titles_first=False)  # the ranking
        assert hits[0].id == f"notes/{expected}.md" and hits[0].mode == mode, words
        # the words as typed: the card marks them (highlight); 记忆体 also 内存 (`indexer.vocabulary`)
        assert hits[0].terms == ((words, "内存") if words == "记忆体" else (words,)), words


def test_the_keyword_text_is_folded_and_a_latin_note_is_written_as_it_was(indexed):
    index = Index.open(indexed)
    text = {row["id"]: row["text"] for row in index.scan(["id", "text"]).to_pylist()}
    assert text["notes/espressif.md"].startswith("乐鑫 ESP32 模组\n")
    assert "How to fix sink" in text["notes/fix-sink.md"] and "Unscrew the trap" in text["notes/fix-sink.md"]
    assert "卵焼き" in text["notes/tamago.md"]
    assert index.meta.text_fold == keyword_text_version() and index.rewrite_keyword_text() == 0  # up to date
    doc = next(d for d in index.documents() if d.id == "notes/espressif.md")
    assert doc.title == "樂鑫 ESP32 模組" and "模組的工作電壓" in doc.text  # the card's text is the note's


def test_an_index_written_before_the_fold_is_rewritten_by_the_next_add_without_embedding(
    tiny_dsvl, indexed, notes, monkeypatch
):
    index = Index.open(indexed)
    vectors = index.vectors(3)
    with monkeypatch.context() as patch:  # as an earlier release wrote it: unfolded, no text_fold
        patch.setattr("indexer.store.searchable_text", lambda doc: _unfolded(doc))
        assert index.rewrite_keyword_text() == 2  # the Traditional note and the Japanese one
    index.update_meta(text_fold="")
    ensure_keyword_index(index.table, replace=True)
    assert "樂鑫" in index.scan(["text"], "id = 'notes/espressif.md'")["text"][0].as_py()

    searcher = Searcher.open(indexed, tiny_dsvl)  # an old index: queries are not folded either
    assert searcher.search(text_query("樂鑫"), k=1, mode="keyword")[0].id == "notes/espressif.md"
    assert searcher.search(text_query("电压"), k=3, mode="keyword") == []  # no character in common

    report = build_index(notes, indexed, tiny_dsvl, **FAST)  # nothing changed in the notes
    assert report.embedded == 0 and report.updated == 0
    index = Index.open(indexed)
    assert index.meta.text_fold == keyword_text_version()
    assert index.scan(["text"], "id = 'notes/espressif.md'")["text"][0].as_py().startswith("乐鑫 ESP32 模组")
    after = index.vectors(3)
    assert after.keys() == vectors.keys() and all(np.array_equal(after[k], vectors[k]) for k in vectors)
    searcher = Searcher.open(indexed, tiny_dsvl)
    for words in ("电压", "樂鑫", "記憶體", "醤油"):
        expected = "notes/tamago.md" if words == "醤油" else "notes/espressif.md"
        assert searcher.search(text_query(words), k=1, mode="keyword")[0].id == expected, words


def _unfolded(doc: InterleavedDoc) -> str:
    names = [doc.title, *doc.meta.get("aliases", ())]
    bare = {"".join(filter(str.isalnum, name)).casefold() for name in names}  # as this release adds it:
    file_name = doc_file_name(doc)  # the file's name when it is not the title
    names += [file_name] if "".join(filter(str.isalnum, file_name)).casefold() not in bare else []
    return "\n".join([*(name for name in names if name), doc.text])


def test_a_note_s_tags_are_keyword_text_and_an_index_written_without_them_is_rewritten(
    tiny_dsvl, notes, tmp_path, monkeypatch
):
    (notes / "soup.md").write_text("---\ntags: [Weeknight, winter/soups]\n---\n# Leek soup\n\nSweat leeks.\n")
    (notes / "stew.md").write_text("# Beef stew\n\nBrown the beef. Not for a weeknight, sadly.\n")
    with monkeypatch.context() as patch:  # as the release before tags were keyword text wrote it
        patch.setattr("indexer.schema.searchable_text", _unfolded)  # rows as they were written
        patch.setattr("indexer.store.searchable_text", _unfolded)
        patch.setattr("indexer.build.keyword_text_version", lambda: "before")
        build_index(notes, tmp_path / "idx", tiny_dsvl, **FAST)

    def scores(words: str) -> dict[str, float]:
        hits = Searcher.open(tmp_path / "idx", tiny_dsvl).search(text_query(words), k=9, mode="keyword")
        return {hit.id: hit.score for hit in hits}

    before = scores("weeknight")
    assert max(before, key=before.get) == "notes/stew.md"  # only the stew's text says it
    report = build_index(notes, tmp_path / "idx", tiny_dsvl, **FAST)  # nothing changed in the notes
    assert report.embedded == 0 and Index.open(tmp_path / "idx").meta.text_fold == keyword_text_version()
    after = scores("weeknight")
    assert after["notes/soup.md"] > before.get("notes/soup.md", 0.0)  # its tag is a word of it now
    assert max(after, key=after.get) == "notes/soup.md"  # the shorter note saying it, first


def test_a_number_written_inside_cjk_words_stays_in_their_run():
    # split, "2024 年 6 月" searched n-grams ("4 年", " 6 ") the note does not have (see keyword.words)
    assert query_words("2024年6月 第3章 开始") == ["2024年6月", "第3章", "开始"]
    assert query_words("iPhone13手机 2024 年") == ["iPhone13", "手机", "2024", "年"]
