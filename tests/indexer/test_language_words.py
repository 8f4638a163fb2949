"""A person's words found in Thai, Vietnamese, Korean and German notes, typed as people type them:
Thai's sara am as one key where the note writes its two marks, a Thai word inside a sentence,
Vietnamese without tones, German umlauts as ae oe ue, a Korean noun without its particle
(`keyword.fold`, `indexer.phrase_first`, `indexer.umlauts`, `indexer.matches`)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from indexer import Searcher, build_index
from indexer.keyword import FTS_COLUMN, fold
from indexer.matches import quote
from indexer.phrase_first import phrase_first, phrase_pattern
from indexer.umlauts import umlaut_spelling, with_umlauts
from mme_core.documents import InterleavedDoc, TextSegment

FAST = {"progress": False, "write_batch": 3}
NOTES = {
    # Thai as machine translation and Office write it: ำ as nikhahit + sara aa (ํา)
    "faq.md": "# คําถามที่พบบ่อย\n\nตรวจสอบคําตอบของเราก่อนแล้วเพิ่มคําถามของคุณด้านล่าง\n",
    "tomyum.md": "# ต้มยำกุ้ง\n\nต้มน้ำให้เดือดแล้วใส่ข่าตะไคร้ใบมะกรูดลงไปเคี่ยวจนหอม\n",
    "thai-other.md": "# วิธีทำผัดไทย\n\nผัดเส้นกับไข่ ใส่ถั่วงอก คำถามอื่น ๆ ทำตามขั้นตอน\n",
    # Vietnamese: one note holds "thiết yếu" (essential), a longer one its syllables apart, often
    "screenshots.md": "# Ảnh chụp màn hình\n\nĐây là một đính kèm thiết yếu trong báo cáo lỗi.\n",
    "weak.md": "# Thiết lập\n\n"
    + "Thiết lập máy yếu thì thiết bị chạy yếu; thiết kế yếu, thiết đặt yếu, tiết kiệm pin. " * 3
    + "\n",
    "pho.md": "# Phở bò Hà Nội\n\nNấu nước dùng phở từ xương bò trong tám tiếng.\n",
    "phong.md": "# Phòng ngủ\n\nDọn phòng ngủ, phòng khách và phòng bếp cho phong phú.\n",
    # German: umlauts typed as two letters
    "spaetzle.md": "# Allgäuer Küche\n\nKäse reiben, mit den Käsespätzle schichten, Röstzwiebeln darauf.\n",
    "kase.md": "# Kasseler mit Sauerkraut\n\nKassler kurz anbraten, Kraut und Speck dazu, spät servieren.\n",
    # Korean: nouns with particles glued on
    "kimchi.md": "# 돼지고기 찌개\n\n돼지고기와 김치를 볶은 다음 물을 붓고 김치찌개를 끓입니다.\n",
    "bulgogi.md": "# 불고기\n\n소고기를 양념에 재워 둡니다. 김치와 함께 먹습니다. 찌개도 끓입니다.\n",
}


def text_query(text: str) -> InterleavedDoc:
    return InterleavedDoc((TextSegment(text),))


@pytest.fixture(scope="module")
def searcher(tiny_dsvl, tmp_path_factory):
    folder = tmp_path_factory.mktemp("lang") / "notes"
    folder.mkdir()
    for name, text in NOTES.items():
        (folder / name).write_text(text, encoding="utf-8")
    build_index(folder, folder.parent / "idx", tiny_dsvl, **FAST)
    return Searcher.open(folder.parent / "idx", tiny_dsvl)


def first(searcher: Searcher, text: str, **options):
    return searcher.search(text_query(text), k=3, mode="keyword", **options)[0]


def test_thai_sara_am_typed_as_one_key_is_the_note_s_two_marks():
    assert fold("คำถาม") == fold("คําถาม") == "คําถาม"  # as NFKC writes it
    assert fold("น้ำ") == fold("น้ํา")  # with a tone mark before it
    assert fold("ຄຳ") == fold("ຄໍາ")  # Lao's am alike
    assert fold(fold("ต้มยำ")) == fold("ต้มยำ")


def test_a_thai_title_typed_on_a_thai_keyboard_is_the_title(searcher):
    hit = first(searcher, "คำถามที่พบบ่อย")  # ำ typed as one key; the note writes ํา
    assert hit.id == "notes/faq.md" and hit.mode == "title"


def test_a_thai_word_inside_a_sentence_is_found_and_quoted(searcher):
    hit = first(searcher, "ตะไคร้", titles_first=False)  # between ข่า and ใบมะกรูด, no spaces
    assert hit.id == "notes/tomyum.md"
    _, stretch, spans = quote(hit.doc, hit.terms)
    assert [stretch[a:b] for a, b in spans] == ["ตะไคร้"]
    hit = first(searcher, "เพิ่มคำถาม", titles_first=False)
    _, stretch, spans = quote(hit.doc, hit.terms)
    assert hit.id == "notes/faq.md" and [stretch[a:b] for a, b in spans] == ["เพิ่มคําถาม"]
    _, stretch, spans = quote(hit.doc, ["ตรวจสอบคำถาม"])  # not whole in the note: its words are marked
    assert [stretch[a:b] for a, b in spans] == ["ตรวจสอบ", "คําถาม"]


def test_vietnamese_words_typed_without_tones_find_the_note_holding_them_together(searcher):
    assert first(searcher, "thiet yeu", titles_first=False).id == "notes/screenshots.md"
    assert first(searcher, "thiết yếu", titles_first=False).id == "notes/screenshots.md"
    assert first(searcher, "pho", titles_first=False).id == "notes/pho.md"  # phở, not phòng
    hit = first(searcher, "pho bo")
    assert hit.id == "notes/pho.md"


def test_german_umlauts_typed_as_two_letters_find_and_mark_the_word(searcher):
    hit = first(searcher, "Kaesespaetzle", titles_first=False)
    assert hit.id == "notes/spaetzle.md"
    _, stretch, spans = quote(hit.doc, hit.terms)
    assert [stretch[a:b] for a, b in spans] == ["Käsespätzle"]
    assert first(searcher, "Roestzwiebeln", titles_first=False).id == "notes/spaetzle.md"
    hit = first(searcher, "Allgaeuer Kueche")  # a title typed so is the title
    assert hit.id == "notes/spaetzle.md" and hit.mode == "title"


def test_a_korean_noun_is_found_without_the_particle_the_note_glues_on(searcher):
    hit = first(searcher, "김치찌개", titles_first=False)  # the note writes 김치찌개를
    assert hit.id == "notes/kimchi.md"
    assert first(searcher, "돼지고기 찌개").id == "notes/kimchi.md"
    decomposed = "\u1103\u116e\u11c0\u110c\u1175\u1100\u1169\u1100\u1175 \u110d\u1175\u1100\u1162"  # NFD
    assert first(searcher, decomposed).id == "notes/kimchi.md"


def test_umlaut_spellings_follow_german2():
    assert umlaut_spelling("Kaesespaetzle") == "Käsespätzle"
    assert umlaut_spelling("KAESE und Fuesse") == "KÄSE und Füsse"
    for kept in ("neue Feuer", "Quelle", "Strasse", "海鮮", ""):  # ue after a vowel or q stays
        assert umlaut_spelling(kept) is None
    assert with_umlauts("Kaese reiben") == "Kaese reiben Käse"  # only the words it changes are added
    assert with_umlauts("Strasse") == "Strasse"


def test_rows_holding_the_query_s_words_together_come_first_in_bm25_order():
    texts = ["thiết bị yếu", "đính kèm thiết yếu", "không", "Thiết yếu!", "thietyeu"]
    rows = pa.table({"id": list("abcde"), FTS_COLUMN: texts})
    order = phrase_first(rows, phrase_pattern(["thiet yeu"]))
    assert order.column("id").to_pylist() == ["b", "d", "a", "c", "e"]
    assert FTS_COLUMN not in order.column_names
    assert phrase_first(rows, phrase_pattern(["  "])).column("id").to_pylist() == list("abcde")
    chinese = pa.table({"id": ["a", "b"], FTS_COLUMN: ["五花 肉", "红烧五花肉做法"]})  # CJK: anywhere
    assert phrase_first(chinese, phrase_pattern(["五花肉"])).column("id").to_pylist() == ["b", "a"]
    words = pa.table({"id": ["a", "b"], FTS_COLUMN: ["phòng ngủ", "phở bò"]})  # a word stands as a word
    assert phrase_first(words, phrase_pattern(["pho"])).column("id").to_pylist() == ["b", "a"]
    korean = pa.table({"id": ["a", "b"], FTS_COLUMN: ["김치 찌개", "김치찌개를 끓입니다"]})  # with a particle
    assert phrase_first(korean, phrase_pattern(["김치찌개"])).column("id").to_pylist() == ["b", "a"]
    thai = pa.table({"id": ["a", "b"], FTS_COLUMN: ["ใบ ตะ ไคร้", fold("ใส่ข่าตะไคร้ใบมะกรูด")]})
    assert phrase_first(thai, phrase_pattern(["ตะไคร้"])).column("id").to_pylist() == ["b", "a"]
    umlauts = pa.table({"id": ["a", "b"], FTS_COLUMN: ["Kaese", "Käsespätzle"]})  # the umlauted spelling
    spellings = phrase_pattern(["Kaesespaetzle", "Käsespätzle"])
    assert phrase_first(umlauts, spellings).column("id").to_pylist() == ["b", "a"]
    assert phrase_first(rows, phrase_pattern(["thiet yeu"]), k=1).column("id").to_pylist() == ["b"]
    assert phrase_first(rows, phrase_pattern(["absent"]), k=2).column("id").to_pylist() == ["a", "b"]
